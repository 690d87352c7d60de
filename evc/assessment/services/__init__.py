"""Writes of the independent assessment, and the reads several screens share.

Every write checks the domain rules, changes state, writes the audit row and flushes; the view
commits once. Phase changes go through ``evc.procedure.services.advance_phase``. The parts:
``assignment`` (assigning and independence), ``completeness`` (step 1), ``judging`` (step 2)
and ``report`` (step 3 and the outcome); ``common`` holds what they share. Every public name
is importable from here.
"""

from __future__ import annotations

from evc.assessment.services.assignment import (
    Relations,
    assign_assessor,
    candidate_assessors,
    declare_independent,
    decline,
    independence_problems,
    needed_positions,
    relations_of,
    withdraw_assignment,
)
from evc.assessment.services.common import (
    MIN_JUSTIFICATION,
    MIN_MOTIVATION,
    open_assignments,
    report_of,
    volunteer_label,
)
from evc.assessment.services.completeness import (
    ChecklistRow,
    checklist,
    confirm_complete,
    on_resubmitted,
    return_for_more,
    returns_of,
)
from evc.assessment.services.judging import (
    Difference,
    both_judged,
    differences,
    judgements_of,
    mark_judged,
    partner_of,
    resolve,
    save_judgement,
    unjudged,
)
from evc.assessment.services.report import (
    Outcome,
    correct,
    final_assignment,
    finalise,
    outcome,
    save_summary,
)
from evc.procedure.settings import settings_of

__all__ = [
    "MIN_JUSTIFICATION",
    "MIN_MOTIVATION",
    "ChecklistRow",
    "Difference",
    "Outcome",
    "Relations",
    "assign_assessor",
    "both_judged",
    "candidate_assessors",
    "checklist",
    "confirm_complete",
    "correct",
    "declare_independent",
    "decline",
    "differences",
    "final_assignment",
    "finalise",
    "independence_problems",
    "judgements_of",
    "mark_judged",
    "needed_positions",
    "on_resubmitted",
    "open_assignments",
    "outcome",
    "partner_of",
    "relations_of",
    "report_of",
    "resolve",
    "return_for_more",
    "returns_of",
    "save_judgement",
    "save_summary",
    "settings_of",
    "unjudged",
    "volunteer_label",
    "withdraw_assignment",
]
