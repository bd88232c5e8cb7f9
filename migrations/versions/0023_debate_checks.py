"""What the debate's services check, held by the database too: a statement is 1 to 140
characters; a participant has an account exactly when it answered online; a paper sheet has
its label.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 19:10:00

"""
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('debate_statements', schema=None) as batch_op:
        batch_op.create_check_constraint('text_length', 'length(text) BETWEEN 1 AND 140')
    with op.batch_alter_table('debate_participants', schema=None) as batch_op:
        batch_op.create_check_constraint('account', "(source = 'online') = (user_id IS NOT NULL)")
        batch_op.create_check_constraint('sheet_label', "source <> 'paper' OR label IS NOT NULL")


def downgrade():
    with op.batch_alter_table('debate_participants', schema=None) as batch_op:
        batch_op.drop_constraint('sheet_label', type_='check')
        batch_op.drop_constraint('account', type_='check')
    with op.batch_alter_table('debate_statements', schema=None) as batch_op:
        batch_op.drop_constraint('text_length', type_='check')
