"""What happens in the events app. Views, the API and other apps (polls turn a date-poll slot
into an event) check the policy, then call one of these; each runs in one transaction, keeps
the search index right and tells the notifications app what happened after commit.

Bad input raises django.core.exceptions.ValidationError (a dict: field → translated message)
and changes nothing."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shared_apps.notifications.models import Category
from shared_apps.notifications.services import (
    Text,
    activity_record,
    notify,
    phrase,
    recipient_languages,
)
from shared_apps.search.models import Kind
from shared_apps.search.services import search_index, search_unindex, search_unindex_kind
from shared_apps.spaces.models import Space
from shared_apps.workspace.signed_links import LinkInvalid, link_ids, link_token

from .models import (
    Answer,
    CalendarToken,
    CalendarVersion,
    Event,
    Occurrence,
    Reminder,
    Rsvp,
    RsvpChannel,
)
from .recurrence import Recurrence, expand, local_naive, rule_for, shift_wall_clock
from .selectors import capacity_of

URLCONF = "cercle.urls_tenants"  # tasks reverse too, outside any request
RSVP_PURPOSE = "events.rsvp"
TARGET_TYPE = "events.event"
MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
MAX_DURATION = timedelta(days=31)
# Reminders go out this long before an occurrence starts.
REMINDER_BEFORE = timedelta(hours=24)
# Dates people can mean: far-off years (0001, 9999) overflow date arithmetic into a 500.
MIN_YEAR, MAX_YEAR = 1900, 2200


def year_in_range(moment: date | datetime | None) -> bool:
    """Whether a date read from input is within the years the app handles."""
    return moment is None or MIN_YEAR <= moment.year <= MAX_YEAR


def out_of_range_message() -> str:
    return _("Choose a date between the years %(min)s and %(max)s.") % {
        "min": MIN_YEAR, "max": MAX_YEAR,
    }


# --- Time zone, URLs, cache version ------------------------------------------------------------


def association_time_zone() -> str:
    """The association's zone (Europe/Paris unless it chose another one)."""
    name = getattr(getattr(connection, "tenant", None), "time_zone", "") or settings.TIME_ZONE
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "Europe/Paris"
    return name


def occurrence_key(moment: datetime) -> int:
    """An occurrence's key in URLs and links: its original start as a Unix timestamp."""
    return int(moment.timestamp())


def event_url(event: Event, original_start: datetime | None = None) -> str:
    path = reverse("events_detail", kwargs={"pk": event.pk}, urlconf=URLCONF)
    if event.is_recurring and original_start is not None:
        path += f"?at={occurrence_key(original_start)}"
    return path


VERSION_KEY = "events:calendar-version"


def calendar_version() -> int:
    """The version of the association's events (feeds cached under it). The cache is already
    prefixed with the association's schema."""
    version = cache.get(VERSION_KEY)
    if version is None:
        row = CalendarVersion.objects.order_by("id").first()
        version = row.version if row else 0
        cache.set(VERSION_KEY, version, 3600)
    return version


def _calendar_changed() -> None:
    updated = CalendarVersion.objects.filter(pk=1).update(version=F("version") + 1)
    if not updated:
        CalendarVersion.objects.create(pk=1, version=1)
    # After commit too: a feed read in between would cache the old version under the new one.
    cache.delete(VERSION_KEY)
    transaction.on_commit(lambda: cache.delete(VERSION_KEY))


# --- Input checks ------------------------------------------------------------------------------


