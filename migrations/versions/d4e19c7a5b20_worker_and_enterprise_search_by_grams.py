"""Worker, enterprise and talent-pool search of one or two characters by index: on PostgreSQL,
the workers' grams (name and occupation) and the enterprises' (name) in stored columns with GIN
indexes, as the registry's, and the nominations' grams of their worker's, enterprise's and
occupation's names in a column kept by triggers, indexed for the talent pool's states (see
craftsmen.pool_search); nothing on SQLite, which keeps its LIKE scan.

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


#: The nominations' grams: as craftsmen.pool_search at this revision.
NOMINATION_GRAMS = [
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
    'CREATE TRIGGER nominations_search_grams BEFORE INSERT OR UPDATE OF worker_id, enterprise_id, occupation_id ON nominations FOR EACH ROW EXECUTE FUNCTION nominations_search_grams_of_row()',
    'CREATE TRIGGER workers_nominations_search_grams AFTER UPDATE OF name ON workers FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION nominations_search_grams_of_renamed()',
    'CREATE TRIGGER enterprises_nominations_search_grams AFTER UPDATE OF name ON enterprises FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION nominations_search_grams_of_renamed()',
    'CREATE TRIGGER cycle_occupations_nominations_search_grams AFTER UPDATE OF name ON cycle_occupations FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION nominations_search_grams_of_renamed()',
]
NOMINATION_TRIGGERS = [("nominations_search_grams", "nominations")] + [
    (f"{table}_nominations_search_grams", table) for table in ("workers", "enterprises", "cycle_occupations")]
NOMINATION_FUNCTIONS = ["nominations_search_grams_of_renamed()", "nominations_search_grams_of_row()",
                        "nomination_search_grams(integer, integer, integer)"]


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
    op.execute("ALTER TABLE nominations ADD COLUMN search_grams text[]")
    for statement in NOMINATION_GRAMS:
        op.execute(statement)
    op.execute("UPDATE nominations SET search_grams = "
               "nomination_search_grams(worker_id, enterprise_id, occupation_id)")
    op.execute("CREATE INDEX ix_nominations_search_grams ON nominations USING gin (search_grams)"
               " WHERE state IN ('named', 'not_proposed', 'proposed', 'qualified', 'revoked', 'withdrawn')")


def downgrade():
    if not _postgresql():
        return
    for trigger, table in NOMINATION_TRIGGERS:
        op.execute(f"DROP TRIGGER {trigger} ON {table}")
    for function in NOMINATION_FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}")
    op.execute("ALTER TABLE nominations DROP COLUMN search_grams")  # and its index
    for table, _columns in reversed(GRAMS_COLUMNS):
        op.execute(f"ALTER TABLE {table} DROP COLUMN search_grams")  # and its index
