"""`flask opinions ...`: compute the maps (the command to schedule), read and import Pol.is
open data exports."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import delete, insert, select

from consultation.core.models import utcnow
from consultation.extensions import db
from consultation.opinions import jobs, polis
from consultation.opinions.models import (
    STATEMENT_MAX,
    Answer,
    Debate,
    DebateAnalysis,
    DebateParticipant,
    ParticipantSource,
    Statement,
    StatementState,
)
from consultation.projects.models import Project

opinions_cli = AppGroup("opinions", help="La carte des opinions (débats par affirmations).")

COMMENT_COLUMNS = ("comment-id", "moderated", "comment-body")
VOTE_COLUMNS = ("participant",)
# The columns of participants-votes.csv before the one-per-comment columns.
VOTE_SUMMARY = {"participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"}
DEFAULT_QUESTION = "Qu'en pensez-vous ?"


@opinions_cli.command("analyse")
@click.option(
    "--due",
    is_flag=True,
    help="Les débats dont la carte attend de nouvelles réponses (chaque minute).",
)
@click.option("--debate", "slug", metavar="SLUG", help="Le débat de ce projet, maintenant.")
@with_appcontext
def analyse_command(due: bool, slug: str | None) -> None:
    """Compute the opinion maps that wait for new answers (--due, to schedule every minute),
    or one project's map now (--debate SLUG)."""
    if due == (slug is not None):
        raise click.UsageError("Choisissez --due ou --debate SLUG.")
    if slug is not None:
        debate_id = db.session.scalar(
            select(Debate.id)
            .join(Project, Project.id == Debate.project_id)
            .where(Project.slug == slug)
        )
        if debate_id is None:
            raise click.ClickException(f"Le projet « {slug} » n'a pas de débat par affirmations.")
        ids = [debate_id]
    else:
        ids = jobs.due_debates()
    for ident in ids:
        jobs.analyse_debate(ident)
    click.echo(f"{len(ids)} carte(s) des opinions calculée(s).")


@opinions_cli.command("polis-groups")
@click.argument("directory", type=click.Path(path_type=Path))
def polis_groups_command(directory: Path) -> None:
    """Print, as CSV `participant,group`, the groups the platform's analysis finds in a Pol.is
    open data export (to compare with Pol.is's own group-id)."""
    read_conversation(directory)  # a French message for a folder that is not an export
    click.echo(polis.groups_csv(directory), nl=False)


@dataclass(frozen=True)
class PolisComment:
    """A comment of a Pol.is export, as a statement to import."""

    ident: int
    text: str
    moderated: int
    created_at: datetime | None


@dataclass(frozen=True)
class PolisConversation:
    """What an import reads from a Pol.is export: its topic, comments and votes."""

    topic: str | None
    comments: list[PolisComment]
    votes: list[tuple[int, int, int]]  # (Pol.is participant, comment id, value)


def _check_folder(directory: Path) -> None:
    if not directory.is_dir():
        raise click.ClickException(f"Le dossier « {directory} » n'existe pas.")
    for name in ("comments.csv", "participants-votes.csv"):
        if not (directory / name).is_file():
            raise click.ClickException(
                f"Le dossier « {directory} » ne contient pas {name} : ce n'est pas un export "
                "de données ouvertes Pol.is."
            )


