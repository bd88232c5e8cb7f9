"""Automatic follows made by the database: whoever proposes, comments on or supports something
follows it (unless they turned automatic follows off), by a trigger of the row's INSERT.

Until now a receiver of each signal sent an INSERT ... SELECT into follows after the row: one
more statement on every comment and support, built, sent and read by the worker. The trigger
runs the same INSERT inside the database, in the same statement as the row it follows from,
and follows the rows themselves, whatever code writes them:
- a proposal: its author follows it;
- a comment (or a reply): its author follows its proposal, or its project when it is one of
  the project's own debate;
- a support: the supporter follows the proposal (a support already there inserts nothing,
  so nothing fires).
Nobody follows the same thing twice: the INSERT skips a follow that exists (on PostgreSQL
also `ON CONFLICT DO NOTHING`, for two transactions of the same person at once); a person
whose settings say no automatic follow is left alone.

The triggers are not deferred on PostgreSQL (unlike the counters' of 0025): a follow locks
no row another request waits for.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 23:45:00

"""
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def _follow(user, column, target, when):
    """The INSERT of `user`'s follow of `target` (by `column`: project_id or proposal_id),
    when `when` holds, unless it exists or the person turned automatic follows off."""
    project = target if column == 'project_id' else 'NULL'
    proposal = target if column == 'proposal_id' else 'NULL'
    return (
        "INSERT INTO follows (user_id, project_id, proposal_id, created_at) "
        f"SELECT {user}, {project}, {proposal}, NEW.created_at WHERE {when} "
        "AND NOT EXISTS (SELECT 1 FROM notification_settings "
        f"WHERE user_id = {user} AND NOT auto_follow) "
        f"AND NOT EXISTS (SELECT 1 FROM follows WHERE user_id = {user} AND {column} = {target})"
    )


# (name, table, body): one SQL for both databases.
_TRIGGERS = [
    ('follows_on_proposal', 'proposals', [
        _follow('NEW.author_id', 'proposal_id', 'NEW.id', 'TRUE'),
    ]),
    ('follows_on_comment', 'comments', [
        _follow('NEW.author_id', 'proposal_id', 'NEW.proposal_id', 'NEW.proposal_id IS NOT NULL'),
        _follow('NEW.author_id', 'project_id', 'NEW.project_id', 'NEW.proposal_id IS NULL'),
    ]),
    ('follows_on_support', 'supports', [
        _follow('NEW.user_id', 'proposal_id', 'NEW.proposal_id', 'TRUE'),
    ]),
]


def _sqlite():
    for name, table, body in _TRIGGERS:
        statements = "".join(f" {statement};" for statement in body)
        yield f"CREATE TRIGGER {name} AFTER INSERT ON {table} FOR EACH ROW BEGIN{statements} END"


def _postgresql():
    for name, table, body in _TRIGGERS:
        statements = "".join(f" {statement} ON CONFLICT DO NOTHING;" for statement in body)
        yield (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
               f"$$ BEGIN{statements} RETURN NULL; END $$")
        yield (f"CREATE TRIGGER {name} AFTER INSERT ON {table} "
               f"FOR EACH ROW EXECUTE FUNCTION {name}()")


def names():
    """The triggers this revision makes, by table (tests/test_migrations.py)."""
    return {(name, table) for name, table, _body in _TRIGGERS}


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
