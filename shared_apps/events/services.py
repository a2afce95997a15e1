"""What happens in the events app. Views, the API and other apps (polls turn a date-poll slot
into an event) check the policy, then call one of these; each runs in one transaction, keeps
the search index right and tells the notifications app what happened after commit.

Bad input raises django.core.exceptions.ValidationError (a dict: field → translated message)
and changes nothing."""

from __future__ import annotations

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

from shared_apps.notifications.models import Category
from shared_apps.notifications.services import activity_record, notify
from shared_apps.search.models import Kind
from shared_apps.search.services import search_index, search_unindex
from shared_apps.spaces.models import Space
from shared_apps.workspace.signed_links import link_token

from .models import (
    CalendarVersion,
    Event,
)
from .recurrence import Recurrence, local_naive, rule_for

URLCONF = "cercle.urls_tenants"  # tasks reverse too, outside any request
RSVP_PURPOSE = "events.rsvp"
TARGET_TYPE = "events.event"
MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
MAX_DURATION = timedelta(days=31)
# Reminders go out this long before an occurrence starts.
REMINDER_BEFORE = timedelta(hours=24)


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
    if starts_at is None or timezone.is_naive(starts_at):
        errors["starts_at"] = _("Give the start date and time.")
    if ends_at is None or timezone.is_naive(ends_at):
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
    if rsvp_deadline is not None and "starts_at" not in errors and rsvp_deadline > starts_at:
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


def rsvp_link_path(event: Event, original_start: datetime, user_id: int) -> str:
    token = link_token(RSVP_PURPOSE, {"e": event.pk, "o": occurrence_key(original_start),
                                      "u": user_id})
    return reverse("events_rsvp_link", kwargs={"token": token}, urlconf=URLCONF)


def _audience(event: Event) -> list[int]:
    from shared_apps.spaces.selectors import space_member_user_ids

    return space_member_user_ids(space=event.space)


def _invite(event: Event) -> None:
    """Tell the space's members; each notification carries their own signed answer link."""
    text = _("New event: %(title)s") % {"title": event.title}
    for user_id in _audience(event):
        if user_id == event.author_id:
            continue
        notify(
            user_ids=[user_id], category=Category.EVENTS, text=text,
            url=rsvp_link_path(event, event.starts_at, user_id), actor_id=event.author_id,
            space_id=event.space_id,
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
