"""Indexes that keep list pages fast on a large PostgreSQL database.

Substring search (``name LIKE '%王%'``) cannot use a B-tree. On PostgreSQL a trigram GIN index
(``pg_trgm``, which splits Chinese text into trigrams as well) answers it; SQLite has no such
index and keeps scanning, which is fine at the sizes an embedded database holds. Trigram indexes
are therefore created on PostgreSQL only: by the migrations, and by ``create_all`` (tests,
benchmarks) through :func:`trigram_index`'s dialect condition.

Trigrams need three characters, but Chinese names have two or three and a surname search has
one. For such short searches a table keeps, on PostgreSQL, a stored column of each row's single
characters and character pairs (``search_grams``, a small SQL function) with a GIN index:
"contains 王" is then "has the gram 王", an index look-up, and a row read in list order is
checked without recomputing anything. :func:`contains_text` picks what fits the query's length.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql

#: Marks (in ``Index.info``) an index with a descending column, which SQLite reflects as
#: ascending: schema comparisons leave it to the migration.
DESCENDING = "descending"

#: Every trigram index's name ends with this, so that schema comparisons can recognise them.
TRIGRAM_SUFFIX = "_trgm"
#: And every index of a grams column with this.
GRAMS_SUFFIX = "_grams"
#: Searches up to this many characters are answered by the grams index, longer by trigrams.
SHORT_SEARCH = 2

#: The grams of a text: each character (the first line) and each pair of neighbouring characters,
#: those starting at odd positions (the second) and at even ones (the third), split at spaces so
#: that columns joined by a space yield no pair across the join. Empty strings, spaces and
#: repeats come along; no search asks for them. Built-in functions only, so it is cheap, but it
#: is computed once per change of a row, not per read.
SEARCH_GRAMS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION search_grams(document text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT string_to_array(document, NULL)
         || string_to_array(regexp_replace(document, '(..)', '\1 ', 'g'), ' ')
         || string_to_array(regexp_replace(substr(document, 2), '(..)', '\1 ', 'g'), ' ')
$$
"""


def trigram_index(name: str, column: str) -> sa.Index:
    """A GIN trigram index on ``column``, created on PostgreSQL only."""
    assert name.endswith(TRIGRAM_SUFFIX), name
    return sa.Index(name, column, postgresql_using="gin",
                    postgresql_ops={column: "gin_trgm_ops"}).ddl_if(dialect="postgresql")


#: The stored column of a table's grams (PostgreSQL only, computed by the database).
GRAMS_COLUMN = "search_grams"


def add_search_grams(table: sa.Table, *columns: str) -> None:
    """Give ``table`` on PostgreSQL a stored column of the grams of ``columns`` (joined by a
    space) and a GIN index on it, when ``create_all`` builds the table; the migrations do the
    same. The column is the database's own: the model does not map it, and a row's grams are
    recomputed whenever one of ``columns`` changes."""
    document = " || ' ' || ".join(columns)
    for statement in (
            f"ALTER TABLE {table.name} ADD COLUMN {GRAMS_COLUMN} text[] "
            f"GENERATED ALWAYS AS (search_grams({document})) STORED",
            f"CREATE INDEX ix_{table.name}_{GRAMS_COLUMN} ON {table.name} USING gin ({GRAMS_COLUMN})"):
        event.listen(table, "after_create", sa.DDL(statement).execute_if(dialect="postgresql"))


def contains_text(text: str, *columns, dialect: str):
    """Rows where one of ``columns`` contains ``text``: on PostgreSQL a text of one or two
    characters is looked up among the table's grams (see :func:`add_search_grams`, which must
    have been given these columns), a longer one through the columns' trigram indexes;
    elsewhere a plain ``LIKE``."""
    if is_grams_search(text, dialect):
        return has_gram(columns[0].table, text)
    return sa.or_(*(column.contains(text, autoescape=True) for column in columns))


def has_gram(table: sa.Table, gram: str):
    """Rows of ``table`` (which has a grams column) among whose grams is ``gram``."""
    grams = sa.literal_column(f"{table.name}.{GRAMS_COLUMN}", postgresql.ARRAY(sa.Text))
    return grams.bool_op("@>")(sa.cast(postgresql.array([gram]), postgresql.ARRAY(sa.Text)))


def is_grams_search(text: str, dialect: str) -> bool:
    """Whether :func:`contains_text` answers ``text`` from the grams index."""
    return dialect == "postgresql" and 0 < len(text) <= SHORT_SEARCH


def matches_first(query: sa.Select, order) -> sa.Select:
    """``query`` (of one table, its conditions on that table's columns) ordered by ``order``
    (columns of the table, possibly ``desc()``, ending with its unique id), whose pages are
    found among its matches (see :data:`core.pagination.PAGE_KEYS`).

    A list ordered by an index is normally read along that index, each row checked against the
    search, until a page is full. For a search of one or two characters that walk is as long as
    the distance to the page's matches: a surname that sorts late (王) has thousands of rows
    before it. Here a page's keys are taken from the grams index first (a bitmap, held apart by
    a materialised CTE so that the planner cannot turn it back into the walk) and only the
    matches' keys are sorted, with the page's limit: the work grows with the number of matches,
    never with their place in the list. The page's rows are then read by id. The matches are
    counted as they are sorted (a window over the CTE), so the page's total costs no second
    reading of them.
    """
    from core.pagination import PAGE_KEYS

    columns = [getattr(o, "element", o) for o in order]
    conditions = [] if query.whereclause is None else [query.whereclause]
    matches = (sa.select(*columns).where(*conditions).cte("matches")
               .prefix_with("MATERIALIZED", dialect="postgresql"))
    keys = sa.select(matches.c[columns[-1].key], sa.func.count().over()).order_by(*(
        matches.c[c.key] if o is c else matches.c[c.key].desc()
        for o, c in zip(order, columns, strict=True)))

    def page_keys(limit: int, offset: int) -> sa.Select:
        return keys.limit(limit).offset(offset)

    return query.order_by(*order).execution_options(**{PAGE_KEYS: page_keys})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: a trigram index the database lacks is expected off PostgreSQL, as are
    the grams columns and their indexes that only PostgreSQL has, and an index with a descending
    column is compared by its migration only."""
    if type_ == "column":
        return not (name == GRAMS_COLUMN and compare_to is None)
    if type_ != "index":
        return True
    if name and name.endswith((TRIGRAM_SUFFIX, GRAMS_SUFFIX)) and compare_to is None:
        return False
    model_index = compare_to if reflected else obj
    return not (model_index is not None and model_index.info.get(DESCENDING))


def install_trigram_extension(metadata: sa.MetaData) -> None:
    """Have ``create_all`` enable ``pg_trgm`` and define ``search_grams`` on PostgreSQL before it
    builds the indexes."""
    event.listen(metadata, "before_create",
                 sa.DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))
    event.listen(metadata, "before_create",
                 sa.DDL(SEARCH_GRAMS_FUNCTION).execute_if(dialect="postgresql"))
