"""Full-text search: the search_entries table and each database's own index of it.

PostgreSQL: the unaccent extension, a `fr_unaccent` text search configuration (french with
unaccent before the stemmer), a stored generated tsvector `document` (title weighted A, text B)
and its GIN index. SQLite: an FTS5 table `search_fts` over search_entries (external content,
diacritics removed; the words arrive already stemmed), kept by three triggers.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 12:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

SQLITE_FTS = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(index_title, index_body,
       content='search_entries', content_rowid='id',
       tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN
       INSERT INTO search_fts(rowid, index_title, index_body)
       VALUES (new.id, new.index_title, new.index_body); END""",
    """CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN
       INSERT INTO search_fts(search_fts, rowid, index_title, index_body)
       VALUES ('delete', old.id, old.index_title, old.index_body); END""",
    """CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN
       INSERT INTO search_fts(search_fts, rowid, index_title, index_body)
       VALUES ('delete', old.id, old.index_title, old.index_body);
       INSERT INTO search_fts(rowid, index_title, index_body)
       VALUES (new.id, new.index_title, new.index_body); END""",
]

POSTGRES_BEFORE = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS fr_unaccent",
    "CREATE TEXT SEARCH CONFIGURATION fr_unaccent (COPY = french)",
    """ALTER TEXT SEARCH CONFIGURATION fr_unaccent
       ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem""",
]
POSTGRES_AFTER = [
    """ALTER TABLE search_entries ADD COLUMN document tsvector GENERATED ALWAYS AS (
       setweight(to_tsvector('fr_unaccent'::regconfig, coalesce(index_title, '')), 'A')
       || setweight(to_tsvector('fr_unaccent'::regconfig, coalesce(index_body, '')), 'B')
       ) STORED""",
    "CREATE INDEX ix_search_entries_document ON search_entries USING gin (document)",
]


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in POSTGRES_BEFORE:
            op.execute(statement)
    op.create_table('search_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('territory_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('index_title', sa.Text(), nullable=False),
    sa.Column('index_body', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('project', 'proposal', 'comment', 'synthesis', 'commitment')", name=op.f('ck_search_entries_kind')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_search_entries_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entries'))
    )
    op.create_index('ix_search_entries_object', 'search_entries', ['kind', 'object_id'], unique=True)
    op.create_index('ix_search_entries_proposal', 'search_entries', ['proposal_id'], unique=False)
    op.create_index('ix_search_entries_project', 'search_entries', ['project_id', 'kind'], unique=False)
    statements = POSTGRES_AFTER if dialect == "postgresql" else SQLITE_FTS
    for statement in statements:
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("search_entries_ai", "search_entries_ad", "search_entries_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_index('ix_search_entries_project', table_name='search_entries')
    op.drop_index('ix_search_entries_proposal', table_name='search_entries')
    op.drop_index('ix_search_entries_object', table_name='search_entries')
    op.drop_table('search_entries')
    if dialect == "postgresql":
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS fr_unaccent")
        # unaccent stays: other databases' objects may use it, and it holds no data.
