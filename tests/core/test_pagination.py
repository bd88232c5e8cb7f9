"""core/pagination.py: page windows, totals in one query, and ?page= values that are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consultation.accounts.models import User
from consultation.core.pagination import MAX_PAGE, Page, paginate
from consultation.extensions import db
from tests import factories


def page(number: int, total: int, per_page: int = 10) -> Page:
    return Page(items=[], number=number, per_page=per_page, total=total)


@pytest.mark.parametrize(
    "number, total, expected",
    [
        (1, 0, [1]),
        (1, 10, [1]),
        (1, 30, [1, 2, 3]),
        (1, 100, [1, 2, 3, None, 10]),
        (4, 100, [1, 2, 3, 4, 5, 6, None, 10]),
        (5, 100, [1, None, 3, 4, 5, 6, 7, None, 10]),
        (10, 100, [1, None, 8, 9, 10]),
        (7, 100, [1, None, 5, 6, 7, 8, 9, 10]),
        (50, 100, [1, None, 10]),
    ],
)
def test_window(number, total, expected):
    """The window shows the first, the last and two pages each side, with gaps as None."""
    assert page(number, total).window() == expected


def test_window_wider_and_narrower():
    """The `around` argument widens or narrows the window."""
    assert page(10, 200).window(around=0) == [1, None, 10, None, 20]
    assert page(10, 200).window(around=3) == [1, None, 7, 8, 9, 10, 11, 12, 13, None, 20]


def test_page_properties():
    """pages is at least one; has_previous and has_next follow the number."""
    assert page(1, 0).pages == 1
    assert page(1, 10).pages == 1
    assert page(1, 11).pages == 2
    first, middle, last = page(1, 25), page(2, 25), page(3, 25)
    assert (first.has_previous, first.has_next) == (False, True)
    assert (middle.has_previous, middle.has_next) == (True, True)
    assert (last.has_previous, last.has_next) == (True, False)
    assert not page(1, 0).has_next


def test_a_page_says_the_ranks_it_shows():
    """first and last: the ranks of a page's first and last items in the whole list, from the
    number, the size and the total alone (a page whose rows come made as HTML has no items)."""
    assert (page(1, 25).first, page(1, 25).last) == (1, 10)
    assert (page(3, 25).first, page(3, 25).last) == (21, 25)
    assert (page(1, 0).first, page(1, 0).last) == (1, 0)


def _users(count: int) -> list[User]:
    made = [factories.user() for _ in range(count)]
    db.session.commit()
    return made


def test_paginate_totals_and_slices(app):
    """paginate returns the right slice and the full total on each page."""
    made = _users(7)
    statement = select(User).order_by(User.id)
    pages = [paginate(statement, n, 3) for n in (1, 2, 3)]
    assert [len(p.items) for p in pages] == [3, 3, 1]
    assert all(p.total == 7 and p.pages == 3 for p in pages)
    assert [u.id for p in pages for u in p.items] == [u.id for u in made]
    assert isinstance(pages[0].items[0], User)


def test_paginate_beyond_the_end_keeps_the_total(app):
    """A page after the last one is empty but still knows the total."""
    _users(4)
    beyond = paginate(select(User).order_by(User.id), 5, 3)
    assert beyond.items == []
    assert beyond.total == 4
    assert beyond.pages == 2
    assert not beyond.has_next


def test_paginate_nothing(app):
    """A statement with no rows gives an empty first page with a total of zero."""
    empty = paginate(select(User).where(User.id < 0), 1, 10)
    assert (empty.items, empty.total, empty.pages) == ([], 0, 1)


def test_paginate_tuples_and_total_matches_sql_count(app):
    """Several selected columns give tuples; the total equals a COUNT(*) recount."""
    _users(5)
    statement = select(User.id, User.email).where(User.email.like("%@exemple.fr")).order_by(
        User.id
    )
    result = paginate(statement, 2, 2)
    assert all(isinstance(item, tuple) and len(item) == 2 for item in result.items)
    recount = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    assert result.total == recount == 5


def test_paginate_uses_one_query(app, count_queries):
    """The rows and the total come in a single SQL statement when the page has rows."""
    _users(6)
    statement = select(User).order_by(User.id)
    with count_queries() as counter:
        result = paginate(statement, 2, 4)
    assert len(result.items) == 2 and result.total == 6
    assert counter.count == 1


@pytest.mark.parametrize(
    "value",
    ["0", "-1", "abc", "1.5", "", " 1", "1e3", "%C2%B2", "%EF%BC%92", str(MAX_PAGE + 1),
     "99999999999999999999999999", "9" * 5000],
)
def test_bad_page_number_is_french_404(client, value):
    """A page parameter that is not a page number gives the French 404 page, never a 500."""
    response = client.get(f"/projets?page={value}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page introuvable" in html
    assert "La page demandée n'existe pas ou n'existe plus." in html


def test_projects_pages_and_beyond_the_end(app, client):
    """13 projects fill two pages of 12; the third page is empty but answers 200."""
    admin = factories.user(roles=("admin",))
    titles = [factories.project(actor=admin, title=f"Projet paginé {n:02d}").title
              for n in range(13)]
    db.session.commit()
    first = client.get("/projets").get_data(as_text=True)
    second = client.get("/projets?page=2").get_data(as_text=True)
    shown_first = [t for t in titles if t in first]
    shown_second = [t for t in titles if t in second]
    assert len(shown_first) == 12 and len(shown_second) == 1
    assert not set(shown_first) & set(shown_second)
    assert "13 projets" in first and "13 projets" in second
    assert 'rel="next"' in first and 'rel="prev"' in second
    beyond = client.get("/projets?page=3")
    assert beyond.status_code == 200
    html = beyond.get_data(as_text=True)
    assert not any(t in html for t in titles)
    assert "13 projets" in html
    assert "Aucun projet ne correspond à ces critères." in html


def test_non_ascii_digit_filter_is_not_a_500(client):
    """?territoire=² on /projets is ignored or refused, never a 500."""
    assert client.get("/projets?territoire=%C2%B2").status_code in (200, 404)
