"""Counters kept by the database: triggers move a project's and a proposal's counters (and the
versions their shared fragments are keyed on) for each row that adds, removes, hides, shows,
restances or moves a proposal, comment, support or participant.

Until now a receiver of each signal sent one UPDATE per counted row after the change: two
more statements on every comment and support, built, sent and read by the worker. A trigger
runs the same `n = n + delta` inside the database, in the same transaction and under the same
row lock, so concurrent writers still never lose a change; and it follows the rows themselves
(counted: a comment not deleted and visible, a proposal published and visible), whatever code
writes them.

What each trigger moves:
- comments: the project's comments_count and version; the proposal's comments_count, the count
  of its stance, its version, and first_reaction_at (unless set) when one starts to count (the
  comment's created_at, or its moderated_at when moderation shows it: the times the
  application wrote, from its own clock);
- supports: the project's supports_count and version; the proposal's supports_count, and
  first_reaction_at (unless set: the support's created_at) when one is given (its debate's
  version stays: supports are read live); a support moved by a merge moves from one
  proposal's count to the other's;
- proposals: the project's proposals_count and version, when one starts or stops counting;
- project_participants: the project's participants_count and version.

On PostgreSQL the triggers are deferred to the commit (constraint triggers, INITIALLY
DEFERRED): the project's row, which every support and comment of a project updates, is then
locked from the commit's start to its end, as when the worker sent its UPDATE with the COMMIT,
not from the INSERT on, across the request's remaining work and round trips, during which the
other requests of the project would wait for it. Within the transaction the counters are
those of its start until the commit (`SET CONSTRAINTS ALL IMMEDIATE` moves them at once).
SQLite runs a trigger with its statement; its one writer holds the whole database until the
commit anyway.

A migration that rebuilds one of these tables in SQLite's batch mode drops its triggers: it
must create them again (tests/test_migrations.py checks that they are all there at the head).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 19:30:00

"""
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

# Only where a row has no time of its own. SQLite stores a time as SQLAlchemy does:
# 'YYYY-MM-DD HH:MM:SS.ffffff', UTC.
_SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'"
_POSTGRESQL_NOW = "statement_timestamp()"


def _comment_counted(row):
    return f"({row}.deleted_at IS NULL AND {row}.moderation = 'visible')"


def _proposal_counted(row):
    return f"({row}.status = 'published' AND {row}.moderation = 'visible')"


def _stances(new, old, flag):
    """The per-stance deltas: `flag(row, stance)` is 1 when the row counts for that stance."""
    return ", ".join(
        f"comments_{s} = comments_{s} + {flag(new, s)} - {flag(old, s)}"
        for s in ('pour', 'contre', 'neutre'))


