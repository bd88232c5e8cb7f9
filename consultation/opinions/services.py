"""The debate by statements: setting it up, answering, adding and moderating statements, and
the paper sheets a mediator enters.

Counters (`debates.answers_count`, `participants_count`, `next_number`) move by one SQL UPDATE
of a constant shape adding a delta (the other domains' counters are moved by triggers:
core/counters.py; here a participant's number is read back from the UPDATE), never read, added
and written back: two people answering at once lose nothing, and a participant's number is
taken by the same UPDATE that moves the counter (`RETURNING`), so no two participants of a
debate share one.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import attributes, joinedload

from consultation.accounts.models import User
from consultation.core import audit
from consultation.core.db import insert_ignore, rowcount
from consultation.core.errors import DomainError, IllegalTransition
from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.opinions import analysis, jobs
from consultation.opinions.models import (
    ANSWER_VALUES,
    STATEMENT_MAX,
    Answer,
    Debate,
    DebateAnalysis,
    DebateParticipant,
    ParticipantSource,
    Statement,
    StatementState,
)
from consultation.projects.models import PhaseKind, Project

log = logging.getLogger(__name__)

FEATURE = "opinions"
QUESTION_MAX = 300
LABEL_MAX = 120

_DEBATES = Debate.__table__
_STATEMENTS = Statement.__table__
_PARTICIPANTS = DebateParticipant.__table__
_ANSWERS = Answer.__table__


# --- Reading -------------------------------------------------------------------------------

_BY_PROJECT = select(Debate).where(Debate.project_id == bindparam("project_id"))


def debate_of(project: Project) -> Debate | None:
    """The project's debate by statements, if an admin made one."""
    found: Debate | None = db.session.scalars(_BY_PROJECT, {"project_id": project.id}).first()
    if found is not None:
        # The rules read the debate's project: the one already loaded, with its phases (as if
        # loaded with it: nothing for the flush).
        attributes.set_committed_value(found, "project", project)
    return found


def statements(debate: Debate, state: str | None = None) -> list[Statement]:
    """The debate's statements (of one state, if given), oldest first."""
    statement = select(Statement).where(Statement.debate_id == debate.id)
    if state is not None:
        statement = statement.where(Statement.state == state)
    return list(db.session.scalars(statement.order_by(Statement.id)))


@dataclass(frozen=True)
class Shown:
    """A statement as the answer form shows it."""

    id: int
    text: str


@dataclass(frozen=True)
class Next:
    """The statement to show a person next, and how many they have not answered yet."""

    statement: Shown | None
    remaining: int
    # Published statements in all: "none remain" differs from "nothing to answer yet".
    published: int


# What the analysis reads (jobs.TRIPLES), and whether each answer is the person's own.
_TRIPLES = jobs.TRIPLES.add_columns(
    (DebateParticipant.user_id == bindparam("user_id")).label("mine")
)
_SHOWN = select(_STATEMENTS.c.id, _STATEMENTS.c.text).where(
    _STATEMENTS.c.debate_id == bindparam("debate_id"),
    _STATEMENTS.c.state == StatementState.PUBLISHED,
)
_ANALYSIS = select(DebateAnalysis.result).where(DebateAnalysis.debate_id == bindparam("debate_id"))


def _stored_analysis(debate: Debate) -> analysis.Analysis | None:
    """The debate's last analysis, if one was computed and can still be read."""
    stored = db.session.execute(_ANALYSIS, {"debate_id": debate.id}).scalar()
    if not stored:
        return None
    try:
        return analysis.Analysis.from_json(stored)
    except (KeyError, TypeError, ValueError):  # an older form of the result: no extremity
        return None


