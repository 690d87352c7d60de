"""Every action the code writes to the audit log reads as words on the log page, not as its
internal name (e.g. "Uren goedgekeurd", not "participation.hours_approved")."""

from __future__ import annotations

import re
from pathlib import Path

from flask import render_template_string

from evc.participation.models import EntryStatus

ROOT = Path(__file__).resolve().parents[1] / "evc"
# The action: the first argument of log_action, or the second of the helpers that write the
# audit row on a trajectory or an item; a literal or a conditional of literals.
ACTION_ARGUMENT = re.compile(
    r"log_action\(\s*([^,]+),|log_on_(?:trajectory|item)\(\s*[^,]+,\s*([^,]+),"
)
NAME = re.compile(r"\"([a-z_]+(?:\.[a-z_]+)?)\"")


def actions_in_code() -> set[str]:
    found = set()
    for path in ROOT.rglob("*.py"):
        for arguments in ACTION_ARGUMENT.findall(path.read_text(encoding="utf-8")):
            for argument in arguments:
                found.update(NAME.findall(argument))
    # Written with the entry's new status: f"participation.hours_{status.value}"
    decided = (EntryStatus.APPROVED, EntryStatus.DECLINED)
    found.update(f"participation.hours_{status.value}" for status in decided)
    return found


def test_the_scan_finds_the_actions_of_every_domain():
    prefixes = {action.split(".")[0] for action in actions_in_code()}
    assert {"login", "trajectory", "evidence", "assessment", "certificate", "clearance"} <= prefixes
    assert "participation" in prefixes and len(actions_in_code()) > 60


def test_every_logged_action_has_a_label_in_both_languages(app):
    template = (
        '{% from "_macros/labels.html" import action_label with context %}'
        "{{ action_label(action) }}"
    )
    for language in ("nl", "en"):
        with app.test_request_context(headers={"Accept-Language": language}):
            from flask_babel import force_locale

            with force_locale(language):
                raw = [
                    action
                    for action in sorted(actions_in_code())
                    if render_template_string(template, action=action).strip() == action
                ]
        assert raw == [], f"{language}: no label for {raw}"


def test_the_klantmanager_role_has_a_label(app):
    template = '{% from "_macros/labels.html" import role_label %}{{ role_label("case_manager") }}'
    with app.test_request_context():
        assert render_template_string(template) == "Klantmanager (gemeente)"
