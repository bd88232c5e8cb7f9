"""Large columns last in SQLite rows: a synthesis version's figures and annex, a document's
bytes.

SQLite stores a row's columns in order and reaches a column only by walking the ones before
it: with the annex (2 MB at 10,000 proposals) before `published_at` and `document_id`, reading
the latest version's date and PDF state walked the annex's overflow pages (3 ms instead of
0.006 ms on the benchmark's city), and a document's state came after its PDF's bytes. The
tables are rebuilt with those columns last. PostgreSQL keeps large values out of the row
(TOAST): nothing to do there.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 17:10:00

"""
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

VERSIONS = ('id', 'project_id', 'number', 'narrative', 'change_note', 'published_at',
            'published_by_id', 'document_id', 'notified_at', 'figures_json', 'annex_json')
DOCUMENTS = ('id', 'kind', 'filename', 'media_type', 'state', 'size', 'error', 'attempts',
             'build_seconds', 'requested_at', 'started_at', 'finished_at', 'content')
OLD_VERSIONS = ('id', 'project_id', 'number', 'narrative', 'change_note', 'figures_json',
                'annex_json', 'published_at', 'published_by_id', 'document_id', 'notified_at')
OLD_DOCUMENTS = ('id', 'kind', 'filename', 'media_type', 'state', 'content', 'size', 'error',
                 'attempts', 'build_seconds', 'requested_at', 'started_at', 'finished_at')


def _order(versions, documents):
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table('synthesis_versions', recreate='always',
                              partial_reordering=[versions]):
        pass
    with op.batch_alter_table('documents', recreate='always', partial_reordering=[documents]):
        pass


def upgrade():
    _order(VERSIONS, DOCUMENTS)


def downgrade():
    _order(OLD_VERSIONS, OLD_DOCUMENTS)
