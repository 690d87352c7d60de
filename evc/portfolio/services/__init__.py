"""Writes of the portfolio. Files are checked by ``portfolio.files`` and promoted into storage
only after the commit (``evc.storage``); a rolled-back request leaves no file and no row.

The other domains use the portfolio through these names only (protocols and participation add
evidence to an open portfolio; the procedure counts evidence)."""

from __future__ import annotations

from evc.portfolio.services.comments import add_comment, count_evidence
from evc.portfolio.services.common import EDITABLE_PHASES, open_portfolios
from evc.portfolio.services.evidence import (
    add_evidence,
    portfolio_bytes,
    record_access,
    remove_evidence,
    update_evidence,
)
from evc.portfolio.services.reading import accesses_of, evidence_for, items_of, titles_of
from evc.portfolio.services.referees import answer_referee, find_referee_request, request_referee

__all__ = [
    "EDITABLE_PHASES",
    "accesses_of",
    "add_comment",
    "add_evidence",
    "answer_referee",
    "count_evidence",
    "evidence_for",
    "find_referee_request",
    "items_of",
    "open_portfolios",
    "portfolio_bytes",
    "record_access",
    "remove_evidence",
    "request_referee",
    "titles_of",
    "update_evidence",
]