def _clean(
    *,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    all_day: bool,
    location: str,
    online_url: str,
    capacity: int | None,
    rsvp_deadline: datetime | None,
    zone_name: str,
) -> dict:
    title, description = (title or "").strip(), (description or "").strip()
    location, online_url = (location or "").strip(), (online_url or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Give the event a title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("The title is too long (%(max)s characters at most).") % {
            "max": MAX_TITLE
        }
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = _("The description is too long (%(max)s characters at most).") % {
            "max": MAX_DESCRIPTION
        }
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at),
                         ("rsvp_deadline", rsvp_deadline)):
        if value is not None and not year_in_range(value):
            errors[field] = out_of_range_message()
    if "starts_at" not in errors and (starts_at is None or timezone.is_naive(starts_at)):
        errors["starts_at"] = _("Give the start date and time.")
    if "ends_at" not in errors and (ends_at is None or timezone.is_naive(ends_at)):
        errors["ends_at"] = _("Give the end date and time.")
    if "starts_at" not in errors and "ends_at" not in errors:
        if all_day:
            # A whole day: local midnight to local midnight after the last day.
            zone = ZoneInfo(zone_name)
            first = starts_at.astimezone(zone).date()
            last = max(ends_at.astimezone(zone).date(), first)
            if ends_at.astimezone(zone).time() == datetime.min.time() and last > first:
                last -= timedelta(days=1)  # already an exclusive midnight
            starts_at = datetime.combine(first, datetime.min.time(), tzinfo=zone)
            ends_at = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        if ends_at <= starts_at:
            errors["ends_at"] = _("The end must be after the start.")
        elif ends_at - starts_at > MAX_DURATION:
            errors["ends_at"] = _("An event lasts at most 31 days.")
    if len(location) > 300:
        errors["location"] = _("The place is too long (300 characters at most).")
    if online_url:
        try:
            URLValidator(schemes=["http", "https"])(online_url)
        except ValidationError:
            errors["online_url"] = _("Give a web address starting with https://.")
    if capacity is not None and not 1 <= capacity <= 100_000:
        errors["capacity"] = _("The capacity is a number of places from 1 to 100,000.")
    if (rsvp_deadline is not None and "starts_at" not in errors
            and "rsvp_deadline" not in errors and rsvp_deadline > starts_at):
        errors["rsvp_deadline"] = _("Answers must close before the event starts.")
    if errors:
        raise ValidationError(errors)
    return {
        "title": title, "description": description, "starts_at": starts_at, "ends_at": ends_at,
        "all_day": all_day, "location": location, "online_url": online_url,
        "capacity": capacity, "rsvp_deadline": rsvp_deadline,
    }


def _rule(
    recurrence: Recurrence | None, starts_at: datetime, zone_name: str
) -> tuple[str, date | None]:
    if recurrence is None:
        return "", None
    if not year_in_range(recurrence.until):
        raise ValidationError({"recurrence": out_of_range_message()})
    return rule_for(recurrence, local_naive(starts_at, zone_name)), recurrence.until


# --- Index, activity, notifications -----------------------------------------------------------


def _index(event: Event) -> None:
    if event.cancelled_at is not None:
        search_unindex(kind=Kind.EVENT, object_id=event.pk)
        return
    body = "\n".join(part for part in (event.description, event.location) if part)
    search_index(
        kind=Kind.EVENT, object_id=event.pk, title=event.title, body=body, url=event_url(event),
        space_id=event.space_id, created_at=event.created_at,
    )


def events_search_rebuild() -> int:
    """Rebuild the events' entries of the index (for `search.rebuild`): every event but the
    cancelled ones, written as `_index` writes them."""
    search_unindex_kind(kinds=[Kind.EVENT])
    rows = list(Event.objects.filter(cancelled_at__isnull=True))
    for event in rows:
        _index(event)
    return len(rows)


def rsvp_link_path(event: Event, original_start: datetime, user_id: int) -> str:
    token = link_token(RSVP_PURPOSE, {"e": event.pk, "o": occurrence_key(original_start),
                                      "u": user_id})
    return reverse("events_rsvp_link", kwargs={"token": token}, urlconf=URLCONF)


def _audience(event: Event) -> list[int]:
    from shared_apps.spaces.selectors import space_member_user_ids

    return space_member_user_ids(space=event.space)


def _invite(event: Event) -> None:
    """Tell the space's members; each notification carries their own signed answer link."""
    audience = [u for u in _audience(event) if u != event.author_id]
    languages = recipient_languages(audience)
    for user_id in audience:
        notify(
            user_ids=[user_id], category=Category.EVENTS,
            text=lambda: _("New event: %(title)s") % {"title": event.title},
            url=rsvp_link_path(event, event.starts_at, user_id), actor_id=event.author_id,
            space_id=event.space_id, languages=languages,
        )


# --- Events ------------------------------------------------------------------------------------


