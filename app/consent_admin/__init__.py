"""The administrator's consent purposes page."""
