"""Passwords that are quick to guess are refused with a reason in plain Dutch; real passphrases
pass. The first three were accepted before (found in the security review)."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from evc.accounts.passwords import password_problem


def problem(password: str, email: str = "nina@test.example"):
    return password_problem(password, email=email, min_length=12, max_length=256)


@pytest.mark.parametrize(
    ("password", "hint"),
    [
        ("Welkom2026!!", "bekend woord"),
        ("Wachtwoord2026", "jaartal"),
        ("P@ssw0rd1234", "bekend woord"),
        ("vrijwilliger2026", "bekend woord"),
        ("Feyenoord1908!", "bekend woord"),
        ("qwertyuiop123", "bekend"),
        ("aaaaaaaaaaaaaaaa", "Herhalingen"),
    ],
)
def test_easy_to_guess_passwords_are_refused_with_a_plain_reason(app, password, hint):
    with app.test_request_context():
        reason = problem(password)
    assert reason is not None and reason.startswith("Dit wachtwoord is te makkelijk te raden.")
    assert hint in reason and "zin van vier of meer gewone woorden" in reason


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "de fiets staat achter het huis", "Mijn oma bakt appeltaart!"],
)
def test_a_sentence_of_ordinary_words_is_accepted(app, password):
    with app.test_request_context():
        assert problem(password) is None


def test_the_own_name_counts_as_known(app):
    with app.test_request_context():
        assert problem("Bakkerwoud1987!!", email="k.bakkerwoud@test.example") is not None
        assert problem("Bakkerwoud1987!!", email="nina@test.example") is None


def test_the_reason_is_in_english_for_an_english_reader(app):
    with app.test_request_context(), force_locale("en"):
        reason = problem("Welkom2026!!")
    assert reason is not None and reason.startswith("This password is too easy to guess.")
