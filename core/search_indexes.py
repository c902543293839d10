"""Indexes that keep list pages fast on a large PostgreSQL database.

Substring search (``name LIKE '%王%'``) cannot use a B-tree. On PostgreSQL a trigram GIN index
(``pg_trgm``, which splits Chinese text into trigrams as well) answers it; SQLite has no such
index and keeps scanning, which is fine at the sizes an embedded database holds. Trigram indexes
are therefore created on PostgreSQL only: by the migrations, and by ``create_all`` (tests,
benchmarks) through :func:`trigram_index`'s dialect condition.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event

#: Marks (in ``Index.info``) an index with a descending column, which SQLite reflects as
#: ascending: schema comparisons leave it to the migration.
DESCENDING = "descending"

#: Every trigram index's name ends with this, so that schema comparisons can recognise them.
TRIGRAM_SUFFIX = "_trgm"


def trigram_index(name: str, column: str) -> sa.Index:
    """A GIN trigram index on ``column``, created on PostgreSQL only."""
    assert name.endswith(TRIGRAM_SUFFIX), name
    return sa.Index(name, column, postgresql_using="gin",
                    postgresql_ops={column: "gin_trgm_ops"}).ddl_if(dialect="postgresql")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: a trigram index the database lacks is expected off PostgreSQL, and an
    index with a descending column is compared by its migration only."""
    if type_ != "index":
        return True
    if name and name.endswith(TRIGRAM_SUFFIX) and compare_to is None:
        return False
    model_index = compare_to if reflected else obj
    return not (model_index is not None and model_index.info.get(DESCENDING))


def install_trigram_extension(metadata: sa.MetaData) -> None:
    """Have ``create_all`` enable ``pg_trgm`` on PostgreSQL before it builds the indexes."""
    event.listen(metadata, "before_create",
                 sa.DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))
