"""Every dataset's columns and values on a small world; what must never be published is not.

The world is built once for the module and its zip built once; the tests only read them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from consultation.comments import services as comments
from consultation.core.models import today, utcnow
from consultation.extensions import db
from consultation.mediation.models import Workshop
from consultation.moderation import services as moderation
from consultation.opendata.datasets import DATASETS
from consultation.proposals import services as proposals
from consultation.proposals.models import Proposal
from consultation.syntheses import render
from consultation.syntheses import services as syntheses
from consultation.votes.models import Support
from tests import factories
from tests.conftest import data_for_module, on_module_data
from tests.followup.helpers import commitment
from tests.opendata.helpers import build, csv_rows, files, json_rows
from tests.opinions.test_map import planted_debate
from tests.routes import STAND_IN

FORMULA = '=HYPERLINK("https://evil.example","clic")'


@pytest.fixture(scope="module")
def world(database_uri: str, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[tuple[Flask, dict[str, Any]]]:
    """One project with every kind of content, published or not, and its zip."""
    with data_for_module(database_uri, tmp_path_factory) as application, \
            pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "write_pdf", lambda html: STAND_IN)
        staff = factories.user(roles=("moderator", "admin"), email="equipe@exemple.fr",
                               display_name="Camille Équipe")
        brest = factories.territory("Brest")
        alice = factories.user(email="alice@exemple.fr", display_name="Alice Kerjean",
                               commune=brest)
        mediator = factories.user(roles=("mediator",), email="mediatrice@exemple.fr",
                                  display_name="Morgane Médiation")
        project = factories.project("consultation", actor=staff, title="Bornes Wi-Fi")
        closed = factories.project("consultation", actor=staff, title="Projet prémodéré",
                                   premoderation=True)
        shown = factories.proposal(project, author=alice, title="-Des bornes partout",
                                   body=FORMULA, territory=brest)
        hidden = factories.proposal(project, title="Proposition masquée")
        pending = factories.proposal(closed, title="Proposition en attente")
        withdrawn = factories.proposal(project, author=alice, title="Proposition retirée")
        merged = factories.proposal(project, title="Doublon fusionné")
        assisted = proposals.create_proposal(alice, project, "Avec une médiatrice", "Texte.",
                                             None, mediator=mediator)
        workshop = Workshop(place="Médiathèque", held_on=today(), mediator_id=mediator.id)
        db.session.add(workshop)
        db.session.flush()
        paper = proposals.create_proposal(alice, project, "Atelier papier", "Texte.", None,
                                          workshop_id=workshop.id)
        supporters = [factories.user() for _ in range(3)]
        for person in supporters:
            factories.support(shown, person)
        factories.support(hidden, supporters[0])
        # One support two days ago: another day of the same proposal.
        db.session.execute(update(Support).where(Support.user_id == supporters[2].id)
                           .values(created_at=utcnow() - timedelta(days=2)))
        first = factories.comment(shown, author=alice, stance="pour", body="@SOMME(1+1)")
        reply = factories.comment(parent=first, stance="contre", body="Une réponse.")
        gone = factories.comment(shown, stance="neutre", body="Commentaire masqué")
        deleted = factories.comment(shown, author=alice, body="Commentaire supprimé")
        on_hidden = factories.comment(hidden, body="Sur une proposition masquée")
        on_project = factories.comment(project, stance="neutre", body="Sur le projet")
        pending_comment = factories.comment(pending, body="En attente")
        proposals.give_answer(staff, shown, "accepted", "Nous le ferons.")
        linked = commitment(project, staff, proposals=[shown, hidden])
        version = syntheses.publish(project, staff, "## Ce que nous retenons\n\nUn texte.", "")
        moderation.hide(staff, "proposal", hidden, "Hors sujet.")
        moderation.hide(staff, "comment", gone, "Injurieux.")
        comments.delete_comment(deleted.author, deleted)
        proposals.withdraw_proposal(alice, withdrawn)
        moderation.merge(staff, merged, shown, "Doublon.")
        db.session.commit()
        # A debate by statements, Alice among its participants (under a number only).
        debate = planted_debate(project, participants=12, statements=8, users=[alice])
        content = build()
        ids = {name: value.id for name, value in locals().items()
               if hasattr(value, "id") and not isinstance(value, Flask)}
        ids["brest_code"] = brest.code
        ids["version"] = version.number
        ids["people"] = [(u.email, u.display_name) for u in
                         (staff, alice, mediator, *supporters)]
        ids["linked"] = linked.id
        ids["files"] = files(content)
        yield application, ids


@pytest.fixture
def app(world: tuple[Flask, dict[str, Any]]) -> Iterator[Flask]:
    """The application on the module's world."""
    with on_module_data(world[0]) as application:
        yield application


