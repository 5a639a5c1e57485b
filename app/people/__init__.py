"""Accounts, sign-in, single sign-on, import, roles and offboarding; HR's people pages."""
