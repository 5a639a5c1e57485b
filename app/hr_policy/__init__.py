"""HR overview of who signed which version of the policy."""
