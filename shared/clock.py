"""The centre's calendar: business dates are days in its time zone, whatever the server's clock."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


def centre_zone(config):
    return ZoneInfo(config["CENTRE"]["timezone"])


def centre_today(config):
    return datetime.now(centre_zone(config)).date()


def day_range(start, end, zone):
    """Dates chosen by a clerk (the centre's calendar) as UTC bounds [lower, upper)."""
    lower = datetime.combine(start, time(), zone).astimezone(timezone.utc) if start else None
    upper = (datetime.combine(end + timedelta(days=1), time(), zone).astimezone(timezone.utc)
             if end else None)
    return lower, upper
