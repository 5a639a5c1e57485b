"""Reminders: the command that emails people about due items, and the HR page that does it too."""
