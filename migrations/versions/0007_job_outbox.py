"""The job outbox: every job asked for is recorded with the action, handed to Redis after the
commit, and kept to be sent again while Redis is away or after the job failed; and the people
already told of a publication, so that a notification job run again tells only the others.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 07:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('func', sa.String(length=200), nullable=False),
        sa.Column('args', sa.Text(), nullable=False),
        sa.Column('kwargs', sa.Text(), nullable=False),
        sa.Column('subject', sa.String(length=60), nullable=True),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('next_try_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'sent', 'failed')", name=op.f('ck_job_outbox_state')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job_outbox')),
    )
    with op.batch_alter_table('job_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_job_outbox_due', ['state', 'next_try_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_outbox_subject'), ['subject'], unique=False)
    op.create_table(
        'sent_notices',
        sa.Column('key', sa.String(length=60), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_sent_notices_user_id_users'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('key', 'user_id', name=op.f('pk_sent_notices')),
    )


def downgrade():
    op.drop_table('sent_notices')
    with op.batch_alter_table('job_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_outbox_subject'))
        batch_op.drop_index('ix_job_outbox_due')
    op.drop_table('job_outbox')
