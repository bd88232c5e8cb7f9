"""Acting tokens: "Arrêter" ends a mediator's acting session on the server.

The acting session lives in the signed session cookie; its random token is also kept on the
participant's profile, and cleared when the mediator stops, so a copy of the cookie taken
before no longer acts for the person. Acting sessions running at upgrade time have no token
and end: the mediator starts again with « Agir pour ».

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 08:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('assisted_profiles',
                  sa.Column('acting_token', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('assisted_profiles', schema=None) as batch_op:
        batch_op.drop_column('acting_token')
