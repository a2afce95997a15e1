"""Recurrence rules: built from a few plain choices, stored as an RFC 5545 RRULE, and expanded
with python-dateutil in the event's local time (wall-clock times survive daylight saving)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
MAX_COUNT = 500
MAX_INTERVAL = 12


class Freq:
    WEEKLY = "weekly"
    MONTHLY_DATE = "monthly_date"
    MONTHLY_WEEKDAY = "monthly_weekday"
    ALL = (WEEKLY, MONTHLY_DATE, MONTHLY_WEEKDAY)


@dataclass(frozen=True)
class Recurrence:
    """How an event repeats: every `interval` weeks (on the start's weekday) or months (on the
    start's day of the month, or its weekday of the month: "2nd Tuesday", "last Friday"), until
    a local date (inclusive) or for `count` occurrences."""

    freq: str
    interval: int = 1
    until: date | None = None
    count: int | None = None


def rule_for(recurrence: Recurrence, local_start: datetime) -> str:
    """The RRULE (without UNTIL, kept apart as a local date) for a series starting then."""
    if recurrence.freq not in Freq.ALL:
        raise ValidationError({"recurrence": _("Choose how the event repeats.")})
    if not 1 <= recurrence.interval <= MAX_INTERVAL:
        raise ValidationError(
            {"recurrence": _("Repeat every 1 to %(max)s weeks or months.") % {"max": MAX_INTERVAL}}
        )
    if recurrence.until is None and recurrence.count is None:
        raise ValidationError(
            {"recurrence": _("Say until when the event repeats, or how many times.")}
        )
    if recurrence.count is not None and not 1 <= recurrence.count <= MAX_COUNT:
        raise ValidationError(
            {"recurrence": _("An event repeats at most %(max)s times.") % {"max": MAX_COUNT}}
        )
    if recurrence.until is not None and recurrence.until < local_start.date():
        raise ValidationError({"recurrence": _("The last date is before the first one.")})
    weekday = WEEKDAYS[local_start.weekday()]
    if recurrence.freq == Freq.WEEKLY:
        parts = ["FREQ=WEEKLY", f"BYDAY={weekday}"]
    elif recurrence.freq == Freq.MONTHLY_DATE:
        parts = ["FREQ=MONTHLY", f"BYMONTHDAY={local_start.day}"]
    else:
        nth = (local_start.day - 1) // 7 + 1
        # A fifth weekday does not exist every month: "the last one" is what people mean.
        parts = ["FREQ=MONTHLY", f"BYDAY={'-1' if nth == 5 else f'+{nth}'}{weekday}"]
    if recurrence.interval > 1:
        parts.insert(1, f"INTERVAL={recurrence.interval}")
    if recurrence.count is not None and recurrence.until is None:
        parts.append(f"COUNT={recurrence.count}")
    return ";".join(parts)


def recurrence_of(rule: str, until: date | None) -> Recurrence | None:
    """Back from a stored rule to the plain choices (for forms and the API)."""
    if not rule:
        return None
    fields = dict(part.split("=", 1) for part in rule.split(";"))
    if fields.get("FREQ") == "WEEKLY":
        freq = Freq.WEEKLY
    elif "BYMONTHDAY" in fields:
        freq = Freq.MONTHLY_DATE
    else:
        freq = Freq.MONTHLY_WEEKDAY
    count = int(fields["COUNT"]) if "COUNT" in fields else None
    return Recurrence(freq=freq, interval=int(fields.get("INTERVAL", 1)), until=until, count=count)


def _localise(naive: datetime, zone: ZoneInfo) -> datetime:
    # A wall-clock time that does not exist (spring forward) moves on by the gap; an ambiguous
    # one (fall back) takes the first, summer-time, reading — what people expect either way.
    return naive.replace(tzinfo=zone)


def expand(
    *,
    rule: str,
    until: date | None,
    starts_at: datetime,
    zone_name: str,
    window_start: datetime | None = None,
    window_end: datetime | None = None,
) -> Iterator[datetime]:
    """The aware start of each occurrence the rule makes (the first one included), in order,
    limited to [window_start, window_end) when given."""
    zone = ZoneInfo(zone_name)
    local = starts_at.astimezone(zone).replace(tzinfo=None)
    if not rule:
        if (window_start is None or starts_at >= window_start) and (
            window_end is None or starts_at < window_end
        ):
            yield starts_at
        return
    rules: rrule = rrulestr(rule, dtstart=local)
    if until is not None:
        rules = rules.replace(until=datetime.combine(until, time.max))
    if window_start is not None:
        # Occurrences may start earlier than the window by nothing: compare on local naive
        # times with a day's margin, then exactly on aware ones.
        after = window_start.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
        candidates = rules.xafter(after, inc=True)
    else:
        candidates = iter(rules)
    for naive in candidates:
        start = _localise(naive, zone)
        if window_end is not None and start >= window_end:
            return
        if window_start is not None and start < window_start:
            continue
        yield start


def last_start(*, rule: str, until: date | None, starts_at: datetime, zone_name: str) -> datetime:
    """The start of the last occurrence (rules here always end: until or count)."""
    last = starts_at
    for last in expand(rule=rule, until=until, starts_at=starts_at, zone_name=zone_name):  # noqa: B007
        pass
    return last


def shift_wall_clock(moment: datetime, delta_local: timedelta, zone_name: str) -> datetime:
    """Move an aware moment by a wall-clock difference in the event's zone (moving a weekly
    19:00 to 20:00 moves every date to 20:00, summer or winter)."""
    zone = ZoneInfo(zone_name)
    naive = moment.astimezone(zone).replace(tzinfo=None) + delta_local
    return _localise(naive, zone)


def local_naive(moment: datetime, zone_name: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)
