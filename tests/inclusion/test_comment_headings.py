"""A comment's heading, as heading navigation reads it: the person, then their stance on what is
debated ("Marie-Thérèse Abgrall (pour la proposition)"), never "Pour Marie-Thérèse" as if the
stance were about the person; and each action on a comment names the comment it acts on."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from consultation.extensions import db
from tests import factories
from tests.test_i18n import english, english_catalogue  # noqa: F401  (fixtures)


class Headings(HTMLParser):
    """The accessible text of each comment heading (what aria-hidden hides left out), and the
    accessible names of the links of each comment's actions."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[str] = []
        self.actions: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden from assistive technologies)
        self.where: str | None = None

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: (v or "") for k, v in attrs_list}
        if tag in ("br", "input", "img"):
            return
        self.stack.append((tag, attrs.get("aria-hidden") == "true"))
        if tag == "h3" and "comment-head" in attrs.get("class", ""):
            self.where = "h3"
            self.headings.append("")
        elif tag == "p" and attrs.get("class") == "actions":
            self.where = "p"
        elif tag == "a" and self.where == "p":
            self.actions.append("")

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            opened, _hidden = self.stack.pop()
            if opened == tag:
                break
        if tag == self.where:
            self.where = None

    def handle_data(self, data: str) -> None:
        if any(hidden for _tag, hidden in self.stack):
            return
        if self.where == "h3":
            self.headings[-1] += data
        elif self.where == "p" and any(tag == "a" for tag, _ in self.stack):
            self.actions[-1] += data


def read(page: str) -> Headings:
    """The comment headings and actions of a page, white space collapsed."""
    reader = Headings()
    reader.feed(page)
    reader.headings = [re.sub(r"\s+", " ", h).strip() for h in reader.headings]
    reader.actions = [re.sub(r"\s+", " ", a).strip() for a in reader.actions]
    return reader


def test_the_heading_gives_the_person_then_the_stance_on_the_proposal(client):
    """On a proposal, the heading reads the name then "(pour la proposition)"; on a project,
    "(contre le projet)"; the short badge stays for the eye."""
    project = factories.project("consultation")
    proposal = factories.proposal(project)
    author = factories.user(display_name="Marie-Thérèse Abgrall")
    factories.comment(proposal, author=author, stance="pour")
    factories.comment(project, author=author, stance="contre")
    db.session.commit()

    on_proposal = read(client.get(f"/propositions/{proposal.id}").get_data(as_text=True))
    assert on_proposal.headings
    assert on_proposal.headings[0].startswith("Marie-Thérèse Abgrall (pour la proposition) ")
    assert not any(h.startswith("Pour") for h in on_proposal.headings)
    on_project = read(client.get(f"/projets/{project.slug}").get_data(as_text=True))
    assert on_project.headings[0].startswith("Marie-Thérèse Abgrall (contre le projet) ")


def test_the_heading_in_english(client, english):  # noqa: F811
    """The same in English: "Marie-Thérèse Abgrall (in favour of the proposal)"."""
    proposal = factories.proposal(factories.project("consultation"))
    author = factories.user(display_name="Marie-Thérèse Abgrall")
    factories.comment(proposal, author=author, stance="neutre")
    db.session.commit()
    client.post("/langue", data={"lang": "en", "next": "/"})
    headings = read(client.get(f"/propositions/{proposal.id}").get_data(as_text=True)).headings
    assert headings[0].startswith("Marie-Thérèse Abgrall (neutral on the proposal) ")


def test_each_action_names_its_comment(client):
    """Two comments of one person on a page: "Signaler" (and "Répondre") of each name that
    person and the comment's time, so their names differ."""
    proposal = factories.proposal(factories.project("consultation"))
    author = factories.user(display_name="Anne-Laure Kerbrat")
    first = factories.comment(proposal, author=author, stance="pour")
    second = factories.comment(proposal, author=author, stance="contre")
    second.created_at = first.created_at.replace(minute=(first.created_at.minute + 7) % 60)
    reader = factories.user()
    db.session.commit()
    from tests.conftest import login

    login(client, reader)
    actions = read(client.get(f"/propositions/{proposal.id}").get_data(as_text=True)).actions
    reports = [a for a in actions if a.startswith("Signaler")]
    replies = [a for a in actions if a.startswith("Répondre")]
    assert len(reports) == 2 and len(set(reports)) == 2, reports
    assert all(r.startswith("Signaler le commentaire d'Anne-Laure Kerbrat du ") for r in reports)
    assert len(set(replies)) == 2
    assert all(r.startswith("Répondre au commentaire d'Anne-Laure Kerbrat du ") for r in replies)
