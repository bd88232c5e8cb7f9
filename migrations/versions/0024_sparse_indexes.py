"""Indexes of a column most rows leave empty hold only the rows that have it: a comment's
parent, thread and workshop; a follow's project or proposal (its two unique keys included);
a proposal's merge, answer and workshop.

Every index of a table gets an entry for each row written, NULL or not: a top-level comment
wrote pages of the three reply and workshop indexes, a follow of a proposal wrote the
project's unique key and index, and on PostgreSQL a proposal's counter UPDATE, which moves a
sort index and so is not a HOT update, wrote an entry in every index of the row. A partial
index (`WHERE column IS NOT NULL`) is skipped by such a row, and is used as before by every
query that asks `column = value` or `column IN (...)`, foreign keys' cascades included.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 16:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

# (table, index, columns, the column that must be set)
SPARSE = (
    ('comments', 'ix_comments_parent_id', ['parent_id'], 'parent_id'),
    ('comments', 'ix_comments_root_id', ['root_id'], 'root_id'),
    ('comments', 'ix_comments_workshop_id', ['workshop_id'], 'workshop_id'),
    ('follows', 'ix_follows_project_id', ['project_id'], 'project_id'),
    ('follows', 'ix_follows_proposal_id', ['proposal_id'], 'proposal_id'),
    ('proposals', 'ix_proposals_merged_into_id', ['merged_into_id'], 'merged_into_id'),
    ('proposals', 'ix_proposals_answer_status', ['answer_status'], 'answer_status'),
    ('proposals', 'ix_proposals_workshop_id', ['workshop_id'], 'workshop_id'),
)
UNIQUE = (
    ('uq_follows_user_project', ['user_id', 'project_id'], 'project_id'),
    ('uq_follows_user_proposal', ['user_id', 'proposal_id'], 'proposal_id'),
)


def _where(column):
    present = sa.text(f'{column} IS NOT NULL')
    return {'sqlite_where': present, 'postgresql_where': present}


def upgrade():
    for table, name, columns, column in SPARSE:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, **_where(column))
    # SQLite keeps a table's UNIQUE constraints in the table itself: batch mode rebuilds it.
    with op.batch_alter_table('follows') as batch_op:
        for name, _columns, _column in UNIQUE:
            batch_op.drop_constraint(name, type_='unique')
    for name, columns, column in UNIQUE:
        op.create_index(name, 'follows', columns, unique=True, **_where(column))


def downgrade():
    for name, _columns, _column in UNIQUE:
        op.drop_index(name, table_name='follows')
    with op.batch_alter_table('follows') as batch_op:
        for name, columns, _column in UNIQUE:
            batch_op.create_unique_constraint(name, columns)
    for table, name, columns, _column in SPARSE:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)
