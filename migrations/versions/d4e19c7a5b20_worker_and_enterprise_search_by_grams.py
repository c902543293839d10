"""Worker and enterprise search of one or two characters by index: on PostgreSQL, the workers'
grams (name and occupation) and the enterprises' (name) in stored columns with GIN indexes, as
the registry's; nothing on SQLite, which keeps its LIKE scan.

Revision ID: d4e19c7a5b20
Revises: c66a27cbb873
Create Date: 2026-12-07 05:10:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4e19c7a5b20'
down_revision = 'c66a27cbb873'
branch_labels = None
depends_on = None

#: (table, columns joined by a space): as core.search_indexes.add_search_grams builds them.
GRAMS_COLUMNS = [
    ("workers", ("name", "occupation")),
    ("enterprises", ("name",)),
]


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if not _postgresql():
        return
    for table, columns in GRAMS_COLUMNS:
        document = " || ' ' || ".join(columns)
        op.execute(f"ALTER TABLE {table} ADD COLUMN search_grams text[] "
                   f"GENERATED ALWAYS AS (search_grams({document})) STORED")
        op.execute(f"CREATE INDEX ix_{table}_search_grams ON {table} USING gin (search_grams)")


def downgrade():
    if not _postgresql():
        return
    for table, _columns in reversed(GRAMS_COLUMNS):
        op.execute(f"ALTER TABLE {table} DROP COLUMN search_grams")  # and its index