@transaction.atomic
def event_create(
    *,
    author_id: int,
    space: Space,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    all_day: bool = False,
    description: str = "",
    location: str = "",
    online_url: str = "",
    capacity: int | None = None,
    rsvp_deadline: datetime | None = None,
    recurrence: Recurrence | None = None,
    waitlist: bool = True,
    attendees_visibility: str = "everyone",
    invite: bool = True,
) -> Event:
    """Create an event in `space` (the default space: the whole association), optionally
    repeating. The caller has checked `policy.can_create_event_in`. The space's members are
    told (with a link to answer from the email)."""
    if space.archived_at is not None:
        raise ValidationError({"space": _("This space is archived: no event can be added.")})
    zone_name = association_time_zone()
    values = _clean(
        title=title, description=description, starts_at=starts_at, ends_at=ends_at,
        all_day=all_day, location=location, online_url=online_url, capacity=capacity,
        rsvp_deadline=rsvp_deadline, zone_name=zone_name,
    )
    rule, until = _rule(recurrence, values["starts_at"], zone_name)
    event = Event.objects.create(
        space=space, author_id=author_id, time_zone=zone_name, rrule=rule, repeat_until=until,
        waitlist=waitlist, attendees_visibility=attendees_visibility, **values,
    )
    _index(event)
    _calendar_changed()
    activity_record(
        verb="events.created", target_type=TARGET_TYPE, target_id=event.pk,
        summary=event.title, url=event_url(event), actor_id=author_id, space_id=space.pk,
    )
    if invite:
        _invite(event)
    return event


def _answered_user_ids(event: Event, *, from_start: datetime | None = None,
                       original_start: datetime | None = None) -> list[int]:
    """Who said yes or maybe (or waits) for the event's coming dates (or one of them)."""
    rows = Rsvp.objects.filter(occurrence__event=event).exclude(answer=Answer.NO)
    if original_start is not None:
        rows = rows.filter(occurrence__original_start=original_start)
    elif from_start is not None:
        rows = rows.filter(occurrence__starts_at__gte=from_start)
    return sorted(set(rows.values_list("user_id", flat=True)))


def _tell(user_ids: list[int], text: Text, url: str, event: Event, actor_id: int | None) -> None:
    if user_ids:
        notify(user_ids=user_ids, category=Category.EVENTS, text=text, url=url,
               actor_id=actor_id, space_id=event.space_id)


def _values_of(event: Event) -> dict:
    return {
        "title": event.title, "description": event.description, "starts_at": event.starts_at,
        "ends_at": event.ends_at, "all_day": event.all_day, "location": event.location,
        "online_url": event.online_url, "capacity": event.capacity,
        "rsvp_deadline": event.rsvp_deadline,
    }


KEEP = object()  # event_update: keep the recurrence as it is


def _apply_all(event: Event, values: dict, recurrence: object) -> bool:
    """Change the whole series; the dates already made (RSVPs, exceptions) follow the move in
    wall-clock time. True when the times moved."""
    old_start, old_end = event.starts_at, event.ends_at
    moved = values["starts_at"] != old_start or values["ends_at"] != old_end
    delta_local = local_naive(values["starts_at"], event.time_zone) - local_naive(
        old_start, event.time_zone
    )
    duration = values["ends_at"] - values["starts_at"]
    for field, value in values.items():
        setattr(event, field, value)
    if recurrence is not KEEP:
        event.rrule, event.repeat_until = _rule(recurrence, event.starts_at, event.time_zone)
    elif event.rrule and delta_local.days:
        # Moved to another day: the weekday or day of the month in the rule moves with it.
        from .recurrence import recurrence_of

        current = recurrence_of(event.rrule, event.repeat_until)
        event.rrule, event.repeat_until = _rule(current, event.starts_at, event.time_zone)
    if moved:
        for row in event.occurrences.all():
            row.original_start = shift_wall_clock(row.original_start, delta_local, event.time_zone)
            if not row.modified:
                row.starts_at, row.ends_at = row.original_start, row.original_start + duration
            row.save(update_fields=["original_start", "starts_at", "ends_at"])
    return moved


