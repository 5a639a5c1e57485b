"""Business rules and transactions; nothing here reads the request or renders templates."""
