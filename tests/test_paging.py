"""The one paginator: the requested page, counted and uncounted lists, the last page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from evc.accounts.models import Organisation
from evc.paging import paginate, requested_page
from tests.factories import organisation


@pytest.fixture
def seven(app):
    for n in range(7):
        organisation(f"Organisatie {n:02d}")
    return select(Organisation).order_by(Organisation.name)


@pytest.mark.parametrize("asked, expected", [("2", 2), ("0", 1), ("-3", 1), ("twee", 1), ("", 1)])
def test_a_wrong_page_number_is_the_first_page(app, asked, expected):
    with app.test_request_context(f"/?pagina={asked}"):
        assert requested_page() == expected


def test_a_counted_list_knows_its_pages(seven):
    middle = paginate(seven, size=3, number=2)
    assert [o.name for o in middle.items] == ["Organisatie 03", "Organisatie 04", "Organisatie 05"]
    assert (middle.total, middle.pages, middle.has_previous, middle.has_next) == (7, 3, True, True)
    last = paginate(seven, size=3, number=3)
    assert [o.name for o in last.items] == ["Organisatie 06"] and not last.has_next


def test_an_uncounted_list_only_knows_whether_more_follows(seven, queries):
    with queries() as counted:
        first = paginate(seven, size=5, number=1, count=False)
    assert len(counted) == 1 and first.total is None
    assert len(first.items) == 5 and first.has_next and first.pages == 2
    assert not paginate(seven, size=5, number=2, count=False).has_next


def test_rows_come_back_as_rows(seven):
    names = select(Organisation.name).order_by(Organisation.name)
    paged = paginate(names, size=2, rows=True, number=1)
    assert [row.name for row in paged.items] == ["Organisatie 00", "Organisatie 01"]


def test_a_page_past_the_end_is_empty_not_an_error(seven):
    beyond = paginate(seven, size=3, number=9)
    assert beyond.items == [] and beyond.pages == 3 and not beyond.has_next
