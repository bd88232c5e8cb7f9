"""Email confirmation: when an account's email was confirmed, and whether it must be.

Every account that exists when this runs is marked confirmed (at the migration's time) and not
required to confirm: only accounts registered from now on wait for their link.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 09:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column('confirmation_required', sa.Boolean(), server_default=sa.false(),
                      nullable=False)
        )
    users = sa.table('users', sa.column('email', sa.String),
                     sa.column('email_confirmed_at', sa.DateTime(timezone=True)))
    op.execute(
        users.update()
        .where(users.c.email.is_not(None))
        .values(email_confirmed_at=sa.func.current_timestamp())
    )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('confirmation_required')
        batch_op.drop_column('email_confirmed_at')
