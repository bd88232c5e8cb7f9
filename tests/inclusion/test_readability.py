"""The "En bref" text's readability: measured in French, shown on the admin's project form."""

from __future__ import annotations

import re

from consultation.core import readability
from consultation.extensions import db
from consultation.projects.models import Project
from tests import factories
from tests.projects.test_project_admin import form_data, project_count
from tests.proposals.helpers import text

EASY = "Le bus est gratuit. Il passe le matin. Vous montez avec votre carte."
HARD = (
    "La mutualisation des infrastructures numériques intercommunales nécessite l'élaboration "
    "concertée d'une gouvernance partenariale pluriannuelle, conditionnant "
    "l'opérationnalisation des dispositifs d'accompagnement et l'interopérabilité des "
    "plateformes territoriales."
)


def test_an_easy_text_scores_easier_than_a_hard_one(app):
    """Short sentences of short words score higher, and their label says so."""
    with app.test_request_context():
        easy, hard = readability.measure(EASY), readability.measure(HARD)
        assert easy is not None and hard is not None
        assert easy.score > hard.score
        assert easy.words_per_sentence < hard.words_per_sentence
        assert (easy.sentences, hard.sentences) == (3, 1)
        assert str(easy.label) in {"Très facile", "Facile"}
        assert str(hard.label) == "Difficile"
        assert 0 <= hard.shown_score <= easy.shown_score <= 100


def test_labels_follow_the_flesch_bands(app):
    """Each band of the scale has its plain-French label."""
    with app.test_request_context():
        labels = [str(readability.label_for(score)) for score in (95, 85, 75, 65, 55, 10, -40)]
    assert labels == ["Très facile", "Facile", "Assez facile", "Standard", "Assez difficile",
                      "Difficile", "Difficile"]


def test_markdown_items_count_as_sentences_and_empty_text_is_not_measured(app):
    """A list item without a full stop still ends a sentence; markup is not counted as words."""
    with app.test_request_context():
        measured = readability.measure(
            "Il y a deux choses :\n\n- une borne dans chaque mairie\n- une aide **gratuite**"
        )
        assert measured is not None and measured.sentences == 3 and measured.words == 13
        assert readability.measure("") is None
        assert readability.measure("  **  ") is None


def test_checking_shows_the_label_and_rules_and_keeps_what_was_typed(admin_client):
    """"Vérifier la lisibilité" saves nothing, measures the text and shows the form again."""
    data = form_data(title="Un titre gardé", plain_summary=HARD, check_readability="1")
    response = admin_client.post("/admin/projets/nouveau", data=data)
    assert response.status_code == 200
    page = text(response)
    assert project_count() == 0
    assert "Lisibilité du texte «\u00a0En bref\u00a0»\u00a0: Difficile" in page
    assert "Longueur moyenne des phrases\u00a0: 23 mots. 1 phrase comptée." in page
    assert "Pas de sigle sans l'expliquer la première fois." in page
    assert "FALC" in page
    assert 'value="Un titre gardé"' in page
    assert HARD in page  # the textarea keeps the text
    assert "Le formulaire n'a pas été enregistré" not in page


def test_check_without_text_asks_for_one(admin_client):
    """An empty "En bref" cannot be measured: the page says what to do."""
    response = admin_client.post(
        "/admin/projets/nouveau", data=form_data(plain_summary="", check_readability="1")
    )
    assert "Écrivez le texte «\u00a0En bref\u00a0» pour en mesurer la lisibilité." in text(response)


def test_the_edit_page_shows_the_saved_texts_readability(admin_client):
    """Opening a project's form measures its saved "En bref"; a check keeps the other fields."""
    project = factories.project(plain_summary=EASY)
    db.session.commit()
    url = f"/admin/projets/{project.slug}/modifier"
    page = text(admin_client.get(url))
    assert re.search(r"Lisibilité du texte «\s*En bref\s*»\s: (Très facile|Facile)", page)
    response = admin_client.post(url, data=form_data(title="Titre changé", plain_summary=HARD,
                                                     check_readability="1"))
    page = text(response)
    assert "Lisibilité du texte «\u00a0En bref\u00a0»\u00a0: Difficile" in page
    assert 'value="Titre changé"' in page
    db.session.expire_all()
    assert db.session.get_one(Project, project.id).plain_summary == EASY  # nothing saved


def test_a_new_project_form_shows_the_rules_but_no_measure(admin_client):
    """Before anything is typed there is nothing to measure; the rules are there."""
    page = text(admin_client.get("/admin/projets/nouveau"))
    assert "Rappel du langage clair (FALC)" in page
    assert "Lisibilité du texte" not in page
    assert 'name="check_readability"' in page


def test_citizens_cannot_check(citizen_client):
    """The check is part of the admin's form: the same rule refuses it."""
    response = citizen_client.post(
        "/admin/projets/nouveau", data={"plain_summary": EASY, "check_readability": "1"}
    )
    assert response.status_code == 403