def next_statement(debate: Debate, person: Any) -> Next:
    """The statement to show `person` next (a visitor: as to someone who answered nothing),
    with how many they have left to answer; in the same statements whatever the debate's size.

    Chosen as Pol.is does (`analysis.next_statement`): drawn by priority, which favours the
    statements few have seen and those that separate opinions on the last map; the draw is
    seeded by the person's number and answers, so the same state shows the same statement."""
    user_id = getattr(person, "id", None) if getattr(person, "is_authenticated", False) else None
    params = {"debate_id": debate.id, "user_id": user_id if user_id is not None else -1}
    texts = {ident: text for ident, text in db.session.execute(_SHOWN, params)}
    if not texts:
        return Next(None, 0, 0)
    rows = db.session.execute(_TRIPLES, params).all()
    number = next((row.number for row in rows if row.mine), None)
    answered = sum(1 for row in rows if row.mine)
    if answered >= len(texts):
        return Next(None, 0, len(texts))
    votes = analysis.Votes.from_triples(
        ((row.number, row.statement_id, row.value) for row in rows), statements=texts
    )
    chosen = analysis.next_statement(votes, _stored_analysis(debate), number)
    if chosen is None:
        return Next(None, 0, len(texts))
    return Next(Shown(chosen, texts[chosen]), len(texts) - answered, len(texts))


# --- Counters and versions -------------------------------------------------------------------

_ADD_ANSWERS = (
    update(_DEBATES)
    .where(_DEBATES.c.id == bindparam("ident"))
    .values(answers_count=_DEBATES.c.answers_count + bindparam("delta"))
)
_ADD_PARTICIPANT = (
    update(_DEBATES)
    .where(_DEBATES.c.id == bindparam("ident"))
    .values(
        next_number=_DEBATES.c.next_number + 1,
        participants_count=_DEBATES.c.participants_count + bindparam("delta"),
    )
    .returning(_DEBATES.c.next_number)
)
_ADD_PARTICIPANTS = (
    update(_DEBATES)
    .where(_DEBATES.c.id == bindparam("ident"))
    .values(participants_count=_DEBATES.c.participants_count + bindparam("delta"))
)
_MOVE_VERSION = (
    update(_DEBATES)
    .where(_DEBATES.c.id == bindparam("ident"))
    .values(version=_DEBATES.c.version + 1)
)
_ANSWERS_CHANGED = (
    update(_DEBATES)
    .where(_DEBATES.c.id == bindparam("ident"))
    .values(version=_DEBATES.c.version + 1)
    .returning(_DEBATES.c.analysis_due_at)
)


def _follow(debate: Debate, **values: int) -> None:
    """The loaded debate follows what an UPDATE did to its counters, nothing to flush."""
    for name, delta in values.items():
        if name in debate.__dict__:
            attributes.set_committed_value(debate, name, debate.__dict__[name] + delta)


def _add_answers(debate: Debate, delta: int) -> None:
    if delta:
        db.session.execute(_ADD_ANSWERS, {"ident": debate.id, "delta": delta})
        _follow(debate, answers_count=delta)


def _move_version(debate: Debate) -> None:
    db.session.execute(_MOVE_VERSION, {"ident": debate.id})
    _follow(debate, version=1)


def answers_changed(debate: Debate) -> None:
    """What follows a change of the answers (or of the statements the analysis reads): the
    debate's version moves and its map is asked for (opinions/jobs.py: at most once a minute).
    Writers call it before they touch an answer row: its UPDATE is what orders them."""
    due = db.session.execute(_ANSWERS_CHANGED, {"ident": debate.id}).scalar_one()
    _follow(debate, version=1)
    # What the row holds now (another request may have asked for the map meanwhile).
    attributes.set_committed_value(debate, "analysis_due_at", due)
    jobs.request_analysis(debate)


def _new_participant(debate: Debate, values: dict[str, Any]) -> int | None:
    """A participant row under the debate's next number, counted; None when the person's row
    was written meanwhile by another request (a double click): nothing is counted then."""
    number = db.session.execute(_ADD_PARTICIPANT, {"ident": debate.id, "delta": 1}).scalar_one()
    number -= 1
    inserted = db.session.execute(
        _insert_participant(),
        {"debate_id": debate.id, "number": number, "created_at": utcnow(), **values},
    ).first()
    if inserted is None:
        # The number stays unused; the count goes back to what the rows say.
        db.session.execute(_ADD_PARTICIPANTS, {"ident": debate.id, "delta": -1})
        _follow(debate, next_number=1)
        return None
    _follow(debate, next_number=1, participants_count=1)
    return int(inserted[0])