@pytest.fixture
def w(world: tuple[Flask, dict[str, Any]]) -> dict[str, Any]:
    """The world's ids and files."""
    return world[1]


def rows(w: dict[str, Any], name: str) -> list[dict[str, str]]:
    """A dataset's CSV rows."""
    return csv_rows(w["files"][f"{name}.csv"])


def test_every_dataset_has_its_csv_json_and_columns(app, w):
    """Each dataset is in the zip as CSV and JSON, with the same rows and declared columns."""
    names = set(w["files"])
    assert "datapackage.json" in names
    for dataset in DATASETS:
        header = [column.name for column in dataset.columns]
        data = w["files"][f"{dataset.name}.csv"]
        assert not data.startswith(b"\xef\xbb\xbf")
        assert data.decode("utf-8").split("\r\n", 1)[0] == ",".join(header)
        as_json = json_rows(w["files"][f"{dataset.name}.json"])
        assert len(as_json) == len(rows(w, dataset.name)), dataset.name
        for record in as_json:
            assert list(record) == header


def test_projects_and_phases(app, w):
    """Projects with their counters; four phases each."""
    projects = {int(r["id"]): r for r in rows(w, "projets")}
    row = projects[w["project"]]
    assert row["titre"] == "Bornes Wi-Fi"
    assert row["premoderation"] == "false"
    assert projects[w["closed"]]["premoderation"] == "true"
    # shown, assisted and paper count (merged, hidden and withdrawn do not).
    assert row["nb_propositions"] == "3"
    phases = [r for r in rows(w, "phases") if int(r["projet_id"]) == w["project"]]
    assert [r["type"] for r in phases] == ["information", "consultation", "synthesis",
                                           "follow_up"]


def test_proposals_are_the_public_ones_with_their_figures(app, w):
    """Visible published and merged proposals only, with counts, answer and flags."""
    found = {int(r["id"]): r for r in rows(w, "propositions")}
    assert set(found) == {w["shown"], w["merged"], w["assisted"], w["paper"]}
    shown = found[w["shown"]]
    assert shown["titre"] == "'-Des bornes partout"  # a formula start, made plain text
    assert shown["texte"] == "'" + FORMULA
    assert shown["territoire_code"] == w["brest_code"] and shown["territoire"] == "Brest"
    assert shown["etat"] == "published"
    assert shown["cree_le"] == today().isoformat()
    assert shown["nb_soutiens"] == "3"
    assert (shown["nb_commentaires"], shown["nb_commentaires_pour"],
            shown["nb_commentaires_contre"], shown["nb_commentaires_neutre"]) == (
        "2", "1", "1", "0")
    assert (shown["reponse_statut"], shown["reponse_texte"], shown["reponse_date"]) == (
        "accepted", "Nous le ferons.", today().isoformat())
    assert found[w["merged"]]["etat"] == "merged"
    assert found[w["merged"]]["fusionnee_dans"] == str(w["shown"])
    assert shown["fusionnee_dans"] == ""
    assert (found[w["assisted"]]["avec_mediateur"], found[w["assisted"]]["atelier"]) == (
        "true", "false")
    assert (found[w["paper"]]["avec_mediateur"], found[w["paper"]]["atelier"]) == (
        "false", "true")
    as_json = {r["id"]: r for r in json_rows(w["files"]["propositions.json"])}
    assert as_json[w["shown"]]["texte"] == FORMULA  # JSON gives the text as written
    assert as_json[w["shown"]]["nb_soutiens"] == 3
    assert as_json[w["paper"]]["atelier"] is True


def test_comments_are_the_public_ones(app, w):
    """Visible, not deleted, on published proposals or the project; replies keep their
    parent."""
    found = {int(r["id"]): r for r in rows(w, "commentaires")}
    assert set(found) == {w["first"], w["reply"], w["on_project"]}
    assert found[w["first"]]["texte"] == "'@SOMME(1+1)"
    assert found[w["reply"]]["parent_id"] == str(w["first"])
    assert found[w["reply"]]["position"] == "contre"
    assert found[w["on_project"]]["proposition_id"] == ""
    assert found[w["on_project"]]["projet_id"] == str(w["project"])


