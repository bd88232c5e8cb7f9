"""Projects are drafts until an admin publishes them: projects.published_at.

The projects already there were public: they are published as of their creation.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 17:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_projects_published_at'), ['published_at'],
                              unique=False)
    # Every project made before drafts existed was public from its creation.
    op.execute("UPDATE projects SET published_at = created_at WHERE published_at IS NULL")


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_published_at'))
        batch_op.drop_column('published_at')
