"""The talent pool's short search by index (PostgreSQL): each nomination's grams of its
worker's name, its enterprise's name and its occupation's name.

A pool entry's searchable names live in three other tables, so no generated column can hold
them and no index over a join answers "a nominee, enterprise or occupation containing 王".
PostgreSQL keeps a plain ``search_grams`` column on ``nominations`` (see
:mod:`core.search_indexes`) up to date with triggers instead: a nomination's grams are computed
when it is inserted or moves to another worker, enterprise or occupation, and recomputed for
every nomination of a worker, enterprise or occupation that is renamed. A GIN index on the
pool's nominations, by cycle and grams, then answers the search; SQLite keeps its LIKE scan
over the joined names.
"""

from __future__ import annotations

import sqlalchemy as sa

#: The statements that create the functions and triggers, in order (after the tables).
STATEMENTS = [
    """
CREATE OR REPLACE FUNCTION nomination_search_grams(worker integer, enterprise integer,
                                                   occupation integer) RETURNS text[]
LANGUAGE sql STABLE AS $$
  SELECT search_grams(concat_ws(' ', (SELECT name FROM workers WHERE id = worker),
                                     (SELECT name FROM enterprises WHERE id = enterprise),
                                     (SELECT name FROM cycle_occupations WHERE id = occupation)))
$$
""",
    """
CREATE OR REPLACE FUNCTION nominations_search_grams_of_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_grams := nomination_search_grams(NEW.worker_id, NEW.enterprise_id, NEW.occupation_id);
  RETURN NEW;
END
$$
""",
    """
CREATE OR REPLACE FUNCTION nominations_search_grams_of_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'workers' THEN
    UPDATE nominations SET search_grams = nomination_search_grams(worker_id, enterprise_id, occupation_id)
     WHERE worker_id = NEW.id;
  ELSIF TG_TABLE_NAME = 'enterprises' THEN
    UPDATE nominations SET search_grams = nomination_search_grams(worker_id, enterprise_id, occupation_id)
     WHERE enterprise_id = NEW.id;
  ELSE
    UPDATE nominations SET search_grams = nomination_search_grams(worker_id, enterprise_id, occupation_id)
     WHERE occupation_id = NEW.id;
  END IF;
  RETURN NULL;
END
$$
""",
    "CREATE TRIGGER nominations_search_grams BEFORE INSERT OR UPDATE OF worker_id, enterprise_id,"
    " occupation_id ON nominations FOR EACH ROW EXECUTE FUNCTION nominations_search_grams_of_row()",
    *(f"CREATE TRIGGER {table}_nominations_search_grams AFTER UPDATE OF name ON {table} FOR EACH ROW"
      " WHEN (OLD.name IS DISTINCT FROM NEW.name)"
      " EXECUTE FUNCTION nominations_search_grams_of_renamed()"
      for table in ("workers", "enterprises", "cycle_occupations")),
]

#: The column and its index, which holds the talent pool only: the pool's state condition is
#: then the index's own, not a second bitmap of most of the table to intersect with.
COLUMN = "ALTER TABLE nominations ADD COLUMN search_grams text[]"
#: The index also keys each entry by its cycle (``btree_gin`` lets a GIN index hold a plain
#: column): the pool lists the newest cycle first, so a page of a short search is found among
#: the matches of one cycle or a few, each an index look-up, instead of among all the matches
#: of the whole pool, each read from the table to be sorted (see ``craftsmen.queries``).
EXTENSION = "CREATE EXTENSION IF NOT EXISTS btree_gin"
INDEX = "ix_nominations_pool_grams"


def index_statement() -> str:
    from craftsmen.states import TALENT_POOL_STATE_VALUES  # (which needs the models)

    states = ", ".join(f"'{state}'" for state in TALENT_POOL_STATE_VALUES)
    return (f"CREATE INDEX {INDEX} ON nominations USING gin (cycle_id, search_grams)"
            f" WHERE state IN ({states})")


def install(metadata: sa.MetaData, nominations: sa.Table) -> None:
    """Have ``create_all`` build the column, its index and the triggers on PostgreSQL."""
    sa.event.listen(metadata, "before_create", sa.DDL(EXTENSION).execute_if(dialect="postgresql"))
    sa.event.listen(nominations, "after_create", sa.DDL(COLUMN).execute_if(dialect="postgresql"))

    @sa.event.listens_for(nominations, "after_create")
    def _index(_table, connection, **_kw):  # the states are known once the models are
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(index_statement())
    for statement in STATEMENTS:
        sa.event.listen(metadata, "after_create", sa.DDL(statement).execute_if(dialect="postgresql"))