@transaction.atomic
def event_update(
    *,
    event: Event,
    actor_id: int,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    all_day: bool = False,
    description: str = "",
    location: str = "",
    online_url: str = "",
    capacity: int | None = None,
    rsvp_deadline: datetime | None = None,
    recurrence: object = KEEP,
    waitlist: bool | None = None,
    attendees_visibility: str | None = None,
    scope: str = "all",
    original_start: datetime | None = None,
) -> Event:
    """Edit an event. For a recurring one, `scope` says what: "all" the series, "this" one
    date (`original_start`), or "following" (this date and the next ones: the series is
    split in two). Those who answered are told when the date or time moves.
    Returns the event that now holds the edited date(s)."""
    values = _clean(
        title=title, description=description, starts_at=starts_at, ends_at=ends_at,
        all_day=all_day, location=location, online_url=online_url, capacity=capacity,
        rsvp_deadline=rsvp_deadline, zone_name=event.time_zone,
    )
    if scope not in ("all", "this", "following"):
        raise ValidationError(
            {"scope": _("Choose what to change: this date, the following ones or all.")}
        )
    if scope != "all" and (not event.is_recurring or original_start is None):
        scope = "all"
    if scope == "following" and original_start == event.starts_at:
        scope = "all"
    if scope == "this":
        return _update_one(event, original_start, values, actor_id,
                           waitlist=waitlist, attendees_visibility=attendees_visibility)
    if scope == "following":
        return _split(event, original_start, values, recurrence, actor_id,
                      waitlist, attendees_visibility)
    if waitlist is not None:
        event.waitlist = waitlist
    if attendees_visibility is not None:
        event.attendees_visibility = attendees_visibility
    moved = _apply_all(event, values, recurrence)
    event.sequence += 1
    event.updated_at = timezone.now()
    event.save()
    _after_change(event, moved, actor_id)
    return event


def _after_change(event: Event, moved: bool, actor_id: int | None,
                  original_start: datetime | None = None) -> None:
    _index(event)
    _calendar_changed()
    from shared_apps.notifications.models import Activity

    Activity.objects.filter(target_type=TARGET_TYPE, target_id=event.pk).update(
        summary=event.title[:300]
    )
    # More places may mean people leave the waiting list. Each date is counted under its row
    # lock, like rsvp_set: an answer being given at the same time is seen, not overtaken.
    waiting_ids = list(event.occurrences.filter(rsvps__waiting=True)
                       .values_list("pk", flat=True).distinct().order_by("pk"))
    for occurrence_id in waiting_ids:
        _promote(event, Occurrence.objects.select_for_update().get(pk=occurrence_id))
    if moved:
        when = original_start
        _tell(
            _answered_user_ids(event, original_start=when, from_start=timezone.now()),
            lambda: _("The event “%(title)s” has moved: check the new date") % {
                "title": event.title},
            event_url(event, when), event, actor_id,
        )


def _check_occurrence(event: Event, original_start: datetime) -> None:
    """The date must be one the event's rule makes (or one already stored)."""
    if event.occurrences.filter(original_start=original_start).exists():
        return
    found = next(
        expand(rule=event.rrule, until=event.repeat_until, starts_at=event.starts_at,
               zone_name=event.time_zone, window_start=original_start,
               window_end=original_start + timedelta(seconds=1)),
        None,
    )
    if found != original_start:
        raise ValidationError({"occurrence": _("This event has no date then.")})


def occurrence_row(event: Event, original_start: datetime, *, lock: bool = False) -> Occurrence:
    """The stored date (made on first need; concurrent callers get the same row). Locked for
    the rest of the transaction when asked: RSVPs count places under this lock."""
    _check_occurrence(event, original_start)
    duration = event.ends_at - event.starts_at
    Occurrence.objects.bulk_create(
        [Occurrence(event=event, original_start=original_start, starts_at=original_start,
                    ends_at=original_start + duration)],
        ignore_conflicts=True,
    )
    rows = Occurrence.objects.filter(event=event, original_start=original_start)
    if lock:
        rows = rows.select_for_update()
    return rows.get()


# One date stores its own times, title, place, description and number of places; the rest
# belongs to the series.
SERIES_ONLY = ("online_url", "rsvp_deadline")


