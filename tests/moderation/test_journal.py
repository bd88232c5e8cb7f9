"""The journal speaks French: every action recorded anywhere in the code has a label (and the
filter a group for it), every object a link to its page and a short excerpt, loaded in a
constant number of statements."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path
from typing import Any

from consultation.core import audit
from consultation.extensions import db
from consultation.moderation.models import ReportKind
from consultation.moderation.views import ACTION_LABELS, ACTIONS
from consultation.rencontres import services as rencontres
from tests import factories
from tests.followup.helpers import commitment
from tests.proposals.helpers import text

PACKAGE = Path(__file__).parents[2] / "consultation"
# The moderation services refuse these acts on accounts (ReportKind.USER): the f-string that
# would write them never runs for an account.
NEVER_ON_ACCOUNTS = {"user.hold", "user.hide", "user.restore", "user.approve"}


def _codes(node: ast.expr, function: ast.AST, module: ast.AST | None = None) -> set[str]:
    """Every action code an argument may hold: a literal, either branch of a conditional, an
    f-string on a report kind, a variable assigned in the same function, or an item of a dict
    of literals assigned in the module."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _codes(node.body, function) | _codes(node.orelse, function)
    if isinstance(node, ast.JoinedStr):
        suffix = "".join(str(part.value) for part in node.values
                         if isinstance(part, ast.Constant))
        return {f"{kind}{suffix}" for kind in ReportKind} - NEVER_ON_ACCOUNTS
    if isinstance(node, ast.Name):
        found: set[str] = set()
        for assign in ast.walk(function):
            if isinstance(assign, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == node.id for t in assign.targets):
                found |= _codes(assign.value, function, module)
        assert found, f"no value found for {node.id}"
        return found
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and module:
        for assign in ast.walk(module):
            if (isinstance(assign, ast.Assign) and isinstance(assign.value, ast.Dict)
                    and any(isinstance(t, ast.Name) and t.id == node.value.id
                            for t in assign.targets)):
                return set().union(*(_codes(value, function) for value in assign.value.values))
    raise AssertionError(f"an action code the test cannot read: {ast.dump(node)}")


