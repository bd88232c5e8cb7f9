"""Random order by index: every proposal draws a shuffle key once; an index per list order.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 00:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('shuffle_key', sa.Integer(), server_default='0', nullable=False)
        )
    # Existing proposals draw their key now (new ones draw it in Python, on insert).
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("UPDATE proposals SET shuffle_key = abs(random() % 2147483647)")
    else:
        op.execute("UPDATE proposals SET shuffle_key = floor(random() * 2147483647)::integer")
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.alter_column('shuffle_key', server_default=None)
        batch_op.create_index(
            'ix_proposals_project_shuffle',
            ['project_id', 'status', 'moderation', 'shuffle_key', 'id'], unique=False,
        )


def downgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_proposals_project_shuffle')
        batch_op.drop_column('shuffle_key')
