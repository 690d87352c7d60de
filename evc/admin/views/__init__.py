"""Coordinator and site-admin screens. Writes go through ``evc.accounts.services``.

- ``members``: the people of one organisation, their roles, invitations and membership;
- ``offers``: invitations to existing accounts, which wait for the person's answer;
- ``records``: the organisation's audit log and the outbox;
- ``organisations``: the site administrator's list of organisations.
"""

from __future__ import annotations

from evc.admin.views import members, offers, organisations, records  # the routes
from evc.admin.views.blueprint import bp

__all__ = ["bp", "members", "offers", "organisations", "records"]
