"""What the opinion map keeps about a person: their answers (deleted with the account), the
statements they proposed, and what they recorded for others as a mediator."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from consultation.accounts.models import User
from consultation.core import jobs as queue
from consultation.core.models import utcnow
from consultation.core.personal_data import moment, part
from consultation.extensions import db
from consultation.opinions import jobs
from consultation.opinions.models import Answer, Debate, DebateParticipant, Statement
from consultation.projects.models import Project

_VALUES = {1: "d'accord", -1: "pas d'accord", 0: "je ne sais pas"}


def _forget_answers(user: User) -> None:
    """Delete the person's participations (their answers go with them), fix the debates'
    counts and mark their maps due."""
    counted = db.session.execute(
        select(DebateParticipant.id, DebateParticipant.debate_id, func.count(Answer.statement_id))
        .outerjoin(Answer, Answer.participant_id == DebateParticipant.id)
        .where(DebateParticipant.user_id == user.id)
        .group_by(DebateParticipant.id, DebateParticipant.debate_id)
    ).all()
    if not counted:
        return
    db.session.execute(
        delete(Answer).where(Answer.participant_id.in_([ident for ident, _debate, _n in counted]))
    )
    db.session.execute(delete(DebateParticipant).where(DebateParticipant.user_id == user.id))
    for _ident, debate_id, answers in counted:
        db.session.execute(
            update(Debate)
            .where(Debate.id == debate_id)
            .values(
                answers_count=Debate.answers_count - answers,
                participants_count=Debate.participants_count - 1,
                version=Debate.version + 1,
                analysis_due_at=func.coalesce(Debate.analysis_due_at, utcnow()),
            )
            .execution_options(synchronize_session=False)
        )
        queue.enqueue_once(jobs.analyse_due, debate_id)


@part(
    "debats.json",
    "reponses",
    ("debate_participants.user_id",),
    _l(
        "vos réponses aux affirmations des débats (d'accord, pas d'accord, je ne sais pas), "
        "avec leur date et, le cas échéant, la mention du médiateur·rice qui les a saisies ; "
        "supprimées avec votre compte, la carte des opinions est alors recalculée sans elles"
    ),
    erase=_forget_answers,
)
def answers(user: User) -> list[dict[str, Any]]:
    """Every answer the person gave in a debate by statements, oldest first."""
    rows = db.session.execute(
        select(
            Project.title,
            Statement.id,
            Statement.text,
            Answer.value,
            Answer.answered_at,
            Answer.recorded_by_id,
        )
        .join(DebateParticipant, DebateParticipant.id == Answer.participant_id)
        .join(Statement, Statement.id == Answer.statement_id)
        .join(Debate, Debate.id == DebateParticipant.debate_id)
        .join(Project, Project.id == Debate.project_id)
        .where(DebateParticipant.user_id == user.id)
        .order_by(Answer.answered_at, Statement.id)
    )
    return [
        {
            "debat": project,
            "affirmation": ident,
            "texte": text,
            "reponse": _VALUES[value],
            "repondu_le": moment(when),
            "saisie_par_un_mediateur": recorder is not None,
        }
        for project, ident, text, value, when, recorder in rows
    ]


@part(
    "debats.json",
    "affirmations",
    ("debate_statements.author_id",),
    _l(
        "les affirmations que vous avez proposées aux débats ; elles restent publiées sans "
        "votre nom si vous supprimez votre compte"
    ),
)
def statements(user: User) -> list[dict[str, Any]]:
    """The statements the person proposed, with their moderation state."""
    rows = db.session.execute(
        select(Project.title, Statement.id, Statement.text, Statement.state, Statement.created_at)
        .join(Debate, Debate.id == Statement.debate_id)
        .join(Project, Project.id == Debate.project_id)
        .where(Statement.author_id == user.id)
        .order_by(Statement.id)
    )
    return [
        {
            "debat": project,
            "affirmation": ident,
            "texte": text,
            "etat": state,
            "proposee_le": moment(when),
        }
        for project, ident, text, state, when in rows
    ]


@part(
    "debats.json",
    "saisies_pour_autrui",
    ("debate_participants.recorded_by_id", "debate_answers.recorded_by_id"),
    _l(
        "comme médiateur·rice : le nombre de participations et de réponses que vous avez "
        "saisies pour d'autres personnes (elles ne sont pas nommées)"
    ),
)
def recorded(user: User) -> dict[str, int]:
    """What the person recorded for others as a mediator, counted; nobody is named."""
    sheets = (
        db.session.scalar(
            select(func.count())
            .select_from(DebateParticipant)
            .where(DebateParticipant.recorded_by_id == user.id)
        )
        or 0
    )
    answered = (
        db.session.scalar(
            select(func.count()).select_from(Answer).where(Answer.recorded_by_id == user.id)
        )
        or 0
    )
    return {"participations_saisies": sheets, "reponses_saisies": answered}
