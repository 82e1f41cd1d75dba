"""Accounts: citizens and staff, their passkeys, server-side sessions, invitations, recovery."""