_INSERT_PARTICIPANT: dict[str, Any] = {}


def _insert_participant() -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id, per dialect, built once."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = db.session.get_bind().dialect.name
    statement = _INSERT_PARTICIPANT.get(dialect)
    if statement is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = _INSERT_PARTICIPANT[dialect] = (
            insert(_PARTICIPANTS).on_conflict_do_nothing().returning(_PARTICIPANTS.c.id)
        )
    return statement


_PARTICIPANT_OF = select(_PARTICIPANTS.c.id).where(
    _PARTICIPANTS.c.debate_id == bindparam("debate_id"),
    _PARTICIPANTS.c.user_id == bindparam("user_id"),
)


def participant_id(debate: Debate, person: User, mediator: User | None = None) -> int:
    """The person's participant row in the debate, made at their first answer (the number is
    the debate's next one)."""
    params = {"debate_id": debate.id, "user_id": person.id}
    found = db.session.execute(_PARTICIPANT_OF, params).scalar()
    if found is not None:
        return int(found)
    made = _new_participant(
        debate,
        {
            "user_id": person.id,
            "source": ParticipantSource.ONLINE,
            "label": None,
            "recorded_by_id": mediator.id if mediator is not None else None,
        },
    )
    if made is None:
        return int(db.session.execute(_PARTICIPANT_OF, params).scalar_one())
    return made


# --- Answering -------------------------------------------------------------------------------

_PUBLISHED_STATEMENT = select(_STATEMENTS.c.id, _STATEMENTS.c.text).where(
    _STATEMENTS.c.id == bindparam("statement_id"),
    _STATEMENTS.c.debate_id == bindparam("debate_id"),
    _STATEMENTS.c.state == StatementState.PUBLISHED,
)
_CHANGE_ANSWER = (
    update(_ANSWERS)
    .where(
        _ANSWERS.c.participant_id == bindparam("pid"),
        _ANSWERS.c.statement_id == bindparam("sid"),
        _ANSWERS.c.value != bindparam("value"),
    )
    .values(
        value=bindparam("value"),
        recorded_by_id=bindparam("recorded_by_id"),
        answered_at=bindparam("answered_at"),
    )
)


def _check_value(value: Any) -> int:
    if value not in ANSWER_VALUES:
        raise DomainError(_("Choisissez « D'accord », « Pas d'accord » ou « Je ne sais pas »."))
    return int(value)


def _put_answer(participant: int, statement_id: int, value: int, recorded_by: int | None) -> str:
    """Write one answer: "new", "changed" or "same" (one per participant and statement)."""
    now = utcnow()
    if insert_ignore(
        _ANSWERS,
        participant_id=participant,
        statement_id=statement_id,
        value=value,
        recorded_by_id=recorded_by,
        answered_at=now,
    ):
        return "new"
    changed = rowcount(
        db.session.execute(
            _CHANGE_ANSWER,
            {
                "pid": participant,
                "sid": statement_id,
                "value": value,
                "recorded_by_id": recorded_by,
                "answered_at": now,
            },
        )
    )
    return "changed" if changed else "same"


def answer(
    person: User, debate: Debate, statement_id: int, value: int, mediator: User | None = None
) -> str:
    """Record the person's answer to a published statement of the debate (by a mediator for
    them when `mediator` is given); answering again changes the answer. Gives "new",
    "changed" or "same"."""
    value = _check_value(value)
    row = db.session.execute(
        _PUBLISHED_STATEMENT, {"statement_id": statement_id, "debate_id": debate.id}
    ).first()
    if row is None:
        raise DomainError(_("Cette affirmation n'est plus proposée : répondez à la suivante."))
    # First, before any answer row: this UPDATE takes the debate's row lock, so concurrent
    # answers queue in one order (a request holding an answer row and waiting for the debate
    # while another holds the debate and waits for that row would be a deadlock).
    answers_changed(debate)
    participant = participant_id(debate, person, mediator)
    outcome = _put_answer(
        participant, statement_id, value, mediator.id if mediator is not None else None
    )
    if outcome == "new":
        _add_answers(debate, 1)
    if mediator is not None:
        audit.record_assisted(
            mediator, person, "mediation.answer", "statement", statement_id, row.text
        )
    log.info("participant %s answered statement %s (%s)", participant, statement_id, outcome)
    return outcome


