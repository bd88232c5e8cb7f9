"""Every field a user fills, filled with the XSS corpus; the pages that show them.

The data is made through the services (fast), as the forms would make it: each record holds
no more than its form accepts, so a long field takes the whole corpus in one record and a short
one spreads it over several. Every payload lands in every kind of field at least once.

`FIELDS` names, for each free-text field of every form in consultation/*/forms.py, where the
corpus goes (`stored:<kind>`: saved then shown; `reflected:<Form>`: typed, refused and shown
again; `query:<name>`: sent in that query parameter of a GET form, see `_queries`);
`EXCLUDED` names the fields never written back into a page. tests/security/test_xss.py fails
when a form gains a text field that neither lists.

Plain-text fields must show each payload as text, exactly; markdown fields put a label such
as «comment 12» before payload 12, and the label must show: the content reached the page.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

from consultation.accounts import services as accounts
from consultation.accounts.models import User
from consultation.core import jobs
from consultation.core.markup import render
from consultation.core.models import today
from consultation.extensions import db
from consultation.followup import services as followup
from consultation.followup.models import Commitment
from consultation.mediation import services as mediation
from consultation.mediation.models import AssistedProfile
from consultation.moderation import services as moderation
from consultation.projects.models import Project
from consultation.proposals import services as proposals
from consultation.proposals.models import Proposal
from consultation.rencontres import services as rencontres
from consultation.syntheses import services as syntheses
from tests import factories
from tests.security.inert import parse
from tests.security.xss_payloads import PAYLOADS

# Form field -> where the corpus goes.
FIELDS: dict[str, tuple[str, ...]] = {
    "RegisterForm.email": ("stored:email", "reflected:RegisterForm"),
    "RegisterForm.display_name": ("stored:display_name", "reflected:RegisterForm"),
    "LoginForm.email": ("reflected:LoginForm",),
    "ForgotPasswordForm.email": ("reflected:ForgotPasswordForm",),
    "ProfileForm.display_name": ("stored:display_name", "reflected:ProfileForm"),
    "CommentForm.body": ("stored:comment", "stored:reply", "reflected:CommentForm"),
    "BlockForm.reason": ("stored:block_reason", "reflected:BlockForm"),
    "UnblockForm.reason": ("stored:unblock_reason", "reflected:UnblockForm"),
    "AuditFilterForm.actor": ("reflected:AuditFilterForm",),
    "ReportForm.details": ("stored:report_details", "reflected:ReportForm"),
    "DecisionForm.reason": ("stored:hide_reason", "stored:decision_reason",
                            "reflected:DecisionForm"),
    "MergeForm.reason": ("stored:merge_reason", "reflected:MergeForm"),
    "MergeSearchForm.q": ("reflected:MergeSearchForm",),
    "UndoForm.reason": ("stored:undo_reason",),
    "ProjectForm.title": ("stored:project_title", "reflected:ProjectForm"),
    "ProjectForm.slug": ("reflected:ProjectForm",),
    "ProjectForm.summary": ("stored:project_summary", "reflected:ProjectForm"),
    "ProjectForm.plain_summary": ("stored:project_plain_summary", "reflected:ProjectForm"),
    "ProjectForm.body": ("stored:project_body", "reflected:ProjectForm"),
    "ProposalForm.title": ("stored:proposal_title", "reflected:ProposalForm"),
    "ProposalForm.body": ("stored:proposal_body", "reflected:ProposalForm"),
    "AnswerForm.body": ("stored:answer", "reflected:AnswerForm"),
    "EditionForm.title": ("stored:edition_title", "reflected:EditionForm"),
    "EditionForm.venue": ("stored:edition_venue", "reflected:EditionForm"),
    "EditionForm.programme": ("stored:edition_programme", "reflected:EditionForm"),
    "SynthesisForm.narrative": ("stored:narrative", "reflected:SynthesisForm"),
    "SynthesisForm.change_note": ("stored:change_note", "reflected:SynthesisForm"),
    "ParticipantForm.display_name": ("stored:assisted_name", "reflected:ParticipantForm"),
    "ParticipantForm.consent_reference": ("stored:consent_reference",
                                          "reflected:ParticipantForm"),
    "WorkshopForm.place": ("stored:workshop_place", "reflected:WorkshopForm"),
    "WorkshopRowForm.title": ("stored:workshop_title", "reflected:WorkshopForm"),
    "WorkshopRowForm.body": ("stored:workshop_body", "stored:workshop_comment",
                             "reflected:WorkshopForm"),
    "WorkshopRowForm.proposal": ("reflected:WorkshopForm",),
    "ClaimForm.code": ("reflected:ClaimForm",),
    "ClaimForm.email": ("stored:claimed_email", "reflected:ClaimForm"),
    "ClaimForm.display_name": ("stored:claimed_name", "reflected:ClaimForm"),
    "ProposalListForm.cursor": ("query:apres",),
    "ProposalListForm.q": ("query:q",),
    "SearchForm.q": ("query:q",),
    "SearchForm.cursor": ("query:apres",),
    "CommitmentForm.title": ("stored:commitment_title", "reflected:CommitmentForm"),
    "CommitmentForm.description": ("stored:commitment_description", "reflected:CommitmentForm"),
    "CommitmentForm.service": ("stored:commitment_service", "reflected:CommitmentForm"),
    "NewCommitmentForm.title": ("stored:commitment_title", "reflected:NewCommitmentForm"),
    "NewCommitmentForm.description": ("stored:commitment_description",
                                      "reflected:NewCommitmentForm"),
    "NewCommitmentForm.service": ("stored:commitment_service", "reflected:NewCommitmentForm"),
    "NewCommitmentForm.reason": ("stored:commitment_reason", "reflected:NewCommitmentForm"),
    "UpdateForm.text": ("stored:update_text", "reflected:UpdateForm"),
    "UpdateForm.reason": ("stored:commitment_reason", "reflected:UpdateForm"),
    "StatementForm.text": ("stored:statement", "reflected:StatementForm"),
    "DebateForm.question": ("stored:debate_question", "reflected:DebateForm"),
    "DebateForm.seeds": ("stored:statement", "reflected:DebateForm"),
    "SheetForm.label": ("stored:sheet_label", "reflected:SheetForm"),
    "StatementDecisionForm.reason": ("stored:statement_reason",),
}
# Password fields: a PasswordField never writes a value back into the page.
EXCLUDED = {
    "RegisterForm.password", "RegisterForm.confirm", "LoginForm.password",
    "ResetPasswordForm.password", "ResetPasswordForm.confirm",
    "ChangePasswordForm.current", "ChangePasswordForm.password", "ChangePasswordForm.confirm",
    "ClaimForm.password", "ClaimForm.confirm", "DeleteAccountForm.password",
}

# Stored kinds: (form's maximum length, markdown?). The username part of an email has no limit
# of its own here: the address column takes 254 characters.
KINDS: dict[str, tuple[int, bool]] = {
    "display_name": (80, False),
    "email": (254, False),
    "comment": (5_000, True),
    "reply": (5_000, True),
    "block_reason": (2_000, False),
    "unblock_reason": (2_000, False),
    "report_details": (2_000, False),
    "hide_reason": (2_000, False),
    "decision_reason": (2_000, False),
    "merge_reason": (2_000, False),
    "undo_reason": (2_000, False),
    "project_title": (200, False),
    "project_summary": (500, False),
    "project_plain_summary": (2_000, True),
    "project_body": (50_000, True),
    "proposal_title": (150, False),
    "proposal_body": (10_000, True),
    "answer": (10_000, True),
    "edition_title": (200, False),
    "edition_venue": (300, False),
    "edition_programme": (20_000, True),
    "narrative": (60_000, True),
    "change_note": (500, False),
    "assisted_name": (80, False),
    "consent_reference": (80, False),
    "workshop_place": (120, False),
    "workshop_title": (150, False),
    "workshop_body": (10_000, True),
    "workshop_comment": (10_000, True),
    "claimed_name": (80, False),
    "claimed_email": (254 - len("c100@exemple.fr"), False),
    "commitment_title": (200, False),
    "commitment_description": (10_000, True),
    "commitment_service": (200, False),
    "commitment_reason": (2_000, False),  # shown as plain text
    "update_text": (10_000, True),
    "statement": (140, False),
    "debate_question": (300, False),
    "sheet_label": (120, False),
    "statement_reason": (2_000, False),
}
# Comments and replies carry a few payloads each, so a proposal page shows dozens of them.
PER_COMMENT = 4
NUMBERS = list(range(1, len(PAYLOADS) + 1))


def payload(number: int) -> str:
    """The payload numbered `number` (from 1)."""
    return PAYLOADS[number - 1]


def label(kind: str, number: int) -> str:
    """The visible label put before a payload in a markdown field."""
    return f"«{kind} {number}»"


def piece(kind: str, number: int) -> str:
    """One payload as written in a field of this kind."""
    if KINDS[kind][1]:
        return f"{label(kind, number)}\n\n{payload(number)}\n\n"
    return payload(number)


def joined(kind: str, numbers: list[int]) -> str:
    """Several payloads in one field of this kind."""
    return ("" if KINDS[kind][1] else " ").join(piece(kind, n) for n in numbers)


def chunks(kind: str, numbers: list[int] | None = None, most: int | None = None) -> list[
        list[int]]:
    """The payloads grouped so that each group fits the field (at most `most` per group)."""
    limit = KINDS[kind][0]
    groups: list[list[int]] = []
    current: list[int] = []
    for number in numbers or NUMBERS:
        candidate = current + [number]
        if current and (len(joined(kind, candidate)) > limit
                        or (most is not None and len(candidate) > most)):
            groups.append(current)
            candidate = [number]
        current = candidate
    if current:
        groups.append(current)
    for group in groups:
        assert len(joined(kind, group)) <= limit, (kind, group)
    return groups


def whitespace(text: str) -> str:
    """Text with runs of whitespace made one space, as a page shows it."""
    return " ".join(text.split())


def rendered_text(source: str) -> str:
    """The text a page shows for markdown `source`: its sanitised HTML's text."""
    return parse(str(render(source))).text


