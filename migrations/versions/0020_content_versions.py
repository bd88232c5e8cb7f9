"""Content versions: what the shared fragments of a page are keyed on.

`projects.version` moves with every change shown on the project's pages (its proposals,
comments, supports, phases, synthesis...); `proposals.version` with every change of the
proposal and of its debate (not its supports). Pages rendered once and reused across people
(consultation/core/fragments.py) are keyed on them, so a write makes them new in every worker.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('projects', 'proposals'):
        op.add_column(table, sa.Column('version', sa.Integer(), nullable=False,
                                       server_default='0'))


def downgrade():
    for table in ('proposals', 'projects'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
