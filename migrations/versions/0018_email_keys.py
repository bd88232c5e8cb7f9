"""Email keys: an address and its look-alikes are one account.

users.email_key holds the address as compared (consultation/accounts/emails.py: NFKC, case
folding, the dotted capital I as "i", the domain in IDNA form), unique. Existing accounts get
theirs here; when several share one, the oldest account keeps it and the others are left
without a key: nothing is merged behind anyone's back. They still log in with their exact
address; this migration names them in its log, and `flask users email-collisions` lists them
for an administrator to settle with the people concerned.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 08:00:00

"""
import logging

import sqlalchemy as sa
from alembic import op

from consultation.accounts.emails import email_key

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.migration.0018')


def upgrade():
    op.add_column('users', sa.Column('email_key', sa.String(length=254), nullable=True))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('email', sa.String),
                     sa.column('email_key', sa.String), sa.column('created_at', sa.DateTime))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(users.c.id, users.c.email)
        .where(users.c.email.is_not(None))
        .order_by(users.c.created_at, users.c.id)
    ).all()
    holders: dict[str, tuple[int, str]] = {}
    collisions: list[tuple[int, str, int, str]] = []
    for user_id, email in rows:
        key = email_key(email)
        if key in holders:
            collisions.append((user_id, email, *holders[key]))
            continue
        holders[key] = (user_id, email)
        connection.execute(users.update().where(users.c.id == user_id).values(email_key=key))
    op.create_index(op.f('ix_users_email_key'), 'users', ['email_key'], unique=True)
    if collisions:
        log.warning(
            "%d compte(s) laissé(s) sans clé d'adresse : leur adresse est une variante de celle "
            "d'un compte plus ancien. Ils se connectent toujours avec leur adresse exacte ; "
            "`flask users email-collisions` les liste.", len(collisions))
        for user_id, email, holder_id, holder_email in collisions:
            log.warning("compte n° %s <%s> : même adresse que le compte n° %s <%s>",
                        user_id, email, holder_id, holder_email)


def downgrade():
    op.drop_index(op.f('ix_users_email_key'), table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_key')
