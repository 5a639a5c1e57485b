"""Public verification of receipt and certificate codes."""
