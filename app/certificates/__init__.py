"""Certificates area: my certificates, the HR list, revocation and downloads."""
