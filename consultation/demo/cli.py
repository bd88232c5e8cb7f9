"""`flask demo load`: fill the database with the demo content (consultation/demo/content/).

The demo ends with two published versions of a synthesis and a published edition of the
Rencontres: their PDFs are built by jobs after the commit (inline without Redis).

Everything goes through the domain services, so every counter stays exact. Only what no
service sets is written directly: timestamps (spread over each consultation period, so that
"newest" sorting and weekly figures mean something) and official answers. Supports are drawn
with random.Random(2026): every load gives the same figures. Loading twice changes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from consultation.accounts import services as accounts
from consultation.accounts.models import User
from consultation.comments.models import Comment
from consultation.comments.services import add_comment
from consultation.core import jobs
from consultation.core.audit import AuditEntry
from consultation.core.models import PARIS, as_utc, today, utcnow
from consultation.demo import data
from consultation.extensions import db
from consultation.followup import services as followup
from consultation.followup.models import CommitmentUpdate
from consultation.mediation import services as mediation
from consultation.moderation import services as moderation
from consultation.notifications import services as notifications
from consultation.notifications.models import Notification
from consultation.opinions import jobs as opinion_jobs
from consultation.opinions.models import (
    Answer,
    Debate,
    DebateParticipant,
    ParticipantSource,
    Statement,
    StatementState,
)
from consultation.projects.models import Project
from consultation.projects.services import ProjectData, create_project, publish_project
from consultation.proposals.models import Proposal
from consultation.proposals.services import create_proposal, give_answer, withdraw_proposal
from consultation.reference.models import Orientation, Territory
from consultation.rencontres import services as rencontres
from consultation.syntheses import services as syntheses
from consultation.votes.models import Support
from consultation.votes.services import add_support

SEED = 2026
ALREADY_LOADED = "Données de démonstration déjà chargées."

Account = tuple[str, str, str]  # (role label, email, password)


class DemoError(Exception):
    """The database is not ready for the demo (reference rows missing)."""


def is_loaded() -> bool:
    """True when the demo admin account exists already."""
    return accounts.find_by_email(data.STAFF[0]["email"]) is not None


def demo_accounts() -> list[Account]:
    """The accounts to show, one per role, with their password."""
    return [(staff["label"], staff["email"], data.PASSWORD) for staff in data.STAFF]


def read_older_notifications(user_id: int) -> None:
    """Mark the older half of someone's notifications read (the demo citizen's: she has read
    and unread ones)."""
    ids = list(db.session.scalars(
        select(Notification.id).where(Notification.user_id == user_id).order_by(Notification.id)
    ))
    older = ids[: len(ids) // 2]
    if older:
        db.session.execute(update(Notification).where(Notification.id.in_(older))
                           .values(read_at=utcnow()))
    db.session.commit()


def load_demo() -> list[Account]:
    """Load the demo content unless it is there already; flush, never commit."""
    if not is_loaded():
        _Loader().run()
    return demo_accounts()


def _moment(day: date, hour: int) -> datetime:
    """A timezone-aware UTC datetime at this hour of a day in Brest."""
    return datetime.combine(day, time(hour), tzinfo=PARIS).astimezone(UTC)


# The hours of a day in Brest when people write and staff work (from 8:00 to 21:59).
DAY_STARTS, DAY_ENDS = 8, 21


def _daytime(moment: datetime, limit: datetime) -> datetime:
    """The moment, moved out of the night into the nearest waking hour that is not after
    `limit`: on to the next morning, or back to the evening before when the morning is past
    the limit."""
    local = moment.astimezone(PARIS)
    if DAY_STARTS <= local.hour <= DAY_ENDS:
        return moment
    if local.hour > DAY_ENDS:
        morning = (local + timedelta(days=1)).replace(hour=DAY_STARTS)
        evening = local.replace(hour=DAY_ENDS)
    else:
        morning = local.replace(hour=DAY_STARTS)
        evening = (local - timedelta(days=1)).replace(hour=DAY_ENDS)
    chosen = morning if morning.astimezone(UTC) <= limit else evening
    return chosen.astimezone(UTC)


@contextmanager
def _dated(moment: datetime) -> Iterator[None]:
    """Date the journal entries the services write inside the block: the demo's acts happened
    at their demo moment, not while it loads (an entry is never changed once written, so its
    time is set before its INSERT)."""
    session = db.session()

    def stamp(flushing: Session, _context: Any, _instances: Any) -> None:
        for obj in flushing.new:
            if isinstance(obj, AuditEntry) and obj.created_at is None:
                obj.created_at = moment

    event.listen(session, "before_flush", stamp)
    try:
        yield
        session.flush()
    finally:
        event.remove(session, "before_flush", stamp)


def _stamp(obj: Any, moment: datetime) -> None:
    """Date an object created by a service (both timestamps, so that it looks unedited)."""
    obj.created_at = moment
    obj.updated_at = moment


class _Loader:
    """One run of the demo loader: the people, then each project with its contributions."""

    def __init__(self) -> None:
        """Look up the reference rows and fix the clock of the run."""
        self.rng = random.Random(SEED)
        self.today = today()
        self.now = datetime.now(UTC)
        self.territories = {t.name: t for t in db.session.scalars(select(Territory))}
        self.orientations = {o.slug: o for o in db.session.scalars(select(Orientation))}
        if not self.territories or not self.orientations:
            raise DemoError(
                "Territoires et orientations absents : appliquez d'abord les migrations "
                "(flask db upgrade)."
            )
        self.users: dict[str, User] = {}
        self.project_ids: list[int] = []
        self.proposal_ids: list[int] = []

    def territory(self, name: str | None) -> Territory | None:
        """A territory by name (None stays None); an unknown name is an error in the content."""
        if name is None:
            return None
        if name not in self.territories:
            raise DemoError(f"Territoire inconnu : {name}")
        return self.territories[name]

    def day(self, offset: int) -> date:
        """The date this many days from today."""
        return self.today + timedelta(days=offset)

    def run(self) -> None:
        """Create the accounts, then every project with its proposals, comments and supports."""
        self.create_people()
        for spec in data.PROJECTS:
            self.create_project(spec)
        self.mediate()
        self.moderate()
        self.follow()
        self.restore_updated_at()
        self.write_syntheses()
        self.follow_up()
        self.debate()
        # After the fan-out jobs the commit asks for: the demo citizen has read some.
        jobs.enqueue(read_older_notifications, self.users["citoyenne"].id)

    def debate(self) -> None:
        """The Wi-Fi project's debate by statements: the organisers' statements, answered by
        the citizens online and by the paper sheets of a workshop a mediator entered, following
        planted opinion groups; its map is computed after the commit."""
        spec = data.DEBATE
        project = db.session.scalars(select(Project).where(Project.title == spec["project"])).one()
        consultation = next(p for p in project.phases if p.kind == "consultation")
        consultation.added_features = "opinions"
        opens = _moment(consultation.starts_on, 9)
        debate = Debate(project_id=project.id, question=spec["question"], created_at=opens)
        db.session.add(debate)
        db.session.flush()
        statements = []
        for text in spec["statements"]:
            statement = Statement(debate_id=debate.id, text=text, is_seed=True,
                                  state=StatementState.PUBLISHED, author_id=self.users["admin"].id,
                                  created_at=opens, moderated_at=opens)
            db.session.add(statement)
            statements.append(statement)
        db.session.flush()
        mediator = self.users["mediation"]
        workshop = _moment(self.day(spec["workshop_day"]), 15)
        online = self.contributors()
        groups = spec["groups"]
        answers = 0
        for index in range(spec["participants"]):
            number = index + 1
            person = online[index] if index < len(online) else None
            participant = DebateParticipant(
                debate_id=debate.id, number=number, user_id=person.id if person else None,
                source=ParticipantSource.ONLINE if person else ParticipantSource.PAPER,
                label=None if person else f"{spec['workshop']}, fiche {number - len(online)}",
                recorded_by_id=None if person else mediator.id,
                created_at=workshop if person is None else _daytime(
                    opens + (self.now - opens) * self.rng.uniform(0.05, 0.9), self.now),
            )
            db.session.add(participant)
            db.session.flush()
            group = self.rng.choices(groups, weights=[g["share"] for g in groups])[0]
            for position, statement in enumerate(statements):
                if self.rng.random() < 0.12:
                    continue  # not seen
                value = self.planted_answer(position, group, spec["consensus"])
                db.session.add(Answer(
                    participant_id=participant.id, statement_id=statement.id, value=value,
                    recorded_by_id=participant.recorded_by_id,
                    answered_at=participant.created_at + timedelta(seconds=20 * position),
                ))
                answers += 1
        debate.participants_count = spec["participants"]
        debate.answers_count = answers
        debate.next_number = spec["participants"] + 1
        debate.analysis_due_at = self.now
        db.session.flush()
        jobs.enqueue(opinion_jobs.analyse_debate, debate.id)

    def planted_answer(self, position: int, group: dict[str, Any], consensus: list[int]) -> int:
        """An answer that follows the group's profile most of the time."""
        draw = self.rng.random()
        if position in consensus:
            return 1 if draw < 0.85 else 0
        if position in group["agree"]:
            return 1 if draw < 0.8 else (0 if draw < 0.92 else -1)
        if position in group["disagree"]:
            return -1 if draw < 0.8 else (0 if draw < 0.92 else 1)
        return 1 if draw < 0.35 else (-1 if draw < 0.7 else 0)

    def follow(self) -> None:
        """The demo citizen follows the open data project (she already follows what she
        proposed, commented on and supported), so its synthesis reaches her."""
        project = db.session.scalars(select(Project).where(Project.title == data.OPEN_DATA)).one()
        notifications.follow(self.users["citoyenne"], project=project)

    def moderate(self) -> None:
        """Merge a duplicate, hide spam and block its author, hold a comment, leave a report."""
        spec = data.MODERATION
        moderator = self.users["moderation"]
        project = db.session.scalars(select(Project).where(Project.title == spec["project"])).one()

        def proposal_titled(title: str) -> Proposal:
            return db.session.scalars(
                select(Proposal).where(Proposal.project_id == project.id, Proposal.title == title)
            ).one()

        # Over the last days of the consultation, in daytime: each act after what it judges.
        dup = spec["duplicate"]
        posted = _moment(self.day(-8), 18)
        duplicate = create_proposal(self.users[dup["author"]], project, dup["title"], dup["body"],
                                    None)
        _stamp(duplicate, posted)
        self.proposal_ids.append(duplicate.id)
        for key in dup["supporters"]:
            add_support(self.users[key], duplicate)
            db.session.execute(
                update(Support)
                .where(Support.user_id == self.users[key].id,
                       Support.proposal_id == duplicate.id)
                .values(created_at=posted + timedelta(hours=1))
            )
        with _dated(_moment(self.day(-7), 10)):
            moderation.merge(moderator, duplicate, proposal_titled(dup["into"]), dup["reason"])

        spam_spec = spec["spam"]
        spammer = self.users[spam_spec["author"]]
        spam = create_proposal(spammer, project, spam_spec["title"], spam_spec["body"], None)
        _stamp(spam, _moment(self.day(-6), 20))
        self.proposal_ids.append(spam.id)
        for key in spam_spec["reporters"]:
            moderation.report(self.users[key], "proposal", spam, "spam", "")
        with _dated(_moment(self.day(-5), 9)):
            moderation.hide(moderator, "proposal", spam, spam_spec["hide_reason"])
        with _dated(_moment(self.day(-5), 9) + timedelta(minutes=6)):
            moderation.block_user(moderator, spammer, spam_spec["block_reason"],
                                  spam_spec["block_days"])

        held = spec["held_comment"]
        comment = add_comment(self.users[held["author"]], project, held["stance"], held["body"])
        _stamp(comment, _moment(self.day(-4), 17))
        # The third report holds the comment: the platform's act, that evening.
        with _dated(_moment(self.day(-4), 20)):
            for key in held["reporters"]:
                moderation.report(self.users[key], "comment", comment, held["reason"], "")

        pending = spec["open_report"]
        moderation.report(self.users[pending["reporter"]], "proposal",
                          proposal_titled(pending["proposal"]), pending["reason"],
                          pending["details"])

    def mediate(self) -> None:
        """Register two assisted participants, contribute for them through the demo mediator,
        and enter a paper workshop with three contributions."""
        spec = data.MEDIATION
        mediator = self.users["mediation"]
        project = db.session.scalars(select(Project).where(Project.title == spec["project"])).one()

        def proposal_titled(title: str) -> Proposal:
            return db.session.scalars(
                select(Proposal).where(Proposal.project_id == project.id, Proposal.title == title)
            ).one()

        people: dict[str, User] = {}
        for person in spec["assisted"]:
            with _dated(_moment(self.day(person["consented"]), 10)):
                profile = mediation.register_participant(
                    mediator, person["name"], self.territory(person["commune"]),
                    person["age"], person["reference"], self.day(person["consented"]),
                )
            _stamp(profile.user, _moment(self.day(person["consented"]), 10))
            profile.created_at = profile.user.created_at
            people[person["key"]] = profile.user
        for item in spec["proposals"]:
            with _dated(_moment(self.day(item["day"]), 11)):
                proposal = create_proposal(people[item["author"]], project, item["title"],
                                           item["body"], None, mediator=mediator)
            _stamp(proposal, _moment(self.day(item["day"]), 11))
            self.proposal_ids.append(proposal.id)
        limit = self.now - timedelta(hours=1)
        for author, title, stance, body in spec["comments"]:
            proposal = proposal_titled(title)
            # At the mediator's desk, and after the proposal it answers.
            moment = _daytime(max(_moment(self.day(-10), 15),
                                  as_utc(proposal.created_at) + timedelta(hours=3)), limit)
            with _dated(moment):
                comment = add_comment(people[author], project, stance, body,
                                      proposal=proposal, mediator=mediator)
            _stamp(comment, moment)
        for author, title in spec["supports"]:
            proposal = proposal_titled(title)
            moment = _daytime(max(_moment(self.day(-10), 16),
                                  as_utc(proposal.created_at) + timedelta(hours=4)), limit)
            with _dated(moment):
                add_support(people[author], proposal, mediator=mediator)
            db.session.execute(
                update(Support)
                .where(Support.user_id == people[author].id, Support.proposal_id == proposal.id)
                .values(created_at=moment)
            )
        workshop = spec["workshop"]
        held_on = self.day(workshop["held"])
        rows = [
            mediation.WorkshopRow(
                index=index, kind=row["kind"], project_id=project.id,
                proposal_id=proposal_titled(row["proposal"]).id if "proposal" in row else None,
                title=row.get("title", ""), body=row["body"], stance=row.get("stance"),
                author_id=people[row["author"]].id if row["author"] else None,
            )
            for index, row in enumerate(workshop["rows"])
        ]
        moment = _moment(held_on + timedelta(days=1), 9)
        with _dated(moment):
            entered = mediation.enter_workshop(mediator, workshop["place"], held_on, rows)
        entered.created_at = moment
        for model in (Proposal, Comment):
            for item in db.session.scalars(select(model).where(model.workshop_id == entered.id)):
                _stamp(item, moment)
                if isinstance(item, Proposal):
                    self.proposal_ids.append(item.id)
        db.session.flush()

    def write_syntheses(self) -> None:
        """Publish the demo syntheses (their PDFs build after the commit), start a draft, and
        publish this year's edition of the Rencontres with its dossier."""
        moderator = self.users["moderation"]

        def project_titled(title: str) -> Project:
            return db.session.scalars(select(Project).where(Project.title == title)).one()

        versions = []
        for spec in data.SYNTHESES:
            # The version, its figures and its journal entry carry its day of publication.
            published = _moment(self.day(spec["published"]), 11)
            with _dated(published):
                version = syntheses.publish(
                    project_titled(spec["project"]), moderator, spec["narrative"],
                    spec["change_note"], at=published,
                )
            versions.append(version)
        draft = data.SYNTHESIS_DRAFT
        syntheses.save_draft(project_titled(draft["project"]), moderator, draft["narrative"], "")
        spec = data.EDITION
        with _dated(_moment(self.day(-9), 14)):
            edition = rencontres.save(
                None, self.users["admin"], year=self.today.year, title=spec["title"],
                held_on=self.day(spec["held_in"]), venue=spec["venue"],
                programme=spec["programme"], version_ids=[versions[-1].id],
            )
        announced = _moment(self.day(-7), 10)
        edition.published_at = announced
        with _dated(announced):
            rencontres.publish(edition, self.users["admin"])
        db.session.flush()

    def follow_up(self) -> None:
        """Publish the follow-up project's commitments and their timelines, dated in the past
        (after the syntheses: their frozen figures predate the commitments)."""
        spec = data.FOLLOW_UP
        admin = self.users["admin"]
        project = db.session.scalars(select(Project).where(Project.title == spec["project"])).one()
        titles = {p.title: p.id for p in db.session.scalars(
            select(Proposal).where(Proposal.project_id == project.id))}
        for item in spec["commitments"]:
            first, *rest = item["updates"]
            with _dated(_moment(self.day(first["day"]), 10)):
                made = followup.create_commitment(
                    admin, project,
                    followup.CommitmentData(
                        title=item["title"], description=item["description"],
                        service=item["service"], starts_on=self.day(item["starts"]),
                        ends_on=self.day(item["ends"]),
                        proposal_ids=[titles[title] for title in item["proposals"]],
                    ),
                    status=first["status"], progress=first["progress"],
                    reason=first.get("reason", ""), text=first["text"],
                )
            _stamp(made, _moment(self.day(first["day"]), 10))
            for step in rest:
                with _dated(_moment(self.day(step["day"]), 10)):
                    followup.add_update(admin, made, step["text"], step["status"],
                                        step["progress"], step.get("reason", ""))
            recorded = db.session.scalars(
                select(CommitmentUpdate).where(CommitmentUpdate.commitment_id == made.id)
                .order_by(CommitmentUpdate.id))
            for step, update_ in zip(item["updates"], recorded, strict=True):
                update_.happened_on = self.day(step["day"])
                update_.created_at = _moment(self.day(step["day"]), 10)
            made.updated_at = _moment(self.day(item["updates"][-1]["day"]), 10)
        db.session.flush()

    def restore_updated_at(self) -> None:
        """Date the demo rows' last change back to their demo dates (they are made today)."""
        db.session.execute(
            update(Proposal)
            .where(Proposal.id.in_(self.proposal_ids))
            .values(
                updated_at=func.coalesce(
                    Proposal.answered_at, Proposal.withdrawn_at, Proposal.created_at
                )
            )
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(Project)
            .where(Project.id.in_(self.project_ids))
            .values(updated_at=Project.created_at)
            .execution_options(synchronize_session=False)
        )

    def create_people(self) -> None:
        """Register staff and citizens through the account service, dated well in the past."""
        for staff in data.STAFF:
            # Demo accounts are confirmed, as if their links had been used when they signed up.
            user = accounts.register(
                staff["email"], staff["name"], data.PASSWORD, self.territory(staff["commune"]),
                confirmed=True,
            )
            for role in staff["roles"]:
                user.grant(role)
            _stamp(user, _moment(self.day(-420), 10))
            user.email_confirmed_at = user.created_at
            self.users[staff["key"]] = user
        for key, email, name, commune in data.CITIZENS:
            user = accounts.register(email, name, data.PASSWORD, self.territory(commune),
                                     confirmed=True)
            _stamp(user, _moment(self.day(-self.rng.randint(310, 400)), self.rng.randint(8, 21)))
            user.email_confirmed_at = user.created_at
            self.users[key] = user
        db.session.flush()

    def contributors(self) -> list[User]:
        """The citizens who write and support content (not the staff accounts)."""
        return [self.users["citoyenne"], *(self.users[c[0]] for c in data.CITIZENS)]

    def create_project(self, spec: dict[str, Any]) -> None:
        """Create one project, then its comments, proposals, supports, answers, withdrawals."""
        phases = {
            kind: (self.day(start), self.day(end)) for kind, (start, end) in spec["phases"].items()
        }
        information = _moment(phases["information"][0], 9)
        with _dated(information):
            project = create_project(
                self.users["admin"],
                ProjectData(
                    title=spec["title"],
                    summary=spec["summary"],
                    plain_summary=spec["plain_summary"],
                    body=spec["body"],
                    orientation_id=self.orientations[spec["orientation"]].id,
                    territory_ids=[t.id for t in map(self.territory, spec["territories"]) if t],
                    support_limit=spec["support_limit"],
                    phases=phases,
                ),
            )
        _stamp(project, information)
        # Prepared as a draft, published the same morning: every demo project is public.
        published = information + timedelta(hours=1)
        with _dated(published):
            publish_project(self.users["admin"], project)
        project.published_at = published
        self.project_ids.append(project.id)
        opens = _moment(phases["consultation"][0], 9)
        closes = min(_moment(phases["consultation"][1], 21), self.now - timedelta(hours=1))
        if closes <= opens:
            return  # consultation not open yet: nothing to contribute
        self.add_thread(project, None, spec["comments"], opens + timedelta(hours=3), closes)

        proposals: list[tuple[Proposal, dict[str, Any]]] = []
        count = len(spec["proposals"])
        for index, item in enumerate(spec["proposals"]):
            moment = _daytime(
                opens + (closes - opens) * 0.75 * (index + self.rng.random()) / count, closes)
            proposal = create_proposal(
                self.users[item["author"]],
                project,
                item["title"],
                item["body"],
                self.territory(item.get("territory")),
            )
            _stamp(proposal, moment)
            last = self.add_thread(project, proposal, item.get("comments", []), moment, closes)
            proposals.append((proposal, item))
            self.proposal_ids.append(proposal.id)
            if item.get("withdrawn"):
                withdraw_proposal(proposal.author, proposal)
                proposal.withdrawn_at = _daytime(min(last + timedelta(hours=2), closes), closes)

        self.add_supports(project, proposals, closes)
        synthesis_starts = phases["synthesis"][0]
        for proposal, item in proposals:
            if "answer" in item:
                status, body, after = item["answer"]
                answered = _daytime(
                    min(_moment(synthesis_starts + timedelta(days=after), 11), self.now),
                    self.now)
                # Through the service: the author and followers are notified.
                with _dated(answered):
                    give_answer(self.users["admin"], proposal, status, body)
                proposal.answered_at = answered
        db.session.flush()

    def add_thread(
        self,
        project: Project,
        proposal: Proposal | None,
        comments: list[tuple[Any, ...]],
        after: datetime,
        closes: datetime,
        parent: Comment | None = None,
    ) -> datetime:
        """Add comments and their replies in order, each a little later; the last moment."""
        cursor = after
        for author, stance, body, *rest in comments:
            previous = cursor
            cursor = _daytime(cursor + (closes - cursor) * self.rng.uniform(0.02, 0.15), closes)
            # Never before what it answers (the evening before can be, near the limit).
            cursor = max(cursor, previous + timedelta(minutes=7))
            comment = add_comment(
                self.users[author], project, stance, body, proposal=proposal, parent=parent
            )
            _stamp(comment, cursor)
            if rest:
                cursor = self.add_thread(project, proposal, rest[0], cursor, closes, comment)
        return cursor

    def add_supports(
        self,
        project: Project,
        proposals: list[tuple[Proposal, dict[str, Any]]],
        closes: datetime,
    ) -> None:
        """Citizens support proposals by popularity, within the project's support limit."""
        open_ones = [(p, item) for p, item in proposals if not item.get("withdrawn")]
        limit = project.support_limit
        for user in self.contributors():
            candidates = [(p, item) for p, item in open_ones if p.author_id != user.id]
            if limit is None:
                chosen = [
                    p
                    for p, item in candidates
                    if self.rng.random() < 0.08 + 0.8 * item.get("popularity", 0.4)
                ]
            else:
                # The demo citizen keeps two supports free to try the limit out.
                if user is self.users["citoyenne"]:
                    budget = self.rng.randint(0, max(limit - 2, 0))
                else:
                    budget = self.rng.randint(1, limit)
                chosen = self.weighted_sample(candidates, budget)
            for proposal in chosen:
                if add_support(user, proposal):
                    moment = proposal.created_at + (closes - proposal.created_at) * (
                        self.rng.uniform(0.05, 0.95)
                    )
                    db.session.execute(
                        update(Support)
                        .where(Support.user_id == user.id, Support.proposal_id == proposal.id)
                        .values(created_at=moment)
                    )

    def weighted_sample(
        self, candidates: list[tuple[Proposal, dict[str, Any]]], count: int
    ) -> list[Proposal]:
        """Up to count distinct proposals, drawn with probability growing with popularity."""
        pool = list(candidates)
        chosen: list[Proposal] = []
        while pool and len(chosen) < count:
            weights = [0.05 + item.get("popularity", 0.4) for _p, item in pool]
            index = self.rng.choices(range(len(pool)), weights=weights)[0]
            chosen.append(pool.pop(index)[0])
        return chosen