def _rows(path: Path, needed: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as file:
            reader = csv.DictReader(file)
            missing = [name for name in needed if name not in (reader.fieldnames or [])]
            if missing:
                raise click.ClickException(
                    f"{path.name} n'a pas les colonnes d'un export Pol.is (il manque : "
                    f"{', '.join(missing)})."
                )
            return list(reader)
    except (UnicodeDecodeError, csv.Error) as error:
        raise click.ClickException(
            f"{path.name} n'est pas un fichier CSV lisible ({error})."
        ) from None


def _whole(value: str, path: Path, line: int) -> int:
    try:
        return int(value)
    except ValueError:
        raise click.ClickException(
            f"{path.name}, ligne {line} : « {value} » n'est pas un nombre entier."
        ) from None


def _moment(value: str) -> datetime | None:
    # Pol.is writes milliseconds since 1970.
    if not value.isdigit():
        return None
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


def read_conversation(directory: Path) -> PolisConversation:
    """The comments and votes of a Pol.is export, checked; a French ClickException otherwise."""
    _check_folder(directory)
    comments_path = directory / "comments.csv"
    comments = []
    for line, row in enumerate(_rows(comments_path, COMMENT_COLUMNS), start=2):
        comments.append(
            PolisComment(
                _whole(row["comment-id"], comments_path, line),
                row["comment-body"].strip(),
                _whole(row["moderated"] or "0", comments_path, line),
                _moment(row.get("timestamp", "")),
            )
        )
    votes_path = directory / "participants-votes.csv"
    votes = []
    for line, row in enumerate(_rows(votes_path, VOTE_COLUMNS), start=2):
        participant = _whole(row["participant"], votes_path, line)
        for column, value in row.items():
            if column in VOTE_SUMMARY or column is None or value in ("", None):
                continue
            vote = _whole(value, votes_path, line)
            if vote not in (1, -1, 0):
                raise click.ClickException(
                    f"{votes_path.name}, ligne {line} : « {value} » n'est pas un vote (1, -1 ou 0)."
                )
            votes.append((participant, _whole(column, votes_path, 1), vote))
    topic = None
    summary = directory / "summary.csv"
    if summary.is_file():
        with summary.open(encoding="utf-8", newline="") as file:
            for cells in csv.reader(file):
                if len(cells) >= 2 and cells[0] == "topic" and cells[1].strip():
                    topic = cells[1].strip()
    return PolisConversation(topic, comments, votes)


def _short(text: str) -> str:
    # A statement holds at most STATEMENT_MAX characters; a rare longer comment is cut.
    return text if len(text) <= STATEMENT_MAX else text[: STATEMENT_MAX - 1].rstrip() + "…"


def _clear(debate: Debate) -> None:
    db.session.execute(delete(DebateAnalysis).where(DebateAnalysis.debate_id == debate.id))
    db.session.execute(delete(DebateParticipant).where(DebateParticipant.debate_id == debate.id))
    db.session.execute(delete(Statement).where(Statement.debate_id == debate.id))


def import_conversation(
    project: Project, conversation: PolisConversation, replace: bool = False
) -> Debate:
    """Load a Pol.is conversation as the project's debate: its comments not moderated out as
    statements (accepted: published, not yet moderated: pending), its participants under
    numbers (Pol.is's participant + 1) with their answers; then compute the map (commits)."""
    debate = db.session.scalar(select(Debate).where(Debate.project_id == project.id))
    if debate is None:
        debate = Debate(
            project_id=project.id, question=(conversation.topic or DEFAULT_QUESTION)[:300]
        )
        db.session.add(debate)
        db.session.flush()
    elif debate.answers_count or db.session.scalar(
        select(DebateParticipant.id).where(DebateParticipant.debate_id == debate.id).limit(1)
    ):
        if not replace:
            raise click.ClickException(
                f"Le débat du projet « {project.slug} » a déjà des réponses : ajoutez --replace "
                "pour les remplacer par celles de l'export."
            )
        _clear(debate)
    else:
        _clear(debate)
    kept = [c for c in conversation.comments if c.moderated != -1]
    statements: dict[int, int] = {}
    for comment in sorted(kept, key=lambda c: c.ident):
        statement = Statement(
            debate_id=debate.id,
            text=_short(comment.text),
            external_id=comment.ident,
            state=StatementState.PUBLISHED if comment.moderated == 1 else StatementState.PENDING,
            created_at=comment.created_at or utcnow(),
            moderated_at=(comment.created_at or utcnow()) if comment.moderated == 1 else None,
        )
        db.session.add(statement)
        db.session.flush()
        statements[comment.ident] = statement.id
    answered = sorted({p for p, c, _ in conversation.votes if c in statements})
    participants: dict[int, int] = {}
    if answered:
        db.session.execute(
            insert(DebateParticipant),
            [
                {"debate_id": debate.id, "number": p + 1, "source": ParticipantSource.POLIS}
                for p in answered
            ],
        )
        participants = {
            key: value
            for key, value in db.session.execute(
                select(DebateParticipant.number, DebateParticipant.id).where(
                    DebateParticipant.debate_id == debate.id
                )
            )
        }
    rows = [
        {"participant_id": participants[p + 1], "statement_id": statements[c], "value": value}
        for p, c, value in conversation.votes
        if c in statements
    ]
    if rows:
        db.session.execute(insert(Answer), rows)
    debate.answers_count = len(rows)
    debate.participants_count = len(answered)
    debate.next_number = (answered[-1] + 2) if answered else 1
    debate.version += 1
    debate.analysis_due_at = utcnow()
    db.session.commit()
    jobs.analyse_debate(debate.id)
    return debate


@opinions_cli.command("import-polis")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--project",
    "slug",
    required=True,
    metavar="SLUG",
    help="Le projet dont l'export devient le débat.",
)
@click.option("--replace", is_flag=True, help="Remplacer les réponses déjà enregistrées.")
@with_appcontext
def import_polis_command(directory: Path, slug: str, replace: bool) -> None:
    """Load a Pol.is open data export as a project's debate by statements (for a demo showing
    a real map); refuses a debate that already has answers unless --replace."""
    project = db.session.scalar(select(Project).where(Project.slug == slug))
    if project is None:
        raise click.ClickException(f"Aucun projet n'a l'identifiant « {slug} ».")
    conversation = read_conversation(directory)
    debate = import_conversation(project, conversation, replace)
    published = db.session.scalar(
        select(db.func.count())
        .select_from(Statement)
        .where(Statement.debate_id == debate.id, Statement.state == StatementState.PUBLISHED)
    )
    click.echo(
        f"Débat du projet « {slug} » : {published} affirmation(s) publiée(s), "
        f"{debate.participants_count} participant(s), {debate.answers_count} réponse(s)."
    )
