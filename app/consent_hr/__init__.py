"""HR's consent pages: register, decisions recorded from paper, publication checks, reviews."""
