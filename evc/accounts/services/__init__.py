"""Writes for accounts. Each function changes state, writes the audit row and flushes; the
caller commits once. Mail goes to the outbox in the same transaction.

- ``identity``: how an e-mail address finds its account, tokens stored as digests;
- ``sessions``: login (with its throttle), server-side sessions, logout;
- ``links``: passwords, invitation and password-reset links;
- ``offers``: a role offered to an existing account, which counts once the person accepts it;
- ``members``: organisations, roles and account status.
"""

from evc.accounts.services.identity import (
    find_user_by_email,
    normalise_email,
    set_language,
    token_digest,
)
from evc.accounts.services.links import (
    accept_invitation,
    change_password,
    check_new_password,
    find_valid_token,
    issue_token,
    request_password_reset,
    reset_password,
)
from evc.accounts.services.members import (
    accept_offer,
    add_member_role,
    add_role,
    check_role_fits,
    create_organisation,
    end_membership,
    invite_member,
    remove_role,
    resend_invitation,
    set_account_active,
)
from evc.accounts.services.offers import (
    answer_offer,
    decline_offer,
    find_offer,
    open_offers_for,
    open_offers_of,
    resend_offer,
    withdraw_offer,
)
from evc.accounts.services.sessions import (
    LoginThrottled,
    attempt_login,
    authenticate,
    end_all_sessions,
    end_session,
    start_session,
    user_for_session,
)

__all__ = [
    "LoginThrottled",
    "accept_invitation",
    "accept_offer",
    "answer_offer",
    "decline_offer",
    "end_membership",
    "find_offer",
    "open_offers_for",
    "open_offers_of",
    "resend_offer",
    "withdraw_offer",
    "add_member_role",
    "add_role",
    "attempt_login",
    "authenticate",
    "change_password",
    "check_new_password",
    "check_role_fits",
    "create_organisation",
    "end_all_sessions",
    "end_session",
    "find_user_by_email",
    "find_valid_token",
    "invite_member",
    "issue_token",
    "normalise_email",
    "remove_role",
    "request_password_reset",
    "resend_invitation",
    "reset_password",
    "set_account_active",
    "set_language",
    "start_session",
    "token_digest",
    "user_for_session",
]
