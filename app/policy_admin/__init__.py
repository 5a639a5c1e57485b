"""Administrators publish new versions of the policy."""
