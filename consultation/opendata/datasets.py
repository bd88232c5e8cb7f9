"""The open datasets: their columns, what each means, and the rows, read as a stream.

Only what a visitor of the site can read is published, and nothing about a person: no name,
email, account, mediator or workshop id, nor any column that would join two contributions to
the same person (supports are counted per proposal and per day), but for the debates'
answers: the opinion map is made of each person's answers together, so they come under a
number of that debate alone, as in Pol.is's open data. A proposal is published when
it is visible and not withdrawn; a merged one stays (the site shows it, with the proposal it
went into). A comment is published when it is visible, not deleted, and on the project itself
or on a published proposal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Select, and_, cast, func, or_, select

from consultation.accounts.models import User
from consultation.comments.models import Comment
from consultation.core.models import PARIS, as_utc
from consultation.extensions import db
from consultation.followup.models import Commitment, CommitmentUpdate, commitment_proposals
from consultation.opinions.models import (
    Answer,
    Debate,
    DebateParticipant,
    Statement,
    StatementState,
)
from consultation.projects.models import Phase, Project, ProjectParticipant, project_territories
from consultation.projects.services import is_public
from consultation.proposals.models import Proposal
from consultation.reference.models import Orientation, Territory
from consultation.reference.services import per_thousand
from consultation.syntheses.models import SynthesisVersion
from consultation.votes.models import Support

# Rows fetched per round trip: the build never holds a whole table.
BATCH = 2000

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Column:
    """A column: its name in the files, its Table Schema type and what it means."""

    name: str
    type: str  # integer, number, string, date, boolean
    description: Any  # a lazy French string, translated on the English page
    required: bool = False


@dataclass(frozen=True)
class Dataset:
    """A table published as CSV and JSON."""

    name: str
    title: Any
    description: Any
    columns: tuple[Column, ...]
    rows: Callable[[], Iterator[Row]]
    primary_key: tuple[str, ...] = ()
    # (column, dataset, its column): only where every value is found in the other dataset.
    foreign_keys: tuple[tuple[str, str, str], ...] = field(default_factory=tuple)


_DAYS: dict[tuple[int, int, int, int], str] = {}


def local_day(moment: datetime | None) -> str | None:
    """The day in Brest of a stored time, as the site shows it (YYYY-MM-DD)."""
    if moment is None:
        return None
    if moment.tzinfo is not None and moment.utcoffset():
        moment = moment.astimezone(UTC)
    # Brest's offset from UTC changes only on the hour: one conversion per UTC hour met.
    key = (moment.year, moment.month, moment.day, moment.hour)
    day = _DAYS.get(key)
    if day is None:
        start = as_utc(moment.replace(minute=0, second=0, microsecond=0))
        day = _DAYS[key] = start.astimezone(PARIS).date().isoformat()
    return day


def _stream(statement: Select[*tuple[Any, ...]]) -> Iterator[Row]:
    # A server-side cursor on PostgreSQL, BATCH rows at a time on both.
    yield from db.session.execute(statement.execution_options(yield_per=BATCH))


def published_proposal() -> Any:
    """The proposals a visitor reads: visible, published or merged (never withdrawn)."""
    return and_(Proposal.moderation == "visible", Proposal.status.in_(("published", "merged")))


def published_comment() -> Any:
    """The comments a visitor reads: visible, not deleted, on the project or a published
    proposal."""
    published_ids = select(Proposal.id).where(published_proposal())
    return and_(Comment.moderation == "visible", Comment.deleted_at.is_(None),
                or_(Comment.proposal_id.is_(None), Comment.proposal_id.in_(published_ids)))


# --- Rows --------------------------------------------------------------------------------------

# Projects: the published ones only (a draft has no contribution, commitment or synthesis:
# nothing can be added to it before it is published).
def _projects() -> Iterator[Row]:
    names = {id_: name for id_, name in db.session.execute(select(Territory.id, Territory.name))}
    served: dict[int, list[str]] = {}
    for project_id, territory_id in db.session.execute(
        select(project_territories.c.project_id, project_territories.c.territory_id)
        .join(Territory, Territory.id == project_territories.c.territory_id)
        .order_by(project_territories.c.project_id, Territory.position, Territory.id)
    ):
        served.setdefault(project_id, []).append(names[territory_id])
    statement = (
        select(Project.id, Project.slug, Project.title, Project.summary, Project.body,
               Orientation.title, Project.premoderation, Project.support_limit,
               Project.proposals_count, Project.comments_count, Project.supports_count,
               Project.participants_count, Project.created_at)
        .outerjoin(Orientation, Orientation.id == Project.orientation_id)
        .where(is_public())
        .order_by(Project.id)
    )
    for (id_, slug, title, summary, body, orientation, premoderation, limit, proposals, comments,
         supports, participants, created) in _stream(statement):
        yield (id_, slug, title, summary, body, orientation, "; ".join(served.get(id_, [])),
               bool(premoderation), limit, proposals, comments, supports, participants,
               local_day(created))


def _phases() -> Iterator[Row]:
    yield from _stream(
        select(Phase.id, Phase.project_id, Phase.kind, Phase.starts_on, Phase.ends_on)
        .where(Phase.project_id.in_(select(Project.id).where(is_public())))
        .order_by(Phase.project_id, Phase.starts_on, Phase.id)
    )


def _proposals() -> Iterator[Row]:
    statement = (
        select(Proposal.id, Proposal.project_id, Proposal.title, Proposal.body, Territory.code,
               Territory.name, Proposal.status, Proposal.created_at, Proposal.supports_count,
               Proposal.comments_count, Proposal.comments_pour, Proposal.comments_contre,
               Proposal.comments_neutre, Proposal.answer_status, Proposal.answer_body,
               Proposal.answered_at, Proposal.merged_into_id,
               Proposal.mediator_id.is_not(None), Proposal.workshop_id.is_not(None))
        .outerjoin(Territory, Territory.id == Proposal.territory_id)
        .where(published_proposal())
        .order_by(Proposal.id)
    )
    for row in _stream(statement):
        (id_, project, title, body, code, territory, status, created, supports, comments, pour,
         contre, neutre, answer, answer_body, answered, merged_into, mediator, workshop) = row
        yield (id_, project, title, body, code, territory, status, local_day(created), supports,
               comments, pour, contre, neutre, answer, answer_body if answer else None,
               local_day(answered) if answer else None, merged_into, bool(mediator),
               bool(workshop))


def _comments() -> Iterator[Row]:
    statement = (
        select(Comment.id, Comment.proposal_id, Comment.project_id, Comment.body, Comment.stance,
               Comment.parent_id, Comment.created_at)
        .where(published_comment())
        .order_by(Comment.id)
    )
    for id_, proposal, project, body, stance, parent, created in _stream(statement):
        yield id_, proposal, project, body, stance, parent, local_day(created)


def _supports_per_day() -> Iterator[Row]:
    if db.engine.dialect.name == "postgresql":
        # Counted by the database, on Brest's days.
        day = cast(func.timezone("Europe/Paris", Support.created_at), Date)
        counted = (
            select(Support.proposal_id, Support.project_id, day, func.count())
            .join(Proposal, Proposal.id == Support.proposal_id)
            .where(published_proposal())
            .group_by(Support.proposal_id, Support.project_id, day)
            .order_by(Support.proposal_id, day)
        )
        for proposal, project, on, count in _stream(counted):
            yield proposal, project, on.isoformat(), count
        return
    # SQLite has no time zones: read in order and counted as they come, one day of one
    # proposal in memory at a time, the day computed here.
    statement = (
        select(Support.proposal_id, Support.project_id, Support.created_at)
        .join(Proposal, Proposal.id == Support.proposal_id)
        .where(published_proposal())
        .order_by(Support.proposal_id, Support.created_at)
    )
    current: tuple[int, int, str | None] | None = None
    count = 0
    for proposal, project, created in _stream(statement):
        key = (proposal, project, local_day(created))
        if key != current:
            if current is not None:
                yield (*current, count)
            current, count = key, 0
        count += 1
    if current is not None:
        yield (*current, count)


def _answers() -> Iterator[Row]:
    statement = (
        select(Proposal.id, Proposal.project_id, Proposal.answer_status, Proposal.answer_body,
               Proposal.answered_at)
        .where(published_proposal(), Proposal.answer_status.is_not(None))
        .order_by(Proposal.id)
    )
    for id_, project, status, body, answered in _stream(statement):
        yield id_, project, status, body, local_day(answered)


def _commitments() -> Iterator[Row]:
    statement = (
        select(Commitment.id, Commitment.project_id, Commitment.title, Commitment.description,
               Commitment.service, Commitment.starts_on, Commitment.ends_on, Commitment.status,
               Commitment.progress, Commitment.abandon_reason, Commitment.created_at,
               Commitment.updated_at)
        .order_by(Commitment.id)
    )
    for row in _stream(statement):
        yield (*row[:9], row[9] or None, local_day(row[10]), local_day(row[11]))


def _commitment_links() -> Iterator[Row]:
    yield from _stream(
        select(commitment_proposals.c.commitment_id, commitment_proposals.c.proposal_id)
        .join(Proposal, Proposal.id == commitment_proposals.c.proposal_id)
        .where(published_proposal())
        .order_by(commitment_proposals.c.commitment_id, commitment_proposals.c.proposal_id)
    )


def _commitment_updates() -> Iterator[Row]:
    statement = (
        select(CommitmentUpdate.id, CommitmentUpdate.commitment_id, CommitmentUpdate.happened_on,
               CommitmentUpdate.text, CommitmentUpdate.status, CommitmentUpdate.progress,
               CommitmentUpdate.reason)
        .order_by(CommitmentUpdate.commitment_id, CommitmentUpdate.happened_on,
                  CommitmentUpdate.id)
    )
    for row in _stream(statement):
        yield (*row[:6], row[6] or None)


def _synthesis_figures() -> Iterator[Row]:
    import json

    statement = (
        select(SynthesisVersion.project_id, SynthesisVersion.number,
               SynthesisVersion.published_at, SynthesisVersion.figures_json)
        .order_by(SynthesisVersion.project_id, SynthesisVersion.number)
    )
    for project, number, published, figures_json in _stream(statement):
        figures = json.loads(figures_json)
        taking_part = figures.get("participation", {})
        stances = figures.get("stances", {})
        moderation = figures.get("moderation", {})
        yield (project, number, local_day(published), taking_part.get("participants"),
               taking_part.get("proposals"), taking_part.get("comments"),
               taking_part.get("supports"), stances.get("pour"), stances.get("contre"),
               stances.get("neutre"), len(figures.get("answers", [])),
               moderation.get("reports"), moderation.get("proposals_hidden"),
               moderation.get("comments_hidden"), moderation.get("proposals_merged"),
               moderation.get("proposals_withdrawn"))


def _participation() -> Iterator[Row]:
    # Counts only: participants by commune of residence, never who they are.
    living: dict[tuple[int, int | None], int] = {
        (project, territory): count
        for project, territory, count in db.session.execute(
            select(ProjectParticipant.project_id, User.commune_id, func.count())
            .join(User, User.id == ProjectParticipant.user_id)
            .where(User.commune_id.is_not(None))
            .group_by(ProjectParticipant.project_id, User.commune_id)
        )
    }
    aimed: dict[tuple[int, int | None], int] = {
        (project, territory): count
        for project, territory, count in db.session.execute(
            select(Proposal.project_id, Proposal.territory_id, func.count())
            .where(Proposal.status == "published", Proposal.moderation == "visible",
                   Proposal.territory_id.is_not(None))
            .group_by(Proposal.project_id, Proposal.territory_id)
        )
    }
    places = list(db.session.execute(
        select(Territory.id, Territory.code, Territory.name, Territory.kind, Territory.population)
        .order_by(Territory.position, Territory.id)
    ))
    for (project,) in _stream(select(Project.id).where(is_public()).order_by(Project.id)):
        for territory, code, name, kind, population in places:
            participants = living.get((project, territory), 0)
            yield (project, code, name, kind, population, participants,
                   per_thousand(participants, population), aimed.get((project, territory), 0))


# Debates by statements: the published statements of public projects, and the answers to them
# under the per-debate participant numbers the map shows, as Pol.is's open data does: never an
# account, a mediator or the time of an answer.
def _public_debates() -> Any:
    return select(Debate.id).join(Project, Project.id == Debate.project_id).where(is_public())


def _statements() -> Iterator[Row]:
    statement = (
        select(Statement.id, Debate.project_id, Statement.text, Statement.is_seed,
               Statement.created_at)
        .join(Debate, Debate.id == Statement.debate_id)
        .where(Statement.state == StatementState.PUBLISHED,
               Statement.debate_id.in_(_public_debates()))
        .order_by(Statement.id)
    )
    for id_, project_id, text, seed, created in _stream(statement):
        yield id_, project_id, text, bool(seed), local_day(created)


def _debate_answers() -> Iterator[Row]:
    yield from _stream(
        select(Debate.project_id, DebateParticipant.number, Answer.statement_id, Answer.value)
        .join(DebateParticipant, DebateParticipant.id == Answer.participant_id)
        .join(Statement, Statement.id == Answer.statement_id)
        .join(Debate, Debate.id == Statement.debate_id)
        .where(Statement.state == StatementState.PUBLISHED,
               Statement.debate_id.in_(_public_debates()))
        .order_by(Debate.project_id, DebateParticipant.number, Answer.statement_id)
    )


# --- The catalogue -----------------------------------------------------------------------------

def _c(name: str, type_: str, description: Any, required: bool = False) -> Column:
    return Column(name, type_, description, required)


PROJECT_ID = _c("projet_id", "integer", _l("Numéro du projet (jeu « projets »)."), True)
PROPOSAL_ID = _c("proposition_id", "integer",
                 _l("Numéro de la proposition (jeu « propositions »)."), True)

DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "projets", _l("Projets"),
        _l("Les projets soumis à la consultation, avec leurs chiffres de participation."),
        (
            _c("id", "integer", _l("Numéro du projet."), True),
            _c("slug", "string", _l("Identifiant du projet dans l'adresse de sa page."), True),
            _c("titre", "string", _l("Titre du projet."), True),
            _c("resume", "string", _l("Résumé du projet."), True),
            _c("texte", "string", _l("Présentation du projet, en Markdown.")),
            _c("orientation", "string", _l("Orientation de la stratégie numérique du projet.")),
            _c("territoires", "string",
               _l("Territoires concernés, séparés par un point-virgule ; vide : tout le "
                  "territoire.")),
            _c("premoderation", "boolean",
               _l("Vrai si les contributions sont publiées après approbation.")),
            _c("limite_soutiens", "integer",
               _l("Nombre maximal de propositions qu'une personne peut soutenir ; vide : "
                  "aucune limite.")),
            _c("nb_propositions", "integer", _l("Propositions publiées.")),
            _c("nb_commentaires", "integer", _l("Commentaires publiés.")),
            _c("nb_soutiens", "integer", _l("Soutiens reçus par ses propositions.")),
            _c("nb_participants", "integer",
               _l("Personnes ayant proposé, commenté ou soutenu.")),
            _c("cree_le", "date", _l("Date de création du projet.")),
        ),
        _projects, ("id",),
    ),
    Dataset(
        "phases", _l("Phases des projets"),
        _l("Les étapes de chaque projet et leurs dates."),
        (
            _c("id", "integer", _l("Numéro de la phase."), True),
            PROJECT_ID,
            _c("type", "string",
               _l("information, consultation, synthesis (synthèse) ou follow_up (suivi)."),
               True),
            _c("debut", "date", _l("Premier jour de la phase."), True),
            _c("fin", "date", _l("Dernier jour de la phase."), True),
        ),
        _phases, ("id",), (("projet_id", "projets", "id"),),
    ),
    Dataset(
        "propositions", _l("Propositions"),
        _l("Les propositions publiées, avec leurs soutiens, leurs commentaires et la réponse "
           "officielle. Les propositions masquées, en attente d'approbation ou retirées n'y "
           "sont pas."),
        (
            _c("id", "integer", _l("Numéro de la proposition."), True),
            PROJECT_ID,
            _c("titre", "string", _l("Titre de la proposition."), True),
            _c("texte", "string", _l("Texte de la proposition, en Markdown."), True),
            _c("territoire_code", "string",
               _l("Code INSEE (commune) ou SIREN (intercommunalité) du territoire visé ; vide : "
                  "tout le territoire.")),
            _c("territoire", "string", _l("Nom du territoire visé.")),
            _c("etat", "string",
               _l("published (publiée) ou merged (fusionnée dans une autre proposition)."),
               True),
            _c("cree_le", "date", _l("Date de publication, à Brest."), True),
            _c("nb_soutiens", "integer", _l("Nombre de soutiens.")),
            _c("nb_commentaires", "integer", _l("Nombre de commentaires publiés.")),
            _c("nb_commentaires_pour", "integer", _l("Commentaires « pour ».")),
            _c("nb_commentaires_contre", "integer", _l("Commentaires « contre ».")),
            _c("nb_commentaires_neutre", "integer", _l("Commentaires « neutres ».")),
            _c("reponse_statut", "string",
               _l("Réponse officielle : accepted (acceptée), rejected (refusée), under_study "
                  "(à l'étude) ; vide : pas encore de réponse.")),
            _c("reponse_texte", "string", _l("Texte de la réponse officielle, en Markdown.")),
            _c("reponse_date", "date", _l("Date de la réponse officielle.")),
            _c("fusionnee_dans", "integer",
               _l("Numéro de la proposition dans laquelle elle a été fusionnée.")),
            _c("avec_mediateur", "boolean",
               _l("Vrai si elle a été déposée avec l'aide d'un·e médiateur·rice numérique.")),
            _c("atelier", "boolean",
               _l("Vrai si elle vient d'un atelier sur papier.")),
        ),
        _proposals, ("id",), (("projet_id", "projets", "id"),),
    ),
    Dataset(
        "commentaires", _l("Commentaires"),
        _l("Les commentaires publiés, sur les propositions publiées ou sur le projet lui-même."),
        (
            _c("id", "integer", _l("Numéro du commentaire."), True),
            _c("proposition_id", "integer",
               _l("Numéro de la proposition commentée ; vide : commentaire sur le projet.")),
            PROJECT_ID,
            _c("texte", "string", _l("Texte du commentaire, en Markdown."), True),
            _c("position", "string", _l("pour, contre ou neutre."), True),
            _c("parent_id", "integer",
               _l("Numéro du commentaire auquel il répond (il peut avoir été masqué).")),
            _c("cree_le", "date", _l("Date de publication, à Brest."), True),
        ),
        _comments, ("id",),
        (("proposition_id", "propositions", "id"), ("projet_id", "projets", "id")),
    ),
    Dataset(
        "soutiens-par-jour", _l("Soutiens par jour"),
        _l("Le nombre de soutiens reçus par chaque proposition, jour par jour (heure de Brest). "
           "Aucune donnée sur les personnes qui soutiennent."),
        (
            PROPOSAL_ID,
            PROJECT_ID,
            _c("jour", "date", _l("Jour, à Brest."), True),
            _c("nb_soutiens", "integer", _l("Soutiens donnés ce jour-là et toujours actifs."),
               True),
        ),
        _supports_per_day, ("proposition_id", "jour"),
        (("proposition_id", "propositions", "id"), ("projet_id", "projets", "id")),
    ),
    Dataset(
        "reponses-officielles", _l("Réponses officielles"),
        _l("Les réponses de la métropole aux propositions publiées."),
        (
            PROPOSAL_ID,
            PROJECT_ID,
            _c("statut", "string",
               _l("accepted (acceptée), rejected (refusée) ou under_study (à l'étude)."), True),
            _c("texte", "string", _l("Texte de la réponse, en Markdown.")),
            _c("date", "date", _l("Date de la réponse (ou de sa dernière modification).")),
        ),
        _answers, ("proposition_id",),
        (("proposition_id", "propositions", "id"), ("projet_id", "projets", "id")),
    ),
    Dataset(
        "engagements", _l("Engagements"),
        _l("Ce que la métropole s'est engagée à faire après les consultations, et où elle en "
           "est."),
        (
            _c("id", "integer", _l("Numéro de l'engagement."), True),
            PROJECT_ID,
            _c("titre", "string", _l("Titre de l'engagement."), True),
            _c("description", "string", _l("Description, en Markdown.")),
            _c("service", "string", _l("Service de la métropole qui en a la charge.")),
            _c("debut_prevu", "date", _l("Début prévu.")),
            _c("fin_prevue", "date", _l("Fin prévue.")),
            _c("statut", "string",
               _l("prevu (prévu), en_cours (en cours), realise (réalisé) ou abandonne "
                  "(abandonné)."), True),
            _c("avancement", "integer", _l("Avancement, en pourcentage."), True),
            _c("motif_abandon", "string", _l("Pourquoi il a été abandonné.")),
            _c("cree_le", "date", _l("Date de création.")),
            _c("mis_a_jour_le", "date", _l("Date de la dernière modification.")),
        ),
        _commitments, ("id",), (("projet_id", "projets", "id"),),
    ),
    Dataset(
        "engagements-propositions", _l("Propositions reprises par les engagements"),
        _l("Quelles propositions publiées chaque engagement reprend."),
        (
            _c("engagement_id", "integer", _l("Numéro de l'engagement (jeu « engagements »)."),
               True),
            PROPOSAL_ID,
        ),
        _commitment_links, ("engagement_id", "proposition_id"),
        (("engagement_id", "engagements", "id"), ("proposition_id", "propositions", "id")),
    ),
    Dataset(
        "engagements-etapes", _l("Étapes des engagements"),
        _l("L'historique de chaque engagement : chaque point d'étape publié."),
        (
            _c("id", "integer", _l("Numéro du point d'étape."), True),
            _c("engagement_id", "integer", _l("Numéro de l'engagement (jeu « engagements »)."),
               True),
            _c("date", "date", _l("Date du point d'étape."), True),
            _c("texte", "string", _l("Ce qui a été fait, en Markdown.")),
            _c("statut", "string", _l("Statut de l'engagement à cette date."), True),
            _c("avancement", "integer", _l("Avancement à cette date, en pourcentage."), True),
            _c("motif", "string", _l("Motif donné (abandon).")),
        ),
        _commitment_updates, ("id",), (("engagement_id", "engagements", "id"),),
    ),
    Dataset(
        "syntheses-chiffres", _l("Chiffres des synthèses"),
        _l("Les chiffres de chaque version publiée de la synthèse d'un projet, tels qu'ils "
           "étaient à sa publication."),
        (
            PROJECT_ID,
            _c("version", "integer", _l("Numéro de la version de la synthèse."), True),
            _c("publiee_le", "date", _l("Date de publication de la version."), True),
            _c("participants", "integer", _l("Personnes ayant participé.")),
            _c("propositions", "integer", _l("Propositions publiées.")),
            _c("commentaires", "integer", _l("Commentaires publiés.")),
            _c("soutiens", "integer", _l("Soutiens.")),
            _c("commentaires_pour", "integer", _l("Commentaires « pour ».")),
            _c("commentaires_contre", "integer", _l("Commentaires « contre ».")),
            _c("commentaires_neutres", "integer", _l("Commentaires « neutres ».")),
            _c("reponses", "integer", _l("Propositions ayant reçu une réponse officielle.")),
            _c("signalements", "integer", _l("Signalements reçus.")),
            _c("propositions_masquees", "integer", _l("Propositions masquées par la modération.")),
            _c("commentaires_masques", "integer", _l("Commentaires masqués par la modération.")),
            _c("propositions_fusionnees", "integer", _l("Propositions fusionnées.")),
            _c("propositions_retirees", "integer", _l("Propositions retirées par leur auteur.")),
        ),
        _synthesis_figures, ("projet_id", "version"), (("projet_id", "projets", "id"),),
    ),
    Dataset(
        "participation-territoires", _l("Participation par territoire"),
        _l("Pour chaque projet et chaque territoire : les participants qui y résident, pour "
           "1 000 habitants, et les propositions qui le visent."),
        (
            PROJECT_ID,
            _c("territoire_code", "string", _l("Code INSEE ou SIREN du territoire."), True),
            _c("territoire", "string", _l("Nom du territoire."), True),
            _c("type", "string", _l("commune ou intercommunalite."), True),
            _c("population", "integer", _l("Population municipale (INSEE).")),
            _c("participants", "integer",
               _l("Participants au projet ayant indiqué y résider."), True),
            _c("pour_mille_habitants", "number",
               _l("Participants pour 1 000 habitants ; vide si la population est inconnue.")),
            _c("propositions", "integer", _l("Propositions publiées visant ce territoire."),
               True),
        ),
        _participation, ("projet_id", "territoire_code"), (("projet_id", "projets", "id"),),
    ),
    Dataset(
        "debats-affirmations", _l("Affirmations des débats"),
        _l("Les affirmations publiées des débats par affirmations (carte des opinions)."),
        (
            _c("id", "integer", _l("Numéro de l'affirmation."), True),
            PROJECT_ID,
            _c("texte", "string", _l("Texte de l'affirmation."), True),
            _c("initiale", "boolean",
               _l("Vrai si elle a été écrite par les organisateurs du débat avant les "
                  "premières réponses.")),
            _c("cree_le", "date", _l("Date de création, à Brest.")),
        ),
        _statements, ("id",), (("projet_id", "projets", "id"),),
    ),
    Dataset(
        "debats-reponses", _l("Réponses aux débats"),
        _l("Les réponses aux affirmations publiées : une ligne par participant·e et "
           "affirmation. Les participant·es n'y sont connu·es que par un numéro propre à chaque "
           "débat, comme dans les données ouvertes de Pol.is ; aucun compte n'y figure."),
        (
            PROJECT_ID,
            _c("participant", "integer",
               _l("Numéro de la personne dans ce débat (le même pour toutes ses réponses à "
                  "ce débat, sans lien avec son compte)."), True),
            _c("affirmation_id", "integer",
               _l("Numéro de l'affirmation (jeu « debats-affirmations »)."), True),
            _c("valeur", "integer",
               _l("1 : d'accord ; -1 : pas d'accord ; 0 : je ne sais pas."), True),
        ),
        _debate_answers, ("projet_id", "participant", "affirmation_id"),
        (("projet_id", "projets", "id"), ("affirmation_id", "debats-affirmations", "id")),
    ),
)

BY_NAME = {dataset.name: dataset for dataset in DATASETS}