def recorded_actions() -> set[str]:
    """Every action passed to audit.record() or audit.record_assisted() in the package."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            for call in ast.walk(function):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                        and call.func.attr in ("record", "record_assisted")
                        and isinstance(call.func.value, ast.Name)
                        and call.func.value.id == "audit"):
                    continue
                position = 1 if call.func.attr == "record" else 2
                found |= _codes(call.args[position], function, tree)
    return found


def test_every_recorded_action_has_a_label_and_a_filter():
    """No raw code in the journal: each action has a French label (translated on English
    pages), and the filter offers a group for its prefix."""
    actions = recorded_actions()
    assert len(actions) >= 40  # the parser found the calls
    assert {"synthesis.publish", "edition.publish", "project.publish"} <= actions
    missing = sorted(actions - set(ACTION_LABELS))
    assert missing == []
    assert sorted({code.split(".")[0] + "." for code in actions} - set(ACTIONS)) == []
    assert sorted(set(ACTION_LABELS) - actions) == []  # no label for an act that never happens


def world() -> dict[str, Any]:
    """An entry on each kind of object, as the services write them."""
    admin = factories.user(roles=("admin", "moderator"))
    project = factories.project("synthesis", title="Les quais de la Penfeld")
    proposal = factories.proposal(project, title="Des bancs à l'ombre le long des quais")
    long_comment = ("Je suis contre, parce que les quais sont déjà encombrés par les voitures "
                    "et les livraisons du matin, et qu'il faudrait d'abord régler cela.")
    comment = factories.comment(proposal, stance="contre", body=long_comment)
    citizen = factories.user(display_name="Anne-Laure Guivarc'h")
    from consultation.syntheses import services as syntheses

    version = syntheses.publish(project, admin, "Le bilan.", "")
    edition = rencontres.save(None, admin, year=2026, title="Rencontres des numériques 2026",
                              held_on=date(2026, 11, 20), venue="Les Capucins",
                              programme="Le programme.", version_ids=[version.id])
    rencontres.publish(edition, admin)
    made = commitment(project, admin, title="Planter des arbres sur les quais",
                      status="prevu", progress=0, text="Annoncé.")
    audit.record(admin, "comment.hide", "comment", comment.id, f"Commentaire n° {comment.id}",
                 "Hors sujet.")
    audit.record(admin, "proposal.answer", "proposal", proposal.id, proposal.title)
    audit.record(admin, "user.block", "user", citizen.id, citizen.display_name, "Spam.")
    audit.record(admin, "project.publish", "project", project.id, project.title)
    db.session.commit()
    return {"admin": admin, "project": project, "proposal": proposal, "comment": comment,
            "citizen": citizen, "edition": edition, "commitment": made}


def test_every_object_has_a_link_and_an_excerpt(app, as_role):
    """"Sur" names the object and links to its page (the comment's permalink, the proposal,
    the synthesis version, the edition, the commitment, the account's moderation page), with
    the first words of its text or its title; the labels are French, never the codes."""
    w = world()
    moderator = as_role("moderator")
    page = text(moderator.get("/moderation/journal"))
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    slug = w["project"].slug
    for link in (f'href="/commentaires/{w["comment"].id}">Commentaire n° {w["comment"].id}</a>',
                 f'href="/propositions/{w["proposal"].id}">Proposition n° {w["proposal"].id}</a>',
                 f'href="/projets/{slug}/synthese/v1">Synthèse, version 1</a>',
                 f'href="/projets/{slug}">Projet n° {w["project"].id}</a>',
                 'href="/rencontres/2026">Rencontres 2026</a>',
                 f'href="/projets/{slug}/suivi#engagement-{w["commitment"].id}">'
                 f'Engagement n° {w["commitment"].id}</a>',
                 f'href="/moderation/comptes/{w["citizen"].id}">Compte n° {w["citizen"].id}</a>'):
        assert link in body
    excerpt = re.search(r"Commentaire n° \d+</a>\s*<br><span[^>]*>«\u00a0(.*?)\u00a0»", body)
    assert excerpt is not None
    assert excerpt.group(1).startswith("Je suis contre, parce que les quais")
    assert excerpt.group(1).endswith("…") and len(excerpt.group(1)) <= 80
    for shown in ("Des bancs à l'ombre le long des quais", "Rencontres des numériques 2026",
                  "Planter des arbres sur les quais", "Anne-Laure Guivarc'h",
                  "Publication d'une version de synthèse",
                  "Publication d'une édition des Rencontres", "Publication d'un projet"):
        assert shown in body.replace("&#39;", "'")
    for code in ("synthesis.publish", "edition.publish", "project.publish", "comment.hide"):
        assert code not in body
    filtered = text(moderator.get("/moderation/journal?action=edition."))
    assert "Publication d'une édition des Rencontres" in filtered
    assert "Publication d'une version de synthèse" not in filtered
    assert "Synthèses (publication, PDF)" in filtered  # the filter offers them


def test_the_journal_runs_the_same_statements_whatever_its_rows(app, as_role, count_queries):
    """Objects are loaded per kind, in one statement each: three times the entries of each
    kind cost no more statements."""
    moderator = as_role("moderator")
    world()
    with count_queries() as first:
        assert moderator.get("/moderation/journal").status_code == 200
    for _ in range(2):
        admin = factories.user(roles=("admin",))
        project = factories.project()
        proposal = factories.proposal(project)
        comment = factories.comment(proposal)
        made = commitment(project, admin, status="prevu", progress=0, text="Annoncé.")
        audit.record(admin, "comment.hide", "comment", comment.id, "", "Motif.")
        audit.record(admin, "proposal.answer", "proposal", proposal.id, proposal.title)
        audit.record(admin, "project.publish", "project", project.id, project.title)
        audit.record(admin, "synthesis.publish", "project", project.id, project.title,
                     version=1)
        audit.record(admin, "user.block", "user", admin.id, admin.display_name, "Motif.")
        audit.record(admin, "edition.update", "edition", made.id, "Une édition disparue")
    db.session.commit()
    with count_queries() as second:
        assert moderator.get("/moderation/journal").status_code == 200
    assert second.count == first.count
