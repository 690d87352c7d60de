"""Accounts: organisations, people, roles, login, invitations and password reset."""