def test_supports_are_counted_per_proposal_and_day(app, w):
    """Counts per Brest day of the public proposals; nothing about who."""
    found = rows(w, "soutiens-par-jour")
    assert {int(r["proposition_id"]) for r in found} == {w["shown"]}
    by_day = {r["jour"]: int(r["nb_soutiens"]) for r in found}
    assert by_day == {(today() - timedelta(days=2)).isoformat(): 1, today().isoformat(): 2}
    assert list(found[0]) == ["proposition_id", "projet_id", "jour", "nb_soutiens"]


def test_answers_commitments_and_links(app, w):
    """The answer; the commitment, its first step, and its link to the visible proposal
    only."""
    [answer] = rows(w, "reponses-officielles")
    assert (int(answer["proposition_id"]), answer["statut"]) == (w["shown"], "accepted")
    [engagement] = rows(w, "engagements")
    assert engagement["titre"] == "Ouvrir une maison du numérique"
    assert engagement["statut"] == "prevu" and engagement["avancement"] == "0"
    links = rows(w, "engagements-propositions")
    assert [(int(r["engagement_id"]), int(r["proposition_id"])) for r in links] == [
        (w["linked"], w["shown"])]
    [step] = rows(w, "engagements-etapes")
    assert int(step["engagement_id"]) == w["linked"] and step["statut"] == "prevu"


def test_synthesis_figures_and_participation(app, w):
    """The published version's figures; participants and rates per territory."""
    [figures] = rows(w, "syntheses-chiffres")
    assert (int(figures["projet_id"]), int(figures["version"])) == (w["project"], w["version"])
    assert figures["publiee_le"] == today().isoformat()
    assert int(figures["propositions"]) >= 1 and int(figures["soutiens"]) >= 1
    brest = [r for r in rows(w, "participation-territoires")
             if int(r["projet_id"]) == w["project"] and r["territoire_code"] == w["brest_code"]]
    [row] = brest
    assert row["participants"] == "1"  # Alice gave Brest as her commune
    assert row["propositions"] == "1"
    if row["population"]:
        assert float(row["pour_mille_habitants"]) == pytest.approx(
            round(1000 / int(row["population"]), 2))


def test_nothing_hidden_pending_or_withdrawn_leaks(app, w):
    """No text of a hidden, pending, withdrawn or deleted item appears in any file."""
    leaks = ("Proposition masquée", "Proposition en attente", "Proposition retirée",
             "Commentaire masqué", "Commentaire supprimé", "Sur une proposition masquée",
             "En attente")
    for name, data in w["files"].items():
        text = data.decode("utf-8")
        for leak in leaks:
            assert leak not in text, (leak, name)


def test_no_personal_data_in_any_file(app, w):
    """No email, display name, or account column anywhere."""
    for name, data in w["files"].items():
        text = data.decode("utf-8")
        for email, display_name in w["people"]:
            assert email not in text, (email, name)
            assert display_name not in text, (display_name, name)
        for column in ("author", "auteur", "user", "mediateur_id", "atelier_id", "email"):
            assert f'"{column}' not in text and f"{column}_id" not in text, (column, name)


def test_csv_cells_never_start_like_a_formula(app, w):
    """Every text cell of every CSV file is spreadsheet-safe (numbers may be negative: a
    debate's answer -1)."""
    for dataset in DATASETS:
        text = {c.name for c in dataset.columns if c.type == "string"}
        for row in csv_rows(w["files"][f"{dataset.name}.csv"]):
            for column, value in row.items():
                if column in text:
                    assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (column, value)


def test_frictionless_validates_the_package(app, w, tmp_path):
    """The whole package validates with the reference validator: no error."""
    frictionless = pytest.importorskip("frictionless")
    for name, data in w["files"].items():
        (tmp_path / name).write_bytes(data)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type",
                                         "note"])


def test_proposal_ids_only_point_to_published_proposals(app, w):
    """Every proposal id of every dataset is a published proposal (the hidden one never)."""
    published = {int(r["id"]) for r in rows(w, "propositions")}
    for dataset in ("commentaires", "soutiens-par-jour", "reponses-officielles",
                    "engagements-propositions"):
        for row in rows(w, dataset):
            if row["proposition_id"]:
                assert int(row["proposition_id"]) in published, dataset
    assert db.session.get_one(Proposal, w["hidden"]).moderation == "hidden"
