"""The interface through which the procedure asks the portfolio how much evidence there is.

The portfolio domain registers a counter with ``register_evidence_counter``. Until one is
registered, no trajectory has evidence, so the submission guard keeps asking for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import current_app

# trajectory ids -> {trajectory id: {competency id: number of evidence items}}
EvidenceCounter = Callable[[Sequence[int]], dict[int, dict[str, int]]]

_KEY = "evc.evidence_counter"


def register_evidence_counter(app, counter: EvidenceCounter) -> None:
    app.extensions[_KEY] = counter


def evidence_counts(trajectory_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    counter = current_app.extensions.get(_KEY)
    if counter is None or not trajectory_ids:
        return {}
    return counter(trajectory_ids)