def expectations(done: Seeded, kind: str) -> list[tuple[str, list[int]]]:
    """(text a page must show, the payloads it proves reached the page) for a kind of field.

    A plain-text field shows each payload as it was typed. A markdown field shows the text of
    its sanitised HTML: the labels, and what the sanitiser keeps of each payload as text (an
    unclosed <script> takes the rest of its field with it: the whole field is what is checked).
    """
    if kind == "email":
        return [(whitespace(email_of(n)), [n]) for n in sorted(done.placements[kind])]
    if kind == "claimed_email":
        return [(whitespace(text), numbers) for text, numbers in done.records[kind].items()]
    if KINDS[kind][1]:
        return [(rendered_text(text), numbers) for text, numbers in done.records[kind].items()]
    return [(whitespace(payload(n)), [n]) for n in sorted(done.placements[kind])]


def email_of(number: int) -> str:
    """The address of the account whose display name is payload `number` (it carries it too)."""
    return accounts.normalise_email(f"x{number}{payload(number)}@exemple.fr")


@dataclass
class Page:
    """A page to open, who opens it, and the kinds of fields whose payloads it shows."""

    path: str
    who: str  # a key of `Seeded.people`, "anonymous", or a key of `Seeded.sessions`
    kinds: tuple[str, ...]


