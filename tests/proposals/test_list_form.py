"""ProposalListForm: the proposal list's query string, each refused value back to its default."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from consultation.core.forms import optional_int
from consultation.extensions import db
from consultation.proposals.forms import ANSWER_FILTERS, ProposalListForm
from consultation.proposals.models import AnswerStatus
from consultation.proposals.services import SEED_MAX
from tests import factories
from tests.proposals.helpers import listed_proposal_ids
from tests.proposals.test_proposal_list import MAX_LIST_QUERIES, bulk_proposals, counted_get

DEFAULTS = {"sort": "hasard", "territory": None, "answer": "", "seed": None}


def read(app, *pairs: tuple[str, str]) -> dict[str, object]:
    """The form's values for a query string given as (name, value) pairs."""
    with app.test_request_context("/"):
        form = ProposalListForm(MultiDict(pairs)).read()
        return {name: form[name].data for name in DEFAULTS} | {"cursor": form.cursor.data}


def test_no_query_gives_the_defaults_and_no_csrf_field(app):
    """An empty query string is the random order, all territories and answers, no seed."""
    assert read(app) == DEFAULTS | {"cursor": None}
    with app.test_request_context("/"):
        form = ProposalListForm(MultiDict())
        assert "csrf_token" not in form
        assert form.validate()
        assert [field.name for field in form] == ["tri", "territoire", "reponse", "q", "graine",
                                                   "apres"]


def test_valid_values_are_kept(app):
    """Every sort, a territory, every answer filter and a seed in range are read as sent."""
    brest = factories.territory("Brest")
    for sort in ("hasard", "soutiens", "recentes", "commentees"):
        assert read(app, ("tri", sort))["sort"] == sort
    assert read(app, ("territoire", str(brest.id)))["territory"] == brest.id
    for answer in ANSWER_FILTERS:
        assert read(app, ("reponse", answer))["answer"] == answer
    for seed in (1, 12345, SEED_MAX - 1):
        assert read(app, ("graine", str(seed)))["seed"] == seed
    assert read(app, ("apres", "WzEsMV0"))["cursor"] == "WzEsMV0"


def test_answer_filters_are_the_official_answers_and_none():
    """The answer select offers "any answer", each official answer once, then "no answer"."""
    assert ANSWER_FILTERS[0] == "given"
    assert sorted(ANSWER_FILTERS[1:-1]) == sorted(AnswerStatus)
    assert ANSWER_FILTERS[-1] == "none"


HOSTILE = ["", " ", "abc", "\x00", "a\x00b", "\x1b[31m", "\ud800", "\ufffd", "é", "x" * 100_000,
           "-1", "+1", " 1", "1 ", "1_0", "1.0", "1e3", "²", "³", "٣", "３", "None", "null"]


@pytest.mark.parametrize("value", HOSTILE)
def test_each_refused_value_falls_back_to_its_default(app, value):
    """A value the field refuses gives its default, never an error: sort, territory, answer."""
    assert read(app, ("tri", value))["sort"] == "hasard"
    assert read(app, ("territoire", value))["territory"] is None
    assert read(app, ("reponse", value))["answer"] == ""
    assert read(app, ("graine", value))["seed"] is None


@pytest.mark.parametrize("seed", ["0", "-5", str(SEED_MAX), "2147483647", "99999999999",
                                  "9" * 5000, "00000000012", "0x10", "1" * 11])
def test_seeds_out_of_range_or_too_long_are_refused(app, seed):
    """A seed is 1 .. SEED_MAX - 1, in at most 10 ASCII digits."""
    assert read(app, ("graine", seed))["seed"] is None


def test_seed_with_leading_zeros_in_ten_digits_is_read(app):
    """Ten ASCII digits are a seed, leading zeros included (as before the form)."""
    assert read(app, ("graine", "0000000012"))["seed"] == 12


def test_territory_ids_are_exact():
    """Only the digits of an id count: signs, spaces, zeros in front or other digits do not."""
    assert optional_int("") is None and optional_int(None) is None
    assert optional_int("7") == 7 and optional_int(7) == 7
    for forged in ("+7", " 7", "07", "٧", "7.0", "1" * 19, "-7"):
        with pytest.raises(ValueError):
            optional_int(forged)


