"""Participation charter: when each person accepted it.

Nullable: accounts that exist when this runs never saw the charter, and stay None until they
accept it.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-02 17:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('charter_accepted_at', sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('charter_accepted_at')
