"""Coordinator screens: members, roles, invitations, audit log, outbox; site admin: organisations."""
