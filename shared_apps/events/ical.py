"""iCalendar (RFC 5545) output with the icalendar library: one event, or a member's feed.
Times carry their TZID with a VTIMEZONE; a series is one VEVENT with its RRULE, cancelled dates
as EXDATE, dates edited on their own as extra VEVENTs with RECURRENCE-ID; a cancelled event
has STATUS:CANCELLED."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from icalendar import Calendar, vRecur
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
    item.add("url", f"{base_url}/events/{event.pk}/?at={int(row.original_start.timestamp())}")
    item.add("dtstart", _when(row.starts_at, event))
    item.add("dtend", _when(row.ends_at, event))
    item.add("status", "CANCELLED" if event.cancelled_at else "CONFIRMED")
    return item


def calendar_bytes(
    events: Iterable[Event], exceptions: Iterable[Occurrence], *, base_url: str, name: str
) -> bytes:
    """The calendar for these events; `exceptions` are their cancelled or edited dates."""
    stamp = timezone.now().replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    by_event: dict[int, list[Occurrence]] = defaultdict(list)
    for row in exceptions:
        by_event[row.event_id].append(row)
    for event in events:
        vevent = _vevent(event, base_url, stamp)
        rows = by_event.get(event.pk, [])
        if event.rrule:
            vevent.add("rrule", _rule(event))
            cancelled = [_when(r.original_start, event) for r in rows if r.cancelled]
            if cancelled:
                vevent.add("exdate", cancelled)
        cal.add_component(vevent)
        if event.rrule:
            for row in rows:
                if row.modified and not row.cancelled:
                    cal.add_component(_override(event, row, base_url, stamp))
    cal.add_missing_timezones()
    return cal.to_ical()


FEED_PAST = timedelta(days=366)  # a feed keeps a year of past events
