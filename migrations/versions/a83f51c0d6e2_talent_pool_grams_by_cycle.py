"""The talent pool's grams index keyed by cycle as well, for short searches cycle by cycle

Revision ID: a83f51c0d6e2
Revises: 7c3e5d2a9b14
Create Date: 2026-12-07 13:10:00.000000

PostgreSQL only (the grams column exists there only): ``btree_gin`` lets the GIN index hold the
cycle beside the grams, and the new index replaces the grams-only one, which it answers too.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a83f51c0d6e2'
down_revision = '7c3e5d2a9b14'
branch_labels = None
depends_on = None

POOL_STATES = "('named', 'not_proposed', 'proposed', 'qualified', 'revoked', 'withdrawn')"


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if not _postgresql():
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.execute("CREATE INDEX ix_nominations_pool_grams ON nominations USING gin (cycle_id, search_grams)"
               f" WHERE state IN {POOL_STATES}")
    op.execute("DROP INDEX ix_nominations_search_grams")


def downgrade():
    if not _postgresql():
        return
    op.execute("CREATE INDEX ix_nominations_search_grams ON nominations USING gin (search_grams)"
               f" WHERE state IN {POOL_STATES}")
    op.execute("DROP INDEX ix_nominations_pool_grams")
