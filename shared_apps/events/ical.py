"""iCalendar (RFC 5545) output with the icalendar library: one event, or a member's feed.
Times carry their TZID with a VTIMEZONE; a series is one VEVENT with its RRULE, cancelled dates
as EXDATE, dates edited on their own as extra VEVENTs with RECURRENCE-ID; a cancelled event
has STATUS:CANCELLED.

Each event is serialised on its own (`event_block`, which the member's feed caches per event,
see feeds.py) and the calendar assembled from those blocks, with each zone's VTIMEZONE made
once per process."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.utils import timezone
from icalendar import Calendar, Timezone, vRecur
from icalendar import Event as VEvent

from .models import Event, Occurrence

PRODID = "-//Cercle//Events//FR"


def _when(moment: datetime, event: Event) -> datetime | date:
    local = moment.astimezone(ZoneInfo(event.time_zone))
    return local.date() if event.all_day else local


def _rule(event: Event) -> vRecur:
    rule = vRecur.from_ical(event.rrule)
    if event.repeat_until is not None:
        if event.all_day:
            rule["UNTIL"] = [event.repeat_until]
        else:
            # With a TZID start, UNTIL is in UTC (RFC 5545 3.3.10): the end of the last day.
            last = datetime.combine(event.repeat_until, time(23, 59, 59),
                                    tzinfo=ZoneInfo(event.time_zone))
            rule["UNTIL"] = [last.astimezone(ZoneInfo("UTC"))]
    return rule


def _vevent(event: Event, base_url: str, stamp: datetime) -> VEvent:
    item = VEvent()
    item.add("uid", f"{event.uid}@cercle")
    item.add("dtstamp", stamp)
    item.add("sequence", event.sequence)
    item.add("summary", event.title)
    if event.description:
        item.add("description", event.description)
    if event.location:
        item.add("location", event.location)
    item.add("url", event.online_url or f"{base_url}/events/{event.pk}/")
    item.add("dtstart", _when(event.starts_at, event))
    item.add("dtend", _when(event.ends_at, event))
    item.add("status", "CANCELLED" if event.cancelled_at else "CONFIRMED")
    return item


def _override(event: Event, row: Occurrence, base_url: str, stamp: datetime) -> VEvent:
    item = VEvent()
    item.add("uid", f"{event.uid}@cercle")
    item.add("dtstamp", stamp)
    item.add("sequence", event.sequence)
    item.add("recurrence-id", _when(row.original_start, event))
    item.add("summary", row.title or event.title)
    if row.location or event.location:
        item.add("location", row.location or event.location)
    if row.description or event.description:
        item.add("description", row.description or event.description)
    item.add("url", f"{base_url}/events/{event.pk}/?at={int(row.original_start.timestamp())}")
    item.add("dtstart", _when(row.starts_at, event))
    item.add("dtend", _when(row.ends_at, event))
    item.add("status", "CANCELLED" if event.cancelled_at else "CONFIRMED")
    return item


class Block(NamedTuple):
    """One event's serialised VEVENT (and its overrides): what the feed caches per event.
    DTSTAMP holds a placeholder, replaced when the calendar is assembled (it is the time the
    calendar was made, METHOD:PUBLISH)."""

    ical: bytes
    tzids: tuple[str, ...]


# A fixed stamp rendered into cached blocks; as a whole content line ("\r\nDTSTAMP:…\r\n") it
# cannot occur in user text (escaped and folded lines never start with a property name).
_STAMP = datetime(2000, 1, 1, tzinfo=ZoneInfo("UTC"))
_STAMP_LINE = b"\r\nDTSTAMP:20000101T000000Z\r\n"


def event_block(event: Event, rows: Iterable[Occurrence], *, base_url: str) -> Block:
    """Serialise one event: `rows` are its cancelled or edited dates."""
    vevent = _vevent(event, base_url, _STAMP)
    parts = []
    if event.rrule:
        vevent.add("rrule", _rule(event))
        cancelled = [_when(r.original_start, event) for r in rows if r.cancelled]
        if cancelled:
            vevent.add("exdate", cancelled)
    parts.append(vevent.to_ical())
    if event.rrule:
        for row in rows:
            if row.modified and not row.cancelled:
                parts.append(_override(event, row, base_url, _STAMP).to_ical())
    # Every time of an event is in its zone (dates for all-day events have none).
    tzid = vevent["DTSTART"].params.get("TZID")
    return Block(b"".join(parts), (tzid,) if tzid else ())


@lru_cache(maxsize=32)
def _vtimezone(tzid: str) -> bytes:
    """A zone's VTIMEZONE, made once per process (icalendar computes its transitions)."""
    try:
        return Timezone.from_tzid(tzid).to_ical()
    except ValueError:  # unknown to the zone database: left out, as icalendar does
        return b""


def calendar_assemble(blocks: Iterable[Block], *, name: str) -> bytes:
    """The calendar of these serialised events: header, the VTIMEZONEs they use, the events."""
    blocks = list(blocks)
    stamp = timezone.now().replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    end = b"END:VCALENDAR\r\n"
    head = cal.to_ical().removesuffix(end)
    tzids = sorted({tzid for block in blocks for tzid in block.tzids})
    stamp_line = b"\r\nDTSTAMP:" + stamp.astimezone(ZoneInfo("UTC")).strftime(
        "%Y%m%dT%H%M%SZ").encode() + b"\r\n"
    body = b"".join(block.ical for block in blocks).replace(_STAMP_LINE, stamp_line)
    return b"".join([head, *(_vtimezone(t) for t in tzids), body, end])


def calendar_bytes(
    events: Iterable[Event], exceptions: Iterable[Occurrence], *, base_url: str, name: str
) -> bytes:
    """The calendar for these events; `exceptions` are their cancelled or edited dates."""
    by_event: dict[int, list[Occurrence]] = defaultdict(list)
    for row in exceptions:
        by_event[row.event_id].append(row)
    return calendar_assemble(
        (event_block(e, by_event.get(e.pk, []), base_url=base_url) for e in events), name=name
    )


FEED_PAST = timedelta(days=366)  # a feed keeps a year of past events
