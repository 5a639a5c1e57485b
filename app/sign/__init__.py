"""Employees read and sign the policy, and download their receipts."""
