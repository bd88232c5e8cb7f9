"""The proposal list's sort and filters fold away ("Filtrer et trier") unless one is in use, so
that on a phone the list starts in the first screen; the words field stays in view."""

from __future__ import annotations

import re

import pytest

from consultation.extensions import db
from tests import factories
from tests.proposals.helpers import section, text


def folded(page: str) -> tuple[str, str]:
    """(the <details> opening tag, the form before it) of the list's filter form."""
    form = section(page, '<form method="get" class="filters"', "</form>")
    opening = re.search(r"<details[^>]*>", form)
    assert opening is not None
    return opening.group(0), form[: opening.start()]


def test_filters_are_folded_and_the_words_field_is_not(client):
    """Without a filter the details are closed; the words field and its button are outside."""
    project = factories.project()
    db.session.commit()
    page = text(client.get(f"/projets/{project.slug}/propositions"))
    details, before = folded(page)
    assert details == '<details class="more-filters">'
    assert 'name="q"' in before and '<button type="submit"' in before
    assert "<summary>Filtrer et trier</summary>" in page
    inside = section(page, '<details class="more-filters">', "</details>")
    for name in ("tri", "territoire", "reponse"):
        assert f'name="{name}"' in inside


@pytest.mark.parametrize("query", ["tri=soutiens", "reponse=accepted", "territoire={brest}",
                                   "tri=hasard&reponse=none"])
def test_a_filter_in_use_opens_them(client, query):
    """A sort other than the default, a territory or an answer filter: open, to be seen."""
    project = factories.project()
    brest = factories.territory("Brest")
    db.session.commit()
    page = text(client.get(f"/projets/{project.slug}/propositions?"
                           + query.format(brest=brest.id)))
    assert folded(page)[0] == '<details class="more-filters" open>'


def test_words_alone_leave_them_folded(client):
    """Looking for words is not filtering: the details stay closed."""
    project = factories.project()
    db.session.commit()
    page = text(client.get(f"/projets/{project.slug}/propositions?q=v%C3%A9lo"))
    assert folded(page)[0] == '<details class="more-filters">'
    assert 'value="vélo"' in folded(page)[1]
