"""Territories get their population, for participation per 1,000 inhabitants.

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-01 07:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Frozen copy of consultation/reference/data.py's POPULATIONS when this revision was written:
# INSEE, populations légales 2021 (population municipale), in force on 1 January 2024; the
# intercommunalities rounded to the hundred.
POPULATIONS = {
    "29019": 139619,
    "29011": 3615,
    "29061": 6347,
    "29069": 8170,
    "29075": 15460,
    "29235": 11791,
    "29189": 13445,
    "29212": 13473,
    "cc-abers": 41800,
    "cc-iroise": 50000,
    "cc-landerneau": 49300,
    "cc-crozon": 23300,
    "cc-landivisiau": 33400,
    "cc-pleyben": 22900,
}


def upgrade():
    with op.batch_alter_table('territories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('population', sa.Integer(), nullable=True))
    territories = sa.table(
        'territories', sa.column('code', sa.String), sa.column('population', sa.Integer)
    )
    for code, population in POPULATIONS.items():
        op.execute(
            territories.update()
            .where(territories.c.code == code)
            .values(population=population)
        )


def downgrade():
    with op.batch_alter_table('territories', schema=None) as batch_op:
        batch_op.drop_column('population')