@dataclass
class Session:
    """A browser session that is more than a login: `person` (a key of `Seeded.people`, or
    None: anonymous) first asks for `start` (GET or POST), which answers with a redirection."""

    person: str | None
    start: str
    method: str = "get"


@dataclass
class Mediation:
    """What the mediation seeding made: the pages that show it, the participant acted for."""

    participants: list[AssistedProfile]
    claimed: list[AssistedProfile]
    carrier: Proposal  # a workshop's proposal: the other workshops' comments are on it
    bodies: list[Proposal]  # the workshop's proposals that carry the bodies
    comments: int
    workshops: int


@dataclass
class Reflected:
    """A form to fill with the corpus and send: refused, it must show back what was typed."""

    form: str
    path: str  # the page that holds the form
    who: str  # "anonymous", "citizen", "moderator" or "admin"
    post_to: str  # where the form goes (a test client sends it there directly)
    values: dict[str, str]
    method: str = "post"
    button: str | None = None  # the submit button, when not the form's first one


@dataclass
class Seeded:
    """What the seeding made: the people, the pages to open and where each payload went."""

    people: dict[str, User]
    pages: list[Page]
    reflected: list[Reflected]
    queries: list[Page] = field(default_factory=list)
    sessions: dict[str, Session] = field(default_factory=dict)
    banner: str = ""  # what the pages seen while acting for a participant must show
    short_queries: list[Page] = field(default_factory=list)
    placements: dict[str, set[int]] = field(default_factory=dict)
    records: dict[str, dict[str, list[int]]] = field(default_factory=dict)

    def put(self, kind: str, numbers: list[int]) -> str:
        """The text of a field of this kind holding these payloads, recorded as placed."""
        text = joined(kind, numbers)
        self.placements.setdefault(kind, set()).update(numbers)
        self.records.setdefault(kind, {})[text] = numbers
        return text

    def place(self, kind: str, numbers: list[int]) -> None:
        self.placements.setdefault(kind, set()).update(numbers)

    @property
    def placement_count(self) -> int:
        """Payload x stored field kind pairs."""
        return sum(len(numbers) for numbers in self.placements.values())


def _years() -> Iterator[int]:
    return itertools.count(2101)


