"""Time helpers: the database stores naive UTC; the UI shows Beijing time."""

from datetime import UTC, datetime, timedelta


def utcnow() -> datetime:
    """The current time as naive UTC, the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


BEIJING_OFFSET = timedelta(hours=8)


def beijing_to_utc(value: datetime) -> datetime:
    """A naive Beijing wall-clock time (as typed in a form) to naive UTC for storage."""
    return value - BEIJING_OFFSET


def utc_to_beijing(value: datetime) -> datetime:
    """Naive UTC from the database to naive Beijing time (to fill a form)."""
    return value + BEIJING_OFFSET


def beijing_today():
    """Today's date in Beijing: deadlines and notice periods count Beijing calendar days."""
    return (utcnow() + BEIJING_OFFSET).date()