# --- Statements ------------------------------------------------------------------------------


def _normalised(text: str) -> str:
    """The same statement whatever its spaces and capitals: how duplicates are told."""
    return " ".join(text.split()).casefold()


class SeedsRefused(DomainError):
    """Seed statements refused: one message per line refused, naming its number."""

    field = "seeds"

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


def parse_seeds(text: str, existing: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The statements of a textarea, one per line: blank lines skipped, spaces tidied; a line
    past 140 characters or a duplicate (of another line or of a statement already there) is
    refused with the number of its line."""
    seen = {_normalised(s) for s in existing}
    found: list[str] = []
    problems: list[str] = []
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text or ""), start=1):
        cleaned = " ".join(line.split())
        if not cleaned:
            continue
        if len(cleaned) > STATEMENT_MAX:
            problems.append(
                _(
                    "Ligne %(line)d : %(count)d caractères, %(max)d au maximum.",
                    line=number,
                    count=len(cleaned),
                    max=STATEMENT_MAX,
                )
            )
            continue
        key = _normalised(cleaned)
        if key in seen:
            problems.append(
                _("Ligne %(line)d : cette affirmation est déjà dans le débat.", line=number)
            )
            continue
        seen.add(key)
        found.append(cleaned)
    if problems:
        raise SeedsRefused(problems)
    return found


@dataclass
class DebateSettings:
    """What the admin's form gives for a project's debate."""

    enabled: bool
    question: str
    premoderation: bool
    seeds: str = ""


def _with_feature(features: str, on: bool) -> str:
    kept = [name for name in features.split() if name != FEATURE]
    return " ".join([*kept, FEATURE] if on else kept)


def configure(actor: User, project: Project, settings: DebateSettings) -> Debate:
    """Turn the project's debate on or off (a feature of its consultation phase, its data kept
    when off), set its question and pre-moderation, and add seed statements."""
    phase = project.phase(PhaseKind.CONSULTATION)
    if settings.enabled and phase is None:
        raise DomainError(
            _(
                "Ce projet n'a pas de phase de consultation : ajoutez-la d'abord "
                "dans le formulaire du projet."
            )
        )
    question = " ".join(settings.question.split())
    if not question:
        raise DomainError(_("Écrivez la question du débat."))
    debate = debate_of(project)
    existing = [s.text for s in statements(debate)] if debate is not None else []
    seeds = parse_seeds(settings.seeds, existing)
    created = debate is None
    if debate is None:
        debate = Debate(
            project_id=project.id, question=question, premoderation=settings.premoderation
        )
        db.session.add(debate)
        db.session.flush()
        attributes.set_committed_value(debate, "project", project)
    else:
        debate.question, debate.premoderation = question, settings.premoderation
    if phase is not None:
        phase.added_features = _with_feature(phase.added_features or "", settings.enabled)
    now = utcnow()
    for text in seeds:
        db.session.add(
            Statement(
                debate_id=debate.id,
                text=text,
                is_seed=True,
                state=StatementState.PUBLISHED,
                author_id=actor.id,
                created_at=now,
                moderated_at=now,
            )
        )
    db.session.flush()
    if seeds or not created:
        _move_version(debate)
    audit.record(
        actor,
        "opinions.configure",
        "project",
        project.id,
        project.title,
        enabled=settings.enabled,
        premoderation=settings.premoderation,
        seeds=len(seeds),
    )
    log.info("user %s set the debate of project %s up (%d seeds)", actor.id, project.id, len(seeds))
    return debate


def add_statement(
    author: User, debate: Debate, text: str, mediator: User | None = None
) -> Statement:
    """A participant's statement: published at once, or pending a moderator when the debate
    is pre-moderated; the same statement twice is refused."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise DomainError(_("Écrivez votre affirmation."))
    if len(cleaned) > STATEMENT_MAX:
        raise DomainError(_("%(max)d caractères au maximum.", max=STATEMENT_MAX))
    known = db.session.scalars(
        select(Statement.text).where(
            Statement.debate_id == debate.id, Statement.state != StatementState.REJECTED
        )
    )
    if _normalised(cleaned) in {_normalised(t) for t in known}:
        raise DomainError(_("Cette affirmation est déjà dans le débat."))
    now = utcnow()
    premoderated = debate.premoderation
    made = Statement(
        debate_id=debate.id,
        text=cleaned,
        is_seed=False,
        author_id=author.id,
        state=StatementState.PENDING if premoderated else StatementState.PUBLISHED,
        created_at=now,
        moderated_at=None,
    )
    db.session.add(made)
    db.session.flush()
    if premoderated:
        _move_version(debate)
    else:
        answers_changed(debate)
    if mediator is not None:
        audit.record_assisted(
            mediator, author, "mediation.statement", "statement", made.id, cleaned
        )
    log.info("user %s added statement %s to debate %s", author.id, made.id, debate.id)
    return made