def _update_one(event: Event, original_start: datetime, values: dict, actor_id: int, *,
                waitlist: bool | None, attendees_visibility: str | None) -> Event:
    row = occurrence_row(event, original_start, lock=True)
    if row.cancelled or event.cancelled_at is not None:
        raise ValidationError({"scope": _("This date is cancelled: it can no longer be edited.")})
    # Refused rather than silently dropped: say what cannot change for one date.
    message = _("This applies to every date: to change it, choose “Every date” or “This date "
                "and the following”.")
    errors = {field: message for field in SERIES_ONLY if values[field] != getattr(event, field)}
    if waitlist is not None and waitlist != event.waitlist:
        errors["waitlist"] = message
    if attendees_visibility is not None and attendees_visibility != event.attendees_visibility:
        errors["attendees_visibility"] = message
    if errors:
        raise ValidationError(errors)
    moved = values["starts_at"] != row.starts_at or values["ends_at"] != row.ends_at
    places_before = capacity_of(event, row)
    row.starts_at, row.ends_at = values["starts_at"], values["ends_at"]
    row.title = values["title"] if values["title"] != event.title else ""
    row.location = values["location"] if values["location"] != event.location else ""
    row.description = values["description"] if values["description"] != event.description else ""
    row.capacity_own = values["capacity"] != event.capacity
    row.capacity = values["capacity"] if row.capacity_own else None
    row.modified = True
    row.save()
    places = capacity_of(event, row)
    if places != places_before and (places is None or (places_before or 0) < places):
        _promote(event, row)  # more places: the waiting list moves up (the row is locked)
    event.sequence += 1
    event.save(update_fields=["sequence", "description_html"])
    _calendar_changed()
    if moved:
        _tell(
            _answered_user_ids(event, original_start=original_start),
            lambda: _("The event “%(title)s” has moved: check the new date") % {
                "title": event.title},
            event_url(event, original_start), event, actor_id,
        )
    return event


def _split(event: Event, split_at: datetime, values: dict, recurrence: object, actor_id: int,
           waitlist: bool | None, attendees_visibility: str | None) -> Event:
    """End the series before `split_at` and start a new one there with the new values; the
    dates already stored from there on (with their RSVPs) move to the new series."""
    from .recurrence import recurrence_of

    _check_occurrence(event, split_at)
    before = list(expand(rule=event.rrule, until=event.repeat_until, starts_at=event.starts_at,
                         zone_name=event.time_zone, window_end=split_at))
    current = recurrence_of(event.rrule, event.repeat_until)
    new_recurrence = current if recurrence is KEEP else recurrence
    if new_recurrence is not None and new_recurrence.count is not None and recurrence is KEEP:
        new_recurrence = Recurrence(freq=current.freq, interval=current.interval,
                                    count=max(current.count - len(before), 1))
    # The old series stops at its last date before the split.
    parts = [p for p in event.rrule.split(";") if not p.startswith("COUNT=")]
    if current.count is not None:
        parts.append(f"COUNT={len(before)}")
        event.rrule = ";".join(parts)
    else:
        event.repeat_until = local_naive(before[-1], event.time_zone).date()
    event.sequence += 1
    event.updated_at = timezone.now()
    event.save()
    delta_local = local_naive(values["starts_at"], event.time_zone) - local_naive(
        split_at, event.time_zone
    )
    rule, until = _rule(new_recurrence, values["starts_at"], event.time_zone)
    new = Event.objects.create(
        space=event.space, author_id=event.author_id, time_zone=event.time_zone, rrule=rule,
        repeat_until=until,
        waitlist=event.waitlist if waitlist is None else waitlist,
        attendees_visibility=attendees_visibility or event.attendees_visibility,
        **values,
    )
    duration = new.ends_at - new.starts_at
    for row in event.occurrences.filter(original_start__gte=split_at):
        row.event = new
        row.original_start = shift_wall_clock(row.original_start, delta_local, event.time_zone)
        if not row.modified:
            row.starts_at, row.ends_at = row.original_start, row.original_start + duration
        row.save()
    _index(event)
    activity_record(
        verb="events.created", target_type=TARGET_TYPE, target_id=new.pk, summary=new.title,
        url=event_url(new), actor_id=actor_id, space_id=new.space_id,
    )
    _after_change(new, bool(delta_local) or values["ends_at"] - values["starts_at"]
                  != event.ends_at - event.starts_at, actor_id)
    return new


@transaction.atomic
def event_cancel(*, event: Event, actor_id: int) -> Event:
    """Cancel the event (every date): it stays visible, marked cancelled (STATUS:CANCELLED in
    calendars); those who answered are told."""
    if event.cancelled_at is not None:
        return event
    event.cancelled_at = timezone.now()
    event.sequence += 1
    event.save()
    _index(event)
    _calendar_changed()
    _tell(
        _answered_user_ids(event, from_start=timezone.now()),
        lambda: _("The event “%(title)s” is cancelled") % {"title": event.title},
        event_url(event), event, actor_id,
    )
    return event