def seed(run_jobs: bool = True) -> Seeded:
    """Fill every field with the corpus; commit; the pages that show it.

    `run_jobs`: send the e-mails and build the PDFs (a few seconds) as a request would.
    """
    # The staff and the citizen who open pages bear hostile names too: the header shows the
    # name of whoever is logged in, the journal the name of whoever acted.
    people = {
        "admin": factories.user(roles=("admin",), display_name=PAYLOADS[-1]),
        "moderator": factories.user(roles=("moderator",), display_name=PAYLOADS[-2]),
        "citizen": factories.user(display_name=PAYLOADS[0]),
        "mediator": factories.user(roles=("mediator",), display_name=PAYLOADS[-3]),
        "author": factories.user(display_name="Autrice XSS"),
        "elected": factories.user(roles=("elected",), display_name="Élu XSS"),
        "target": factories.user(display_name="Compte signalé XSS"),
    }
    admin, moderator, author = people["admin"], people["moderator"], people["author"]
    done = Seeded(people=people, pages=[], reflected=[])

    # Accounts: one per payload, as its display name and inside its address.
    users = {n: accounts.register(email_of(n), payload(n), factories.PASSWORD) for n in NUMBERS}
    db.session.flush()
    done.place("display_name", NUMBERS)
    done.place("email", NUMBERS)

    # Projects: titles and summaries over several projects, the long fields in the first.
    titles, summaries = chunks("project_title"), chunks("project_summary")
    plains, bodies = chunks("project_plain_summary"), chunks("project_body")
    projects: list[Project] = []
    for i in range(max(len(titles), len(summaries), len(plains))):
        projects.append(factories.project(
            actor=admin,
            title=done.put("project_title", titles[i]) if i < len(titles) else f"Projet {i}",
            summary=done.put("project_summary", summaries[i]) if i < len(summaries)
            else "Résumé.",
            plain_summary=done.put("project_plain_summary", plains[i]) if i < len(plains) else "",
            body=done.put("project_body", bodies[i]) if i < len(bodies) else "",
        ))
    main, other = projects[0], projects[1]

    # Proposals of the main project: titles spread, bodies and official answers in the first.
    titles = chunks("proposal_title")
    props = [factories.proposal(main, author, title=done.put("proposal_title", group))
             for group in titles]
    carriers = props[: max(len(chunks("proposal_body")), len(chunks("answer")))]
    for proposal, group in zip(carriers, chunks("proposal_body"), strict=False):
        proposal.body = done.put("proposal_body", group)
    for proposal, group in zip(carriers, chunks("answer"), strict=False):
        proposals.give_answer(admin, proposal, "under_study", done.put("answer", group))
    first = props[0]

    # Comments and replies on the first proposal, written by the accounts named by payloads.
    roots = []
    for group in chunks("comment", most=PER_COMMENT):
        roots.append(factories.comment(first, users[group[0]], "pour",
                                       body=done.put("comment", group)))
    shifted = NUMBERS[PER_COMMENT // 2:] + NUMBERS[: PER_COMMENT // 2]
    for root, group in zip(itertools.cycle(roots), chunks("reply", shifted, most=PER_COMMENT),
                           strict=False):
        factories.comment(author=users[group[0]], parent=root, stance="contre",
                          body=done.put("reply", group))

    # Public moderation reasons: comments hidden on the first proposal.
    for group in chunks("hide_reason"):
        hidden = factories.comment(first, author, "neutre", body="Un commentaire masqué.")
        moderation.hide(moderator, "comment", hidden, done.put("hide_reason", group))

    # Reports on one account, one per payload, each from the account named by that payload.
    for n in NUMBERS:
        moderation.report(users[n], "user", people["target"], "other",
                          done.put("report_details", [n]))

    # Reasons seen in the journal (and, for a block, on the account's page).
    blocked = []
    for i, group in enumerate(chunks("block_reason")):
        person = factories.user(display_name=f"Compte bloqué XSS {i}")
        moderation.block_user(moderator, person, done.put("block_reason", group), 30)
        blocked.append(person)
    for i, group in enumerate(chunks("unblock_reason")):
        person = factories.user(display_name=f"Compte débloqué XSS {i}")
        moderation.block_user(moderator, person, "Motif de blocage.", 7)
        moderation.unblock_user(moderator, person, done.put("unblock_reason", group))
    for group in chunks("decision_reason"):
        restored = factories.comment(other, author, "neutre", body="Rétabli ensuite.")
        moderation.hide(moderator, "comment", restored, "Masqué par erreur.")
        moderation.restore(moderator, "comment", restored, done.put("decision_reason", group))
    merges = chunks("merge_reason")
    undos = chunks("undo_reason")
    for i in range(max(len(merges), len(undos))):
        source = factories.proposal(other, author, title=f"Doublon {i}")
        kept = factories.proposal(other, author, title=f"Gardée {i}")
        reason = done.put("merge_reason", merges[i]) if i < len(merges) else "Doublon."
        entry = moderation.merge(moderator, source, kept, reason)
        if i < len(undos):
            moderation.unmerge(moderator, entry, done.put("undo_reason", undos[i]))

    # Digital mediation: participants, paper workshops' contributions, accounts taken over;
    # before the synthesis, so that its annex lists the workshops' proposals.
    assisted = _mediation(done, main)

    # The follow-up of the main project: commitments and their updates.
    followup_pages = _followup(done, main, first)

    # The debates by statements: questions, statements, paper sheets, moderators' reasons.
    opinions_pages = _opinions(done, projects)

    # The synthesis: the narrative in every version, a note on what changed in each.
    narrative = done.put("narrative", NUMBERS)
    assert len(narrative) <= KINDS["narrative"][0]
    notes = chunks("change_note")
    versions = [syntheses.publish(main, moderator, narrative, done.put("change_note", group))
                for group in notes]
    syntheses.save_draft(main, moderator, narrative, done.put("change_note", notes[0]))

    # Rencontres: titles and venues over several editions; the programme in the published one.
    titles, venues, programmes = (chunks("edition_title"), chunks("edition_venue"),
                                  chunks("edition_programme"))
    editions = []
    for i, year in zip(range(max(len(titles), len(venues), len(programmes))), _years(),
                       strict=False):
        editions.append(rencontres.save(
            None, admin, year=year,
            title=done.put("edition_title", titles[i]) if i < len(titles) else f"Édition {i}",
            held_on=date(year, 12, 4),
            venue=done.put("edition_venue", venues[i]) if i < len(venues) else "Brest",
            programme=done.put("edition_programme", programmes[i]) if i < len(programmes)
            else "",
            version_ids=[versions[-1].id] if i < len(programmes) else [],
        ))
    for edition in editions[: len(programmes)]:
        rencontres.publish(edition, admin)
    db.session.commit()
    if run_jobs:
        jobs.dispatch_committed()

    done.sessions = {
        # A mediator acting for a participant named by payloads: every page shows the banner.
        "acting": Session("mediator",
                          f"/mediation/participants/{assisted.participants[0].user_id}/agir",
                          "post"),
        # A town-hall terminal: the kiosk mode's pages.
        "kiosk": Session(None, "/borne"),
    }
    done.banner = whitespace(
        f"Vous agissez pour le compte de {assisted.participants[0].user.display_name}")
    done.pages = [
        *_pages(done, main, projects, props, carriers, blocked, editions, versions,
                len(programmes)),
        *_mediation_pages(done, main, assisted),
        *followup_pages,
        *opinions_pages,
    ]
    done.reflected = _reflected(done, main, first, blocked)
    done.queries = _queries(main, first)
    done.short_queries = _queries(main, first, budget=3_500)
    return done


def _mediation(done: Seeded, main: Project) -> Mediation:
    """Participants named by payloads, with payloads as consent references; paper workshops
    held at payloads, whose rows carry payloads as titles, bodies and comments and are signed
    by the participants; participants who took their account over with payloads as names and
    addresses."""
    mediator = done.people["mediator"]
    names, references = chunks("assisted_name"), chunks("consent_reference")
    participants = [
        mediation.register_participant(
            mediator, done.put("assisted_name", names[i]) if i < len(names) else f"Personne {i}",
            None, None,
            done.put("consent_reference", references[i]) if i < len(references)
            else f"Formulaire n° {i}",
            today(),
        )
        for i in range(max(len(names), len(references)))
    ]
    authors = itertools.cycle(p.user_id for p in participants)

    # The first workshop: proposals, a title each, the bodies in the first ones.
    places = chunks("workshop_place")
    titles, bodies = chunks("workshop_title"), chunks("workshop_body")
    rows = [
        mediation.WorkshopRow(
            index=i, kind="proposition", project_id=main.id, proposal_id=None,
            title=done.put("workshop_title", titles[i]) if i < len(titles) else f"Atelier {i}",
            body=done.put("workshop_body", bodies[i]) if i < len(bodies) else "Texte.",
            stance=None, author_id=next(authors),
        )
        for i in range(max(len(titles), len(bodies)))
    ]
    first = mediation.enter_workshop(mediator, done.put("workshop_place", places[0]), today(),
                                     rows)
    made = list(db.session.scalars(
        db.select(Proposal).where(Proposal.workshop_id == first.id).order_by(Proposal.id)))
    carrier = made[0]

    # The other workshops: a comment each on the first one's proposal, so that its page shows
    # every workshop's place beside a comment.
    comments = chunks("workshop_comment", most=PER_COMMENT)
    count = max(len(places) - 1, len(comments))
    for i in range(count):
        row = mediation.WorkshopRow(
            index=0, kind="commentaire", project_id=main.id, proposal_id=carrier.id, title="",
            body=done.put("workshop_comment", comments[i]) if i < len(comments)
            else "Un commentaire d'atelier.",
            stance="pour", author_id=next(authors) if i % 3 else None,
        )
        place = done.put("workshop_place", places[i + 1]) if i + 1 < len(places) \
            else f"Atelier n° {i}"
        mediation.enter_workshop(mediator, place, today(), [row])

    # Accounts taken over with the one-time code: a name and an address of one's own.
    claimed_names, addresses = chunks("claimed_name"), chunks("claimed_email")
    claimed = []
    for i in range(max(len(claimed_names), len(addresses))):
        profile = mediation.register_participant(mediator, f"Personne reprise {i}", None, None,
                                                 f"Formulaire repris n° {i}", today())
        code = mediation.new_claim_code(mediator, profile)
        if i < len(addresses):
            address = accounts.normalise_email(
                f"c{i}{joined('claimed_email', addresses[i])}@exemple.fr")
            done.place("claimed_email", addresses[i])
            done.records.setdefault("claimed_email", {})[address] = addresses[i]
        else:
            address = f"reprise{i}@exemple.fr"
        mediation.claim(code, address, factories.PASSWORD,
                        done.put("claimed_name", claimed_names[i]) if i < len(claimed_names)
                        else None)
        claimed.append(profile)
    db.session.flush()
    return Mediation(participants=participants, claimed=claimed, carrier=carrier,
                     bodies=made[: len(bodies)], comments=count, workshops=count + 1)


def _followup(done: Seeded, main: Project, first: Proposal) -> list[Page]:
    """Commitments of the main project with payloads as titles, descriptions, services and
    reasons of abandon; updates with payloads as texts; the pages that show them."""
    admin = done.people["admin"]
    titles, descriptions = chunks("commitment_title"), chunks("commitment_description")
    services, reasons = chunks("commitment_service"), chunks("commitment_reason")
    texts = chunks("update_text")
    count = max(len(titles), len(descriptions), len(services), len(reasons), len(texts))
    for i in range(count):
        made = followup.create_commitment(admin, main, followup.CommitmentData(
            title=done.put("commitment_title", titles[i]) if i < len(titles)
            else f"Engagement {i}",
            description=done.put("commitment_description", descriptions[i])
            if i < len(descriptions) else "",
            service=done.put("commitment_service", services[i]) if i < len(services) else "",
            proposal_ids=[first.id],
        ))
        if i < len(texts):
            followup.add_update(admin, made, done.put("update_text", texts[i]), "en_cours", 50)
        if i < len(reasons):
            followup.add_update(admin, made, "Abandon.", "abandonne", 50,
                                done.put("commitment_reason", reasons[i]))
    db.session.flush()
    kinds = ("commitment_title", "commitment_description", "commitment_service",
             "commitment_reason")
    return [
        Page(f"/projets/{main.slug}/suivi", "anonymous", (*kinds, "update_text")),
        *[Page(f"/suivi?page={n}", "anonymous", kinds) for n in range(1, -(-count // 20) + 1)],
        Page(f"/propositions/{first.id}", "anonymous", ("commitment_title",)),
        Page("/moderation/journal?action=commitment.", "moderator",
             ("commitment_title", "commitment_reason")),
    ]


def _opinions(done: Seeded, projects: list[Project]) -> list[Page]:
    """A debate on each project with payloads as questions; the first holds payloads as
    statements (most published, some refused with payloads as reasons) and paper sheets with
    payloads as labels; the pages that show them."""
    from consultation.opinions import services as opinions

    admin, moderator = done.people["admin"], done.people["moderator"]
    questions = chunks("debate_question")
    assert len(questions) <= len(projects)
    debates = [opinions.configure(admin, project, opinions.DebateSettings(
        enabled=True, question=done.put("debate_question", group), premoderation=True))
        for project, group in zip(projects, questions, strict=False)]
    main = debates[0]
    # Added by a participant (one per statement: a payload may hold a line break, which a
    # seed textarea would split), then approved.
    made = [opinions.add_statement(done.people["citizen"], main, done.put("statement", group))
            for group in chunks("statement")]
    for statement in made:
        opinions.moderate(moderator, statement, "approuver", "")
    for group in chunks("sheet_label"):
        opinions.record_sheet(done.people["mediator"], main, done.put("sheet_label", group),
                              {made[0].id: 1})
    # Refused last: the journal's first page shows the reasons.
    for n, group in enumerate(chunks("statement_reason")):
        refused = opinions.add_statement(done.people["author"], main, f"Refusée n° {n}.")
        opinions.moderate(moderator, refused, "refuser", done.put("statement_reason", group))
    db.session.flush()
    slug = projects[0].slug
    return [
        *[Page(f"/projets/{debate.project.slug}/debat", "anonymous", ("debate_question",))
          for debate in debates],
        Page(f"/admin/projets/{slug}/debat", "admin", ("debate_question", "statement")),
        Page(f"/moderation/debats/{slug}", "moderator", ("statement",)),
        Page("/moderation/attente", "moderator", ()),
        Page(f"/mediation/debats/{slug}/fiche", "mediator", ("statement", "sheet_label")),
        Page("/mediation/debats", "mediator", ("project_title",)),
        Page("/moderation/journal?action=opinions.", "moderator", ("statement_reason",)),
    ]


def _mediation_pages(done: Seeded, main: Project, assisted: Mediation) -> list[Page]:
    named = len(assisted.participants) + len(assisted.claimed)
    contributions = ("assisted_name", "workshop_place", "workshop_title", "workshop_body",
                     "workshop_comment")
    return [
        # Public: the workshops' contributions, signed by the participants, with their place.
        *[Page(f"/propositions/{p.id}", "anonymous", contributions) for p in assisted.bodies],
        *[Page(f"/propositions/{assisted.carrier.id}?page={n}", "anonymous", contributions)
          for n in range(1, -(-assisted.comments // 50) + 1)],
        Page(f"/projets/{main.slug}/propositions", "anonymous", ("workshop_place",)),
        # The mediator's pages.
        *[Page(f"/mediation/participants?page={n}", "mediator",
               ("assisted_name", "consent_reference", "claimed_name"))
          for n in range(1, -(-named // 50) + 1)],
        *[Page(f"/mediation/participants/{p.user_id}", "mediator",
               ("assisted_name", "consent_reference"))
          for p in [*assisted.participants[:3], assisted.claimed[0]]],
        Page("/mediation/participants/nouveau", "mediator", ()),
        Page("/mediation/ateliers/nouveau", "mediator", ("assisted_name", "project_title")),
        # Acting for a participant named by payloads: the banner on every page.
        Page("/", "acting", ("assisted_name",)),
        Page(f"/propositions/{assisted.carrier.id}", "acting", contributions),
        Page("/mediation/participants", "acting", ("assisted_name", "consent_reference")),
        Page("/compte/profil", "acting", ("assisted_name",)),
        # The journal: the workshops (place and date) and the participants registered.
        *[Page(f"/moderation/journal?action=mediation.workshop&page={n}", "moderator",
               ("workshop_place",)) for n in range(1, -(-assisted.workshops // 50) + 1)],
        *[Page(f"/moderation/journal?action=mediation.register&page={n}", "moderator",
               ("assisted_name",)) for n in range(1, -(-named // 50) + 1)],
        # The other new pages: the account's deletion, the kiosk, the territories, statements.
        Page("/compte/supprimer", "citizen", ("display_name",)),
        Page("/compte/profil", "citizen", ("display_name",)),
        Page("/", "kiosk", ("project_title",)),
        Page(f"/propositions/{assisted.carrier.id}", "kiosk", contributions),
        Page("/confidentialite", "anonymous", ()),
        Page("/accessibilite", "anonymous", ()),
        Page("/admin/territoires", "admin", ()),
    ]


def _pages(done: Seeded, main: Project, projects: list[Project], props: list[Any],
           carriers: list[Any], blocked: list[User], editions: list[Any], versions: list[Any],
           published_editions: int) -> list[Page]:
    slug = main.slug
    annex_pages = -(-len(versions[-1].annex) // 50)
    answer_pages = max(1, -(-len(versions[-1].figures["answers"]) // 20))
    pages = [
        Page("/", "anonymous", ("project_title", "project_summary")),
        *[Page(f"/projets?page={n}", "anonymous", ("project_title", "project_summary"))
          for n in range(1, -(-len(projects) // 12) + 1)],
        *[Page(f"/projets/{p.slug}", "anonymous",
               ("project_title", "project_summary", "project_plain_summary", "project_body"))
          for p in projects if p.plain_summary or p.body],
        *[Page(f"/propositions/{p.id}", "anonymous",
               ("proposal_title", "proposal_body", "answer", "comment", "reply", "hide_reason",
                "display_name"))
          for p in carriers],
        Page(f"/projets/{slug}/propositions", "anonymous", ("proposal_title",)),
        Page(f"/projets/{slug}/synthese", "anonymous",
             ("narrative", "change_note", "proposal_title", "answer")),
        *[Page(f"/projets/{slug}/synthese/v{len(versions)}/annexe?page={n}", "anonymous",
               ("proposal_title", "workshop_title")) for n in range(1, annex_pages + 1)],
        *[Page(f"/projets/{slug}/synthese/v{len(versions)}/reponses?page={n}", "anonymous",
               ("proposal_title", "answer")) for n in range(1, answer_pages + 1)],
        Page("/rencontres", "anonymous", ("edition_title", "edition_venue")),
        *[Page(f"/rencontres/{e.year}", "anonymous",
               ("edition_title", "edition_venue", "edition_programme"))
          for e in editions[:published_editions]],
        Page("/moderation", "moderator", ("project_title", "display_name")),
        Page(f"/moderation/user/{done.people['target'].id}", "moderator",
             ("report_details", "display_name")),
        *[Page(f"/moderation/journal?action={prefix}", "moderator", kinds) for prefix, kinds in (
            ("user.", ("block_reason", "unblock_reason")),
            ("comment.", ("hide_reason", "decision_reason")),
            ("proposal.", ("merge_reason", "undo_reason", "proposal_title")),
        )],
        Page("/moderation/comptes", "moderator", ("display_name",)),
        *[Page(f"/moderation/comptes/{person.id}", "moderator", ("block_reason",))
          for person in blocked],
        Page(f"/projets/{slug}/synthese/brouillon", "moderator", ("narrative", "change_note")),
        *[Page(f"/admin/utilisateurs?page={n}", "admin",
               ("display_name", "email", "assisted_name", "claimed_name", "claimed_email"))
          for n in range(1, -(-db.session.query(User).count() // 50) + 1)],
        Page("/rencontres", "admin", ("edition_title", "edition_venue")),
        Page(f"/admin/projets/{slug}/modifier", "admin", ()),
    ]
    return pages


def corpus_text(separator: str = "\n\n") -> str:
    """The whole corpus as one text, every payload labelled."""
    return separator.join(f"«{n}» {payload(n)}" for n in NUMBERS)


def _reflected(done: Seeded, main: Project, first: Any, blocked: list[User]) -> list[Reflected]:
    # Every text is longer than its field allows (or another field is missing), so each form
    # is refused and shown again with what was typed.
    text = corpus_text()
    line = whitespace(corpus_text(" "))
    account = f"/moderation/comptes/{blocked[0].id}"
    target = done.people["target"].id
    commitment = db.session.scalar(
        db.select(Commitment.id).where(Commitment.project_id == main.id).order_by(Commitment.id))
    return [
        Reflected("RegisterForm", "/compte/inscription", "anonymous", "/compte/inscription",
                  {"email": line, "display_name": line}),
        Reflected("LoginForm", "/compte/connexion", "anonymous", "/compte/connexion",
                  {"email": line}),
        Reflected("ForgotPasswordForm", "/compte/mot-de-passe-oublie", "anonymous",
                  "/compte/mot-de-passe-oublie", {"email": line}),
        Reflected("ProfileForm", "/compte/profil", "citizen", "/compte/profil",
                  {"profil-display_name": line}),
        Reflected("ProjectForm", "/admin/projets/nouveau", "admin", "/admin/projets/nouveau",
                  {"title": line, "slug": line, "summary": text, "plain_summary": text,
                   "body": text}),
        Reflected("ProposalForm", f"/projets/{main.slug}/propositions/nouvelle", "citizen",
                  f"/projets/{main.slug}/propositions/nouvelle", {"title": line, "body": text}),
        Reflected("AnswerForm", f"/propositions/{first.id}/reponse", "admin",
                  f"/propositions/{first.id}/reponse", {"body": f"{text}\n\n{text}"}),
        Reflected("CommentForm", f"/propositions/{first.id}", "citizen",
                  f"/propositions/{first.id}/commentaires", {"body": text}),
        Reflected("ReportForm", f"/signaler/proposal/{first.id}", "citizen",
                  f"/signaler/proposal/{first.id}", {"details": text}),
        Reflected("UnblockForm", account, "moderator", f"{account}/debloquer",
                  {"reason": text}),
        Reflected("BlockForm", f"/moderation/comptes/{done.people['citizen'].id}", "moderator",
                  f"/moderation/comptes/{done.people['citizen'].id}/bloquer", {"reason": text}),
        Reflected("DecisionForm", f"/moderation/user/{target}", "moderator",
                  f"/moderation/user/{target}/ecarter", {"reason": text},
                  button='button[formaction$="/ecarter"]'),
        Reflected("MergeForm", f"/moderation/fusion/{first.id}", "moderator",
                  f"/moderation/fusion/{first.id}", {"reason": text}),
        Reflected("MergeSearchForm", f"/moderation/fusion/{first.id}", "moderator",
                  f"/moderation/fusion/{first.id}", {"q": line}, method="get"),
        Reflected("AuditFilterForm", "/moderation/journal", "moderator", "/moderation/journal",
                  {"actor": line},
                  method="get"),
        Reflected("EditionForm", "/rencontres/nouvelle", "admin", "/rencontres/nouvelle",
                  {"title": line, "venue": line, "programme": text}),
        Reflected("SynthesisForm", f"/projets/{main.slug}/synthese/brouillon", "moderator",
                  f"/projets/{main.slug}/synthese/brouillon",
                  {"narrative": text, "change_note": line}),
        Reflected("ParticipantForm", "/mediation/participants/nouveau", "mediator",
                  "/mediation/participants/nouveau",
                  {"display_name": line, "consent_reference": line}),
        Reflected("WorkshopForm", "/mediation/ateliers/nouveau", "mediator",
                  "/mediation/ateliers/nouveau",
                  {"place": line, "rows-0-proposal": line, "rows-0-title": line,
                   "rows-0-body": text, "rows-1-title": line, "rows-1-body": text}),
        Reflected("ClaimForm", "/compte/reclamer", "anonymous", "/compte/reclamer",
                  {"code": line, "email": line, "display_name": line}),
        Reflected("NewCommitmentForm", f"/admin/projets/{main.slug}/suivi/nouveau", "admin",
                  f"/admin/projets/{main.slug}/suivi/nouveau",
                  {"title": line, "description": f"{text}\n\n{text}", "service": line,
                   "reason": text}),
        Reflected("CommitmentForm", f"/admin/suivi/{commitment}/modifier", "admin",
                  f"/admin/suivi/{commitment}/modifier",
                  {"title": line, "description": f"{text}\n\n{text}", "service": line}),
        Reflected("UpdateForm", f"/admin/suivi/{commitment}/point", "admin",
                  f"/admin/suivi/{commitment}/point",
                  {"text": f"{text}\n\n{text}", "reason": text}),
        Reflected("StatementForm", f"/projets/{main.slug}/debat/affirmations/nouvelle",
                  "citizen", f"/projets/{main.slug}/debat/affirmations/nouvelle",
                  {"text": text}),
        Reflected("DebateForm", f"/admin/projets/{main.slug}/debat", "admin",
                  f"/admin/projets/{main.slug}/debat", {"question": line, "seeds": text}),
        Reflected("SheetForm", f"/mediation/debats/{main.slug}/fiche", "mediator",
                  f"/mediation/debats/{main.slug}/fiche", {"label": line}),
    ]


def _queries(main: Project, first: Any, budget: int | None = None) -> list[Page]:
    """Pages asked for with the corpus in every query parameter they read (and one they do
    not: the pagination links carry unknown parameters along), and in an unknown path.

    Without `budget`, each parameter holds the whole corpus. Servers refuse long request lines
    (414; gunicorn at 4 KB): with a budget, each URL holds as many payloads as fit in it, taken
    in turn through the corpus from one parameter to the next.
    """
    cursor = itertools.cycle(NUMBERS)

    def value(share: int | None) -> str:
        if share is None:
            return whitespace(corpus_text(" "))
        taken: list[str] = []
        while len(quote_plus(" ".join([*taken, payload(n := next(cursor))]))) <= share:
            taken.append(payload(n))
        return whitespace(" ".join(taken))

    def query(*names: str) -> str:
        keys = (*names, "x")
        share = budget // len(keys) if budget else None
        return urlencode({name: value(share) for name in keys})

    def path() -> str:
        return quote(value(budget))

    slug = main.slug
    return [
        Page(f"/projets?{query('orientation', 'territoire', 'etat')}", "anonymous", ()),
        Page(f"/projets?page=2&{query()}", "anonymous", ()),
        Page(f"/projets/{slug}/propositions?{query('tri', 'graine', 'territoire', 'reponse')}",
             "anonymous", ()),
        Page(f"/projets/{slug}/propositions?{query('q')}", "anonymous", ()),
        Page(f"/recherche?{query('q', 'type', 'projet', 'territoire', 'phase')}", "anonymous",
             ()),
        Page(f"/recherche?q=proposition&{query('apres', 'rang')}", "anonymous", ()),
        Page(f"/projets/{slug}/propositions?tri=recent&{query('apres', 'rang')}", "anonymous",
             ()),
        Page(f"/propositions/{first.id}?{query('page')}", "anonymous", ()),
        Page(f"/compte/connexion?{query('next')}", "anonymous", ()),
        Page(f"/{path()}", "anonymous", ()),
        Page(f"/moderation?{query('etat', 'type', 'motif', 'projet')}", "moderator", ()),
        Page(f"/moderation/comptes?{query('q')}", "moderator", ()),
        Page(f"/moderation/journal?{query('action', 'since', 'until')}", "moderator", ()),
        Page(f"/admin/utilisateurs?{query('q')}", "admin", ()),
        Page(f"/suivi?{query('statut', 'orientation', 'territoire')}", "anonymous", ()),
    ]