# decision -> (the states it starts from, the state it leads to)
DECISIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "approuver": ((StatementState.PENDING,), StatementState.PUBLISHED),
    "refuser": ((StatementState.PENDING,), StatementState.REJECTED),
    "masquer": ((StatementState.PUBLISHED,), StatementState.REJECTED),
    "retablir": ((StatementState.REJECTED,), StatementState.PUBLISHED),
}
# The journal's name of each decision (tests/moderation/test_journal.py reads these strings).
ACTIONS = {
    "approuver": "opinions.approve",
    "refuser": "opinions.reject",
    "masquer": "opinions.hide",
    "retablir": "opinions.restore",
}
# Refusing or hiding says why: the reason is kept in the journal.
NEEDS_REASON = frozenset({"refuser", "masquer"})


def moderate(actor: User, statement: Statement, decision: str, reason: str) -> None:
    """Approve or refuse a pending statement, hide a published one or show a hidden one
    again: a compare-and-set UPDATE, so two moderators deciding at once never both succeed."""
    if decision not in DECISIONS:
        raise DomainError(_("Décision inconnue."))
    starts, leads_to = DECISIONS[decision]
    action = ACTIONS[decision]
    reason = " ".join((reason or "").split())
    if decision in NEEDS_REASON and not reason:
        raise DomainError(_("Indiquez le motif de la décision."))
    done = rowcount(
        db.session.execute(
            update(_STATEMENTS)
            .where(_STATEMENTS.c.id == statement.id, _STATEMENTS.c.state.in_(starts))
            .values(state=leads_to, moderated_at=utcnow())
        )
    )
    if not done:
        raise IllegalTransition(
            _("Cette affirmation a déjà été traitée : la page montre son état actuel.")
        )
    db.session.expire(statement, ["state", "moderated_at"])
    debate = db.session.get_one(Debate, statement.debate_id)
    # What the analysis reads changes when a statement is shown or taken away.
    if StatementState.PUBLISHED in (*starts, leads_to):
        answers_changed(debate)
    else:
        _move_version(debate)
    audit.record(actor, action, "statement", statement.id, statement.text, reason)
    log.info("user %s: %s statement %s", actor.id, decision, statement.id)


def pending_statements() -> list[Statement]:
    """Statements waiting for a moderator, with their debate's project and author, oldest
    first (a long wait shows at the top)."""
    return list(
        db.session.scalars(
            select(Statement)
            .options(
                joinedload(Statement.debate).joinedload(Debate.project),
                joinedload(Statement.author),
            )
            .where(Statement.state == StatementState.PENDING)
            .order_by(Statement.id)
            .limit(200)
        )
    )


def statement_for_moderation(statement_id: int) -> Statement | None:
    """A statement with its debate and project (the page names them)."""
    return db.session.scalars(
        select(Statement)
        .options(
            joinedload(Statement.debate).joinedload(Debate.project).selectinload(Project.phases)
        )
        .where(Statement.id == statement_id)
    ).first()