@transaction.atomic
def occurrence_cancel(*, event: Event, original_start: datetime, actor_id: int) -> Occurrence:
    """Cancel one date of a recurring event (an exception: EXDATE in calendars)."""
    row = occurrence_row(event, original_start, lock=True)
    if not row.cancelled:
        row.cancelled = True
        row.save(update_fields=["cancelled"])
        event.sequence += 1
        event.save(update_fields=["sequence", "description_html"])
        _calendar_changed()
        _tell(
            _answered_user_ids(event, original_start=original_start),
            lambda: _("The event “%(title)s” is cancelled on %(date)s") % {
                "title": event.title,
                "date": local_naive(row.starts_at, event.time_zone).strftime("%d/%m/%Y"),
            },
            event_url(event, original_start), event, actor_id,
        )
    return row


@transaction.atomic
def event_delete(*, event: Event, actor_id: int | None = None) -> None:
    """Delete the event and everything of it; those who said yes or maybe for a coming date
    are told it will not take place (as cancelling does — unless it was cancelled already,
    which told them then). The message leads to the events list: the event is gone."""
    from shared_apps.notifications.models import Activity

    if event.cancelled_at is None:
        _tell(
            _answered_user_ids(event, from_start=timezone.now()),
            lambda: _("The event “%(title)s” is cancelled") % {"title": event.title},
            reverse("events", urlconf=URLCONF), event, actor_id,
        )
    Activity.objects.filter(target_type=TARGET_TYPE, target_id=event.pk).delete()
    search_unindex(kind=Kind.EVENT, object_id=event.pk)
    event.delete()
    _calendar_changed()


# --- RSVPs ---------------------------------------------------------------------------------------


def deadline_of(event: Event, occurrence_start: datetime) -> datetime | None:
    """When answers close for a date: the deadline is set for the first date and keeps the
    same distance to each later one."""
    if event.rsvp_deadline is None:
        return None
    return occurrence_start - (event.starts_at - event.rsvp_deadline)


def _confirmed_count(occurrence: Occurrence) -> int:
    return occurrence.rsvps.filter(answer=Answer.YES, waiting=False).count()


def _promote(event: Event, occurrence: Occurrence) -> list[Rsvp]:
    """Give freed places to the waiting list, first come first served, and tell them."""
    promoted = []
    waiting = list(occurrence.rsvps.filter(answer=Answer.YES, waiting=True)
                   .order_by("answered_at", "id"))
    capacity = capacity_of(event, occurrence)
    free = None if capacity is None else capacity - _confirmed_count(occurrence)
    for rsvp in waiting:
        if free is not None and free <= 0:
            break
        rsvp.waiting = False
        rsvp.save(update_fields=["waiting"])
        promoted.append(rsvp)
        if free is not None:
            free -= 1
    for rsvp in promoted:
        _tell([rsvp.user_id],
              lambda: _("A place is free: you are now registered for “%(title)s”") % {
                  "title": event.title},
              event_url(event, occurrence.original_start), event, None)
    return promoted


@transaction.atomic
def rsvp_set(
    *,
    event: Event,
    original_start: datetime,
    user_id: int,
    answer: str,
    channel: str = RsvpChannel.PAGE,
) -> Rsvp:
    """Answer yes, maybe or no for one date. A "yes" beyond the capacity joins the waiting
    list (or is refused when the event has none); a place given back goes to the first
    waiting. Places are counted with the date's row locked, so two answers at the same time
    never take the same last place."""
    if answer not in Answer.values:
        raise ValidationError({"answer": _("Answer yes, maybe or no.")})
    if event.cancelled_at is not None:
        raise ValidationError({"answer": _("This event is cancelled.")})
    occurrence = occurrence_row(event, original_start, lock=True)
    if occurrence.cancelled:
        raise ValidationError({"answer": _("This date is cancelled.")})
    now = timezone.now()
    if occurrence.ends_at <= now:
        raise ValidationError({"answer": _("This event is over.")})
    deadline = deadline_of(event, occurrence.starts_at)
    if deadline is not None and now > deadline:
        raise ValidationError({"answer": _("Answers for this event are closed.")})
    rsvp = Rsvp.objects.filter(occurrence=occurrence, user_id=user_id).first()
    was_confirmed = rsvp is not None and rsvp.answer == Answer.YES and not rsvp.waiting
    if rsvp is not None and rsvp.answer == answer:
        return rsvp  # the same answer again changes nothing (nor the place in the queue)
    waiting = False
    capacity = capacity_of(event, occurrence)
    if answer == Answer.YES and capacity is not None:
        if _confirmed_count(occurrence) >= capacity:
            if not event.waitlist:
                raise ValidationError({"answer": _("This event is full.")})
            waiting = True
    if rsvp is None:
        rsvp = Rsvp(occurrence=occurrence, user_id=user_id)
    rsvp.answer, rsvp.waiting, rsvp.answered_at, rsvp.channel = answer, waiting, now, channel
    rsvp.save()
    if was_confirmed and answer != Answer.YES:
        _promote(event, occurrence)
    return rsvp


