"""Search of one or two characters by index: on PostgreSQL, the search_grams function, and the
registry's grams (a surname search) in a stored column with a GIN index; nothing on SQLite, which
keeps its LIKE scan.

Revision ID: bbaeba0aa702
Revises: f8e66412d40a
Create Date: 2026-12-07 02:05:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'bbaeba0aa702'
down_revision = 'f8e66412d40a'
branch_labels = None
depends_on = None

#: Each character and each pair of neighbouring characters of a text (as
#: core.search_indexes.SEARCH_GRAMS_FUNCTION at this revision).
SEARCH_GRAMS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION search_grams(document text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT string_to_array(document, NULL)
         || string_to_array(regexp_replace(document, '(..)', '\1 ', 'g'), ' ')
         || string_to_array(regexp_replace(substr(document, 2), '(..)', '\1 ', 'g'), ' ')
$$
"""

#: (table, columns joined by a space): as core.search_indexes.add_search_grams builds them.
GRAMS_COLUMNS = [
    ("craftsman_titles", ("name", "enterprise_name", "occupation")),
]


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if not _postgresql():
        return
    op.execute(SEARCH_GRAMS_FUNCTION)
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
    op.execute("DROP FUNCTION search_grams(text)")
