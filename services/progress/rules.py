"""Pure rules of the progress service: a snapshot as a row, the error file."""
from datetime import datetime, timezone

from shared.tasks import FINAL_STATUSES

ERRORS_SHOWN = 100  # error rows a task's JSON carries; the error file has them all


def parse_time(text):
    """An ISO 8601 time as an aware UTC datetime (a time without zone is taken as UTC); ValueError
    for anything else, a time that does not fit in UTC included."""
    if not text:
        return None
    value = datetime.fromisoformat(text)
    try:
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(f"time out of range: {text}") from None


def iso_utc(value):
    if value is None:
        return None
    value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return value.isoformat(timespec="seconds")


def task_row(snapshot, received_at):
    """A validated snapshot as the stored row. Raises ValueError on a malformed time."""
    row = dict(snapshot)
    row["submitted_by"] = row["submitted_by"] or ""
    for name in ("submitted_at", "started_at", "finished_at"):
        row[name] = parse_time(row[name])
    row["submitted_at"] = row["submitted_at"] or received_at
    row["error_count"] = len(row["errors"])
    return row


def percent(total, done, failed, status):
    """Rows processed, in whole percent, for a progress bar."""
    if status in FINAL_STATUSES:
        return 100
    if not total:
        return 0
    return min(100, (done + failed) * 100 // total)
