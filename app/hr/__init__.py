"""HR pages: employees, invitations, CSV import, deactivation."""