def loaded_counts() -> dict[str, int]:
    """Figures of what the database holds, for the summary line."""

    def count(model: Any) -> int:
        """Rows of one table."""
        return db.session.scalar(select(func.count()).select_from(model)) or 0

    return {
        "projets": count(Project),
        "propositions": count(Proposal),
        "commentaires": count(Comment),
        "soutiens": count(Support),
        "comptes": count(User),
    }


def echo_accounts(rows: list[Account]) -> None:
    """Print the demo accounts as a small table."""
    width = max(len(label) for label, _email, _password in rows)
    email_width = max(len(email) for _label, email, _password in rows)
    click.echo("Comptes de démonstration :")
    click.echo(f"  {'Rôle'.ljust(width)}  {'Adresse'.ljust(email_width)}  Mot de passe")
    for label, email, password in rows:
        click.echo(f"  {label.ljust(width)}  {email.ljust(email_width)}  {password}")
    click.echo(
        f"  (et {len(data.CITIZENS)} autres comptes citoyens, par exemple "
        f"{data.CITIZENS[0][1]}, avec le même mot de passe)"
    )


@click.group("demo", help="Données de démonstration.")
def demo_cli() -> None:
    """Demo data commands."""


@demo_cli.command("load", help="Charger les données de démonstration (une seule fois).")
@with_appcontext
def load() -> None:
    """Load the demo content, or say it is there already; print the accounts either way."""
    if is_loaded():
        click.echo(ALREADY_LOADED)
        echo_accounts(demo_accounts())
        return
    try:
        rows = load_demo()
    except DemoError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    # The PDFs of the demo syntheses and dossier: built now without Redis, queued with it.
    jobs.dispatch_committed()
    counts = loaded_counts()
    click.echo(
        "Données de démonstration chargées : "
        + ", ".join(f"{n} {name}" for name, n in counts.items())
        + "."
    )
    echo_accounts(rows)
