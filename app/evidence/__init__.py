"""Tamper evidence shared by every record: seals, personal-data digests, attachments, /verify."""
