"""Opinion map: debates by statements, their participants, answers and analysis; features
added to a phase as data (`phases.added_features`).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 16:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('phases', sa.Column('added_features', sa.String(length=200),
                                      server_default=sa.text("''"), nullable=False))
    op.create_table(
        'debates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('question', sa.String(length=300), nullable=False),
        sa.Column('premoderation', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('answers_count', sa.Integer(), server_default='0', nullable=False),
        sa.Column('participants_count', sa.Integer(), server_default='0', nullable=False),
        sa.Column('next_number', sa.Integer(), server_default='1', nullable=False),
        sa.Column('version', sa.Integer(), server_default='0', nullable=False),
        sa.Column('analysis_due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('answers_count >= 0 AND participants_count >= 0',
                           name=op.f('ck_debates_counts_positive')),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_debates_project_id_projects'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_debates')),
        sa.UniqueConstraint('project_id', name=op.f('uq_debates_project_id')),
    )
    op.create_table(
        'debate_statements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('debate_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.String(length=140), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('is_seed', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('external_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('moderated_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'published', 'rejected')",
                           name=op.f('ck_debate_statements_state')),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'],
                                name=op.f('fk_debate_statements_author_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['debate_id'], ['debates.id'],
                                name=op.f('fk_debate_statements_debate_id_debates'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_debate_statements')),
        sa.UniqueConstraint('debate_id', 'external_id',
                            name=op.f('uq_debate_statements_debate_id_external_id')),
    )
    op.create_index('ix_debate_statements_debate_state', 'debate_statements',
                    ['debate_id', 'state'], unique=False)
    op.create_index(op.f('ix_debate_statements_author_id'), 'debate_statements', ['author_id'],
                    unique=False)
    op.create_table(
        'debate_participants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('debate_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('label', sa.String(length=120), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("source IN ('online', 'paper', 'polis')",
                           name=op.f('ck_debate_participants_source')),
        sa.ForeignKeyConstraint(['debate_id'], ['debates.id'],
                                name=op.f('fk_debate_participants_debate_id_debates'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_debate_participants_recorded_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_debate_participants_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_debate_participants')),
        sa.UniqueConstraint('debate_id', 'number',
                            name=op.f('uq_debate_participants_debate_id_number')),
        sa.UniqueConstraint('debate_id', 'user_id',
                            name=op.f('uq_debate_participants_debate_id_user_id')),
    )
    op.create_index(op.f('ix_debate_participants_user_id'), 'debate_participants', ['user_id'],
                    unique=False)
    op.create_table(
        'debate_answers',
        sa.Column('participant_id', sa.Integer(), nullable=False),
        sa.Column('statement_id', sa.Integer(), nullable=False),
        sa.Column('value', sa.SmallInteger(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('value IN (1, -1, 0)', name=op.f('ck_debate_answers_value')),
        sa.ForeignKeyConstraint(['participant_id'], ['debate_participants.id'],
                                name=op.f('fk_debate_answers_participant_id_debate_participants'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_debate_answers_recorded_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['statement_id'], ['debate_statements.id'],
                                name=op.f('fk_debate_answers_statement_id_debate_statements'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('participant_id', 'statement_id',
                                name=op.f('pk_debate_answers')),
    )
    op.create_index('ix_debate_answers_statement', 'debate_answers', ['statement_id'],
                    unique=False)
    op.create_table(
        'debate_analyses',
        sa.Column('debate_id', sa.Integer(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answers_count', sa.Integer(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['debate_id'], ['debates.id'],
                                name=op.f('fk_debate_analyses_debate_id_debates'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('debate_id', name=op.f('pk_debate_analyses')),
    )


def downgrade():
    op.drop_table('debate_analyses')
    op.drop_index('ix_debate_answers_statement', table_name='debate_answers')
    op.drop_table('debate_answers')
    op.drop_index(op.f('ix_debate_participants_user_id'), table_name='debate_participants')
    op.drop_table('debate_participants')
    op.drop_index(op.f('ix_debate_statements_author_id'), table_name='debate_statements')
    op.drop_index('ix_debate_statements_debate_state', table_name='debate_statements')
    op.drop_table('debate_statements')
    op.drop_table('debates')
    with op.batch_alter_table('phases', schema=None) as batch_op:
        batch_op.drop_column('added_features')