@transaction.atomic
def rsvp_check_in(*, rsvp: Rsvp, present: bool = True) -> Rsvp:
    """Mark someone present (or not after all), on the day, from the organiser's phone."""
    rsvp.checked_in_at = timezone.now() if present else None
    rsvp.save(update_fields=["checked_in_at"])
    return rsvp


def rsvp_link_resolve(token: str) -> tuple[Event, datetime, int]:
    """The event, date and member a signed answer link is for, or LinkInvalid (tampered with,
    made for another association, event gone, or member no longer able to see it)."""
    from .selectors import event_for_reader

    event_id, key, user_id = link_ids(
        RSVP_PURPOSE, token, "e", "o", "u", max_age_seconds=400 * 24 * 3600
    )
    event = event_for_reader(user_id=user_id, pk=event_id)
    if event is None or not _is_active_member(user_id):
        raise LinkInvalid("invalid")
    original_start = datetime.fromtimestamp(key, tz=ZoneInfo("UTC"))
    return event, original_start, user_id


def _is_active_member(user_id: int) -> bool:
    from shared_apps.members.models import Membership, MembershipStatus

    return Membership.objects.filter(user_id=user_id, status=MembershipStatus.ACTIVE).exists()


# --- Reminders -----------------------------------------------------------------------------------


@transaction.atomic
def reminders_send(*, now: datetime | None = None) -> int:
    """Remind those who said yes or maybe, once, in the day before each date (by the channel
    each member chose for event notifications). Idempotent: run it as often as you like."""
    from .selectors import occurrences_between

    now = now or timezone.now()
    sent = 0
    events = Event.objects.filter(cancelled_at__isnull=True).select_related("space")
    for item in occurrences_between(events=events, start=now, end=now + REMINDER_BEFORE):
        if item.cancelled or item.occurrence_id is None:
            continue  # nobody can have answered a date never stored
        answered = set(
            Rsvp.objects.filter(occurrence_id=item.occurrence_id, waiting=False)
            .exclude(answer=Answer.NO).values_list("user_id", flat=True)
        )
        already = set(Reminder.objects.filter(occurrence_id=item.occurrence_id)
                      .values_list("user_id", flat=True))
        targets = sorted(answered - already)
        Reminder.objects.bulk_create(
            [Reminder(occurrence_id=item.occurrence_id, user_id=u) for u in targets],
            ignore_conflicts=True,
        )
        event = item.event
        when = local_naive(item.starts_at, event.time_zone)
        languages = recipient_languages(targets)
        for user_id in targets:
            notify(
                user_ids=[user_id], category=Category.EVENTS,
                text=phrase(gettext_noop("Reminder: “%(title)s” on %(date)s at %(time)s"),
                            title=item.title, date=when.strftime("%d/%m/%Y"),
                            time=when.strftime("%H:%M")),
                url=rsvp_link_path(event, item.original_start, user_id),
                space_id=event.space_id, languages=languages,
            )
        sent += len(targets)
    return sent


# --- Calendar feed tokens -----------------------------------------------------------------------


def calendar_token_of(*, user_id: int) -> CalendarToken:
    row = CalendarToken.objects.filter(user_id=user_id).first()
    if row is None:
        CalendarToken.objects.bulk_create(
            [CalendarToken(user_id=user_id, token=secrets.token_urlsafe(32))],
            ignore_conflicts=True,
        )
        row = CalendarToken.objects.get(user_id=user_id)
    return row


@transaction.atomic
def calendar_token_rotate(*, user_id: int) -> CalendarToken:
    """A new secret address; the old one stops working at once."""
    row = calendar_token_of(user_id=user_id)
    row.token = secrets.token_urlsafe(32)
    row.created_at = timezone.now()
    row.save(update_fields=["token", "created_at"])
    return row
