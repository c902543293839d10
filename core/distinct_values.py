"""The distinct values of an indexed column, read from its index one value at a time.

``SELECT DISTINCT action FROM audit_entries`` reads every row of the table; a filter's option
list needs only the few dozen values there are. A recursive query that asks the index for the
smallest value above the previous one (a "loose index scan") costs one index probe per distinct
value, on SQLite and on PostgreSQL alike, and is always current, so there is no cache to keep.
"""

from __future__ import annotations

from sqlalchemy import func, select

from core.extensions import db


def distinct_values(column, *conditions) -> list:
    """The distinct non-null values of ``column`` (where ``conditions`` hold), ascending.

    ``column`` must lead an index for this to be fast; with ``conditions`` on other columns each
    probe may have to skip rows, so keep those selective on the same index or absent.
    """
    seed = select(func.min(column).label("value")).where(*conditions)
    values = seed.cte("distinct_values", recursive=True)
    following = (select(func.min(column)).where(column > values.c.value, *conditions)
                 .scalar_subquery())
    values = values.union_all(select(following).where(values.c.value.is_not(None)))
    return list(db.session.scalars(select(values.c.value).where(values.c.value.is_not(None))))
