"""Writes and reads of care-task protocols and clearances, by sub-area: the protocol library,
one clearance, a clearance as portfolio evidence, the people (roles, reserved acts), the checks
(VOG, the matrix) and the API tokens.

The names other parts of the application (the demo, the reminders, the tests) use are
available from here too.
"""

from evc.protocols.services.api import (
    create_api_token,
    find_api_token,
    revoke_api_token,
    token_digest,
    tokens_of,
)
from evc.protocols.services.checks import (
    Matrix,
    check,
    check_version,
    clearance_for,
    expiring_clearances,
    matrix,
    needs_reacknowledgement,
    organisation_vogs,
    own_clearances,
    own_vogs,
    set_vog,
    vog_for,
    vog_record,
)
from evc.protocols.services.clearances import (
    MAX_REASON,
    Observation,
    acknowledge_knowledge,
    grant_clearance,
    latest_valid_until,
    record_instruction,
    revoke_clearance,
    start_clearance,
)
from evc.protocols.services.evidence import add_to_portfolio, open_trajectory
from evc.protocols.services.library import (
    add_protocol,
    current_version,
    import_library,
    library_keys_missing,
    protocol_by_key,
    protocols_with_versions,
    publish_version,
    spec_from_form,
)
from evc.protocols.services.people import (
    has_role,
    may_clear_reserved_acts,
    members_with_role,
    reserved_act_instructors,
    set_reserved_act_authorisation,
    volunteer_of,
)

__all__ = [
    "MAX_REASON",
    "Matrix",
    "Observation",
    "acknowledge_knowledge",
    "add_protocol",
    "add_to_portfolio",
    "check",
    "check_version",
    "clearance_for",
    "create_api_token",
    "current_version",
    "expiring_clearances",
    "find_api_token",
    "grant_clearance",
    "has_role",
    "import_library",
    "latest_valid_until",
    "library_keys_missing",
    "matrix",
    "may_clear_reserved_acts",
    "members_with_role",
    "needs_reacknowledgement",
    "open_trajectory",
    "organisation_vogs",
    "own_clearances",
    "own_vogs",
    "protocol_by_key",
    "protocols_with_versions",
    "publish_version",
    "record_instruction",
    "reserved_act_instructors",
    "revoke_api_token",
    "revoke_clearance",
    "set_reserved_act_authorisation",
    "set_vog",
    "spec_from_form",
    "start_clearance",
    "token_digest",
    "tokens_of",
    "vog_for",
    "vog_record",
    "volunteer_of",
]
