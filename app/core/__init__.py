"""Shared services with no domain knowledge: hooks, audit log, settings, codes, mail, paging."""
