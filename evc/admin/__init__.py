"""Coordinator screens (members, roles, invitations, audit log, outbox) and site admin screens."""