def test_ids_past_what_the_database_holds_are_refused():
    """An id past 2**31 - 1 is no row's (PostgreSQL's integer refuses it in a query: a 500
    once, for a commitment's proposals, found by tests/security/test_hostile_input.py)."""
    assert optional_int(str(2**31 - 1)) == 2**31 - 1
    for forged in (str(2**31), str(2**40), 2**31, -1):
        with pytest.raises(ValueError):
            optional_int(forged)


def test_unknown_territory_is_refused(app):
    """An id that is no territory gives all territories."""
    assert read(app, ("territoire", "99999"))["territory"] is None


def test_duplicated_fields_take_the_first_value(app):
    """A field sent twice is read from its first value, as request.args.get did."""
    brest = factories.territory("Brest")
    assert read(app, ("tri", "soutiens"), ("tri", "recentes"))["sort"] == "soutiens"
    assert read(app, ("tri", "inconnu"), ("tri", "soutiens"))["sort"] == "hasard"
    assert read(app, ("graine", "7"), ("graine", "8"))["seed"] == 7
    assert read(app, ("territoire", str(brest.id)), ("territoire", "abc"))["territory"] == brest.id
    assert read(app, ("territoire", "abc"), ("territoire", str(brest.id)))["territory"] is None
    assert read(app, ("reponse", "none"), ("reponse", "accepted"))["answer"] == "none"


def test_one_refused_field_leaves_the_others(app):
    """A refused value resets its own field only."""
    values = read(app, ("tri", "soutiens"), ("graine", "²"), ("reponse", "accepted"),
                  ("territoire", "abc"))
    assert values == DEFAULTS | {"sort": "soutiens", "answer": "accepted", "cursor": None}


def test_page_marks_the_values_read(app, client):
    """The page's selects show the values the form kept, with the page's usual markup."""
    project = factories.project()
    brest = factories.territory("Brest")
    factories.proposal(project, author=factories.user(), territory=brest)
    db.session.commit()
    url = f"/projets/{project.slug}/propositions"
    page = client.get(f"{url}?tri=recentes&territoire={brest.id}&reponse=none").get_data(
        as_text=True)
    assert '<option value="recentes" selected>' in page
    assert f'<option value="{brest.id}" selected>Brest</option>' in page
    assert '<option value="none" selected>' in page
    assert '<label for="tri">Trier par</label>' in page
    assert '<select id="territoire" name="territoire">' in page
    assert 'name="csrf_token"' not in page[page.index('class="filters"'):page.index("</form>")]
    refused = client.get(f"{url}?tri=%00&territoire=%2B{brest.id}&reponse=x&graine=%C2%B2")
    assert refused.status_code == 200
    text = refused.get_data(as_text=True)
    assert '<option value="hasard" selected>' in text
    assert '<option value="" selected>' not in text
    assert " selected>" not in text[text.index('id="territoire"'):text.index('id="reponse"')]


def test_a_bad_cursor_is_still_a_404(app, client):
    """The form keeps the cursor as sent: decode_cursor refuses a forged one."""
    project = factories.project()
    db.session.commit()
    for cursor in ("abc", "W10", "%00", "x" * 300):
        response = client.get(f"/projets/{project.slug}/propositions?apres={cursor}")
        assert response.status_code == 404, cursor


def test_reading_the_form_sends_no_statement(app, client, count_queries):
    """The form reads the cached territories: it adds no SQL statement to the list page."""
    project = factories.project()
    brest_id = factories.territory("Brest").id
    bulk_proposals(project, factories.user(), 30)
    db.session.commit()
    url = f"/projets/{project.slug}/propositions"
    client.get(url)  # the territories are read once per process
    with app.test_request_context(f"{url}?territoire={brest_id}&tri=soutiens&reponse=none"):
        with count_queries() as counter:
            form = ProposalListForm(MultiDict([("territoire", str(brest_id))])).read()
        assert form.territory.data == brest_id
        assert counter.count == 0
    for query in ("graine=4242", f"territoire={brest_id}&reponse=none", "tri=soutiens",
                  "tri=%00&graine=x&territoire=%2B1"):
        assert counted_get(count_queries, client, f"{url}?{query}") <= MAX_LIST_QUERIES, query
    assert len(listed_proposal_ids(client.get(f"{url}?tri=recentes"))) == 20
