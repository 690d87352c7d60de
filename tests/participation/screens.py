"""What the screen tests of the participation log share: a client per person, Daan's agreement
around the real today (views use the real clock) and Olga's, which is always there so that "not
shown" means something."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from evc.extensions import db
from tests.conftest import Browserless

TODAY = date.today()
OVERVIEW_QUERIES = 7
QUEUE_QUERIES = 3


def text(response) -> str:
    return response.get_data(as_text=True)


def as_user(app, person) -> Browserless:
    web = Browserless(app.test_client())
    web.login(person.email)
    return web


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


OLGA_SECRETS = ("OLGA-REF-777", "Gemeente Zeist", "GEHEIM-OLGA-WERK", "Olga Overig")


def assert_no_leak(page: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in page, secret