# (name, table, timing and event, condition on the row, body): the body's statements are the
# same SQL on both databases but for booleans, which SQLite adds as 0 and 1 and PostgreSQL
# casts. Every body locks the project before the proposal, as the requests always did.
def _triggers(now, as_int):
    new_c, old_c = as_int(_comment_counted('NEW')), as_int(_comment_counted('OLD'))
    new_p, old_p = as_int(_proposal_counted('NEW')), as_int(_proposal_counted('OLD'))

    def counted_stance(row, stance):
        return as_int(f"({_comment_counted(row)} AND {row}.stance = '{stance}')")

    def inserted_stance(row, stance):
        return as_int(f"({row}.stance = '{stance}')") if row == 'NEW' else '0'

    return [
        ('comments_count_insert', 'comments', 'AFTER INSERT', _comment_counted('NEW'), [
            "UPDATE projects SET comments_count = comments_count + 1, version = version + 1 "
            "WHERE id = NEW.project_id",
            "UPDATE proposals SET comments_count = comments_count + 1, "
            f"{_stances('NEW', 'OLD', inserted_stance)}, "
            f"first_reaction_at = coalesce(first_reaction_at, NEW.created_at, {now}), "
            "version = version + 1 WHERE id = NEW.proposal_id",
        ]),
        ('comments_count_update', 'comments', 'AFTER UPDATE OF deleted_at, moderation, stance',
         f"{new_c} <> {old_c} OR ({new_c} = 1 AND NEW.stance <> OLD.stance)", [
             f"UPDATE projects SET comments_count = comments_count + {new_c} - {old_c}, "
             f"version = version + 1 WHERE id = NEW.project_id AND {new_c} <> {old_c}",
             f"UPDATE proposals SET comments_count = comments_count + {new_c} - {old_c}, "
             f"{_stances('NEW', 'OLD', counted_stance)}, "
             f"first_reaction_at = CASE WHEN {new_c} > {old_c} "
             f"THEN coalesce(first_reaction_at, NEW.moderated_at, {now}) "
             "ELSE first_reaction_at END, "
             "version = version + 1 WHERE id = NEW.proposal_id",
         ]),
        ('supports_count_insert', 'supports', 'AFTER INSERT', None, [
            "UPDATE projects SET supports_count = supports_count + 1, version = version + 1 "
            "WHERE id = NEW.project_id",
            "UPDATE proposals SET supports_count = supports_count + 1, "
            f"first_reaction_at = coalesce(first_reaction_at, NEW.created_at, {now}) "
            "WHERE id = NEW.proposal_id",
        ]),
        ('supports_count_delete', 'supports', 'AFTER DELETE', None, [
            "UPDATE projects SET supports_count = supports_count - 1, version = version + 1 "
            "WHERE id = OLD.project_id",
            "UPDATE proposals SET supports_count = supports_count - 1 WHERE id = OLD.proposal_id",
        ]),
        ('supports_count_move', 'supports', 'AFTER UPDATE OF proposal_id, project_id',
         "NEW.proposal_id <> OLD.proposal_id OR NEW.project_id <> OLD.project_id", [
             "UPDATE projects SET supports_count = supports_count - 1, version = version + 1 "
             "WHERE id = OLD.project_id AND OLD.project_id <> NEW.project_id",
             "UPDATE projects SET supports_count = supports_count + 1, version = version + 1 "
             "WHERE id = NEW.project_id AND OLD.project_id <> NEW.project_id",
             "UPDATE proposals SET supports_count = supports_count - 1 "
             "WHERE id = OLD.proposal_id AND OLD.proposal_id <> NEW.proposal_id",
             "UPDATE proposals SET supports_count = supports_count + 1 "
             "WHERE id = NEW.proposal_id AND OLD.proposal_id <> NEW.proposal_id",
         ]),
        ('proposals_count_insert', 'proposals', 'AFTER INSERT', _proposal_counted('NEW'), [
            "UPDATE projects SET proposals_count = proposals_count + 1, version = version + 1 "
            "WHERE id = NEW.project_id",
        ]),
        ('proposals_count_update', 'proposals', 'AFTER UPDATE OF status, moderation',
         f"{new_p} <> {old_p}", [
             f"UPDATE projects SET proposals_count = proposals_count + {new_p} - {old_p}, "
             "version = version + 1 WHERE id = NEW.project_id",
         ]),
        ('project_participants_count_insert', 'project_participants', 'AFTER INSERT', None, [
            "UPDATE projects SET participants_count = participants_count + 1, "
            "version = version + 1 WHERE id = NEW.project_id",
        ]),
    ]


def _sqlite():
    for name, table, when, condition, body in _triggers(_SQLITE_NOW, lambda b: b):
        guard = f" WHEN {condition}" if condition else ""
        statements = "".join(f" {statement};" for statement in body)
        yield f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW{guard} BEGIN{statements} END"


def _postgresql():
    for name, table, when, condition, body in _triggers(_POSTGRESQL_NOW,
                                                        lambda b: f"{b}::int"):
        statements = "".join(f" {statement};" for statement in body)
        yield (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
               f"$$ BEGIN{statements} RETURN NULL; END $$")
        guard = f" WHEN ({condition})" if condition else ""
        yield (f"CREATE CONSTRAINT TRIGGER {name} {when} ON {table} "
               f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW{guard} EXECUTE FUNCTION {name}()")


def names():
    """The triggers this revision makes, by table (tests/test_migrations.py)."""
    return {(name, table) for name, table, *_ in _triggers('', lambda b: b)}


def upgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in (_postgresql() if postgresql else _sqlite()):
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for name, table in sorted(names()):
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
