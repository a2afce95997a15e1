"""Read queries of the events app. Every query a member's request makes goes through
`events_for`, which keeps only the spaces they may read (private spaces of which they are not
part never show: lists, calendars, feeds, exports, API)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet

from shared_apps.members.models import Membership
from shared_apps.members.selectors import member_display_names
from shared_apps.spaces.models import Space
from shared_apps.spaces.selectors import spaces_listed, spaces_readable

from .models import Answer, Event, Occurrence, Rsvp
from .recurrence import expand


def events_for(*, user_id: int) -> QuerySet[Event]:
    """Events this member may see."""
    return Event.objects.filter(space_id__in=spaces_readable(user_id=user_id).values("id"))


def event_for_reader(*, user_id: int, pk: int) -> Event | None:
    return events_for(user_id=user_id).select_related("space").filter(pk=pk).first()


def creatable_spaces(membership: Membership) -> list[Space]:
    """Spaces where this member may create events (the whole association first)."""
    from .policy import can_create_event_in

    return [s for s in spaces_listed(user_id=membership.user_id)
            if can_create_event_in(membership, s)]


@dataclass
class Item:
    """One date of an event, as shown in lists, calendars and reminders."""

    event: Event
    original_start: datetime
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    title: str
    location: str
    occurrence_id: int | None
    modified: bool = False
    yes_count: int = 0
    my_answer: str = ""
    # This date's own, else the event's.
    description: str = ""
    description_html: str = ""
    capacity: int | None = None

    @property
    def key(self) -> int:
        return int(self.original_start.timestamp())


def capacity_of(event: Event, row: Occurrence | None) -> int | None:
    """The places of one date: its own number when it has one, else the event's."""
    return row.capacity if row is not None and row.capacity_own else event.capacity


def _item(event: Event, original_start: datetime, row: Occurrence | None) -> Item:
    duration = event.ends_at - event.starts_at
    if row is None:
        return Item(event, original_start, original_start, original_start + duration,
                    event.cancelled_at is not None, event.title, event.location, None,
                    description=event.description, description_html=event.description_html,
                    capacity=event.capacity)
    own_text = bool(row.description)
    return Item(event, original_start, row.starts_at, row.ends_at,
                row.cancelled or event.cancelled_at is not None, row.title or event.title,
                row.location or event.location, row.pk, row.modified,
                description=row.description if own_text else event.description,
                description_html=row.description_html if own_text else event.description_html,
                capacity=capacity_of(event, row))


def occurrences_between(
    *, events: QuerySet[Event], start: datetime, end: datetime, user_id: int | None = None
) -> list[Item]:
    """Every date of these events overlapping [start, end), in order — stored exceptions
    applied — in three queries whatever the number of events."""
    margin = timedelta(days=32)  # longer than any event: one that began before may still run
    candidates = list(
        events.filter(starts_at__lt=end)
        .filter(Q(ends_at__gt=start) | ~Q(rrule=""))
        .filter(Q(repeat_until__isnull=True) | Q(repeat_until__gte=(start - margin).date()))
        .select_related("space")
    )
    by_id = {e.pk: e for e in candidates}
    rows: dict[tuple[int, datetime], Occurrence] = {}
    counts: dict[int, int] = {}
    mine: dict[int, str] = {}
    if by_id:
        stored = Occurrence.objects.filter(event_id__in=list(by_id)).filter(
            Q(original_start__gte=start - margin, original_start__lt=end + margin)
            | Q(starts_at__lt=end, ends_at__gt=start)
        ).annotate(yes=Count("rsvps", filter=Q(rsvps__answer=Answer.YES,
                                                rsvps__waiting=False)))
        for row in stored:
            rows[(row.event_id, row.original_start)] = row
            counts[row.pk] = row.yes
        if user_id is not None and rows:
            mine = dict(Rsvp.objects.filter(
                occurrence_id__in=[r.pk for r in rows.values()], user_id=user_id
            ).values_list("occurrence_id", "answer"))
    items: list[Item] = []
    seen: set[tuple[int, datetime]] = set()
    for event in candidates:
        duration = event.ends_at - event.starts_at
        for original in expand(rule=event.rrule, until=event.repeat_until,
                               starts_at=event.starts_at, zone_name=event.time_zone,
                               window_start=start - margin, window_end=end + margin):
            seen.add((event.pk, original))
            row = rows.get((event.pk, original))
            if row is None and not (original < end and original + duration > start):
                continue
            items.append(_item(event, original, row))
    # Dates moved into the window from outside the rule's reach are still shown.
    for key, row in rows.items():
        if key not in seen and row.starts_at < end and row.ends_at > start:
            items.append(_item(by_id[row.event_id], row.original_start, row))
    items = [i for i in items if i.starts_at < end and i.ends_at > start]
    for item in items:
        if item.occurrence_id is not None:
            item.yes_count = counts.get(item.occurrence_id, 0)
            item.my_answer = mine.get(item.occurrence_id, "")
    items.sort(key=lambda i: (i.starts_at, i.event.pk))
    return items


def item_of(event: Event, original_start: datetime) -> Item | None:
    """One date of an event (None when the event has no date then)."""
    row = Occurrence.objects.filter(event=event, original_start=original_start).first()
    if row is None:
        found = next(expand(rule=event.rrule, until=event.repeat_until, starts_at=event.starts_at,
                            zone_name=event.time_zone, window_start=original_start,
                            window_end=original_start + timedelta(seconds=1)), None)
        if found != original_start:
            return None
    return _item(event, original_start, row)


def next_item(event: Event, now: datetime) -> Item:
    """The date to show by default: the next one still to come (or the last one)."""
    found = occurrences_between(events=Event.objects.filter(pk=event.pk), start=now,
                                end=now + timedelta(days=800))
    if found:
        return found[0]
    return _item(event, event.starts_at, Occurrence.objects.filter(
        event=event, original_start=event.starts_at).first())


@dataclass(frozen=True)
class Attendee:
    rsvp: Rsvp
    name: str


@dataclass(frozen=True)
class Attendees:
    yes: list[Attendee]
    maybe: list[Attendee]
    no: list[Attendee]
    waiting: list[Attendee]


def attendees_of(occurrence_id: int | None) -> Attendees:
    """Who answered what for one date (two queries), by name; the waiting list in order."""
    if occurrence_id is None:
        return Attendees([], [], [], [])
    rsvps = list(Rsvp.objects.filter(occurrence_id=occurrence_id).order_by("answered_at", "id"))
    names = member_display_names([r.user_id for r in rsvps])
    groups: dict[str, list[Attendee]] = defaultdict(list)
    for rsvp in rsvps:
        group = "waiting" if rsvp.waiting else rsvp.answer
        groups[group].append(Attendee(rsvp, names.get(rsvp.user_id, "")))
    for group in ("yes", "maybe", "no"):
        groups[group].sort(key=lambda a: a.name.casefold())
    return Attendees(groups["yes"], groups["maybe"], groups["no"], groups["waiting"])


def my_rsvp(occurrence_id: int | None, user_id: int) -> Rsvp | None:
    if occurrence_id is None:
        return None
    return Rsvp.objects.filter(occurrence_id=occurrence_id, user_id=user_id).first()


def author_names(events: Iterable[Event]) -> dict[int, str]:
    return member_display_names(sorted({e.author_id for e in events}))