def open_debates() -> list[Debate]:
    """The debates open now (their project published, its phase with the feature), newest
    first, with their projects and phases in one statement."""
    found = db.session.scalars(
        select(Debate)
        .join(Project, Project.id == Debate.project_id)
        .options(joinedload(Debate.project).joinedload(Project.phases))
        .where(Project.published_at.is_not(None))
        .order_by(Debate.id.desc())
    ).unique()
    return [debate for debate in found if debate.project.allows(FEATURE)]


# --- Paper sheets ----------------------------------------------------------------------------


def sheets(debate: Debate) -> list[tuple[DebateParticipant, int]]:
    """The paper sheets entered for the debate, newest first, with their number of answers."""
    answered = (
        select(func.count())
        .where(_ANSWERS.c.participant_id == DebateParticipant.id)
        .correlate(DebateParticipant)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(DebateParticipant, answered)
        .where(
            DebateParticipant.debate_id == debate.id,
            DebateParticipant.source == ParticipantSource.PAPER,
        )
        .order_by(DebateParticipant.id.desc())
    )
    return [(sheet, count) for sheet, count in rows]


def sheet_answers(sheet: DebateParticipant) -> dict[int, int]:
    """{statement id: value} of a paper sheet."""
    return {
        ident: value
        for ident, value in db.session.execute(
            select(Answer.statement_id, Answer.value).where(Answer.participant_id == sheet.id)
        )
    }


def record_sheet(
    mediator: User,
    debate: Debate,
    label: str,
    answers: dict[int, int | None],
    sheet: DebateParticipant | None = None,
) -> DebateParticipant:
    """Enter a paper sheet of a workshop (its label, and for each published statement an
    answer or none), or correct one entered before: all its answers, or none."""
    label = " ".join(label.split())
    if not label:
        raise DomainError(_("Indiquez le nom de la fiche (atelier, numéro)."))
    if len(label) > LABEL_MAX:
        raise DomainError(_("%(max)d caractères au maximum.", max=LABEL_MAX))
    given = {ident: _check_value(value) for ident, value in answers.items() if value is not None}
    if not given:
        raise DomainError(_("Cochez au moins une réponse : une fiche vide n'est pas enregistrée."))
    published = {
        ident
        for (ident,) in db.session.execute(
            select(_STATEMENTS.c.id).where(
                _STATEMENTS.c.debate_id == debate.id,
                _STATEMENTS.c.state == StatementState.PUBLISHED,
            )
        )
    }
    if not set(answers) <= published:
        raise DomainError(_("Une affirmation de la fiche n'est plus proposée : rechargez la page."))
    answers_changed(debate)  # first: the debate's row lock, as in answer()
    if sheet is None:
        made = _new_participant(
            debate,
            {
                "user_id": None,
                "source": ParticipantSource.PAPER,
                "label": label,
                "recorded_by_id": mediator.id,
            },
        )
        assert made is not None  # no user: nothing unique to collide with but the number
        sheet = db.session.get_one(DebateParticipant, made)
        action = "opinions.sheet"
        # A new sheet: all its answers in one INSERT.
        now = utcnow()
        db.session.execute(insert(_ANSWERS), [
            {"participant_id": sheet.id, "statement_id": ident, "value": value,
             "recorded_by_id": mediator.id, "answered_at": now}
            for ident, value in sorted(given.items())
        ])
        delta = len(given)
    else:
        sheet.label = label
        action = "opinions.sheet_edit"
        cleared = [ident for ident, value in answers.items() if value is None]
        delta = -rowcount(db.session.execute(
            delete(_ANSWERS).where(
                _ANSWERS.c.participant_id == sheet.id, _ANSWERS.c.statement_id.in_(cleared)
            )
        )) if cleared else 0
        for ident, value in sorted(given.items()):
            if _put_answer(sheet.id, ident, value, mediator.id) == "new":
                delta += 1
    db.session.flush()
    _add_answers(debate, delta)
    audit.record(mediator, action, "sheet", sheet.id, label, answers=len(given))
    log.info("mediator %s entered sheet %s of debate %s", mediator.id, sheet.id, debate.id)
    return sheet
