"""Events pages: list (upcoming, per space), month and week calendars, event page with RSVP,
create / edit (one date, the following, or all) / cancel / delete, attendees with check-in and
CSV export, .ics per event, the member's calendar subscription, and answering from the email's
signed link.

Thin: the policy decides, a service acts. What a member may not see or do answers 404. Pages
show and read times in the association's time zone."""

from __future__ import annotations

import calendar
import csv
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import wraps
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shared_apps.spaces.selectors import space_for_reader
from shared_apps.workspace.access import member_required
from shared_apps.workspace.csv_safe import safe_cell
from shared_apps.workspace.signed_links import LinkInvalid

from . import policy, services
from .feeds import feed_body
from .forms import CheckInForm, EventEditForm, EventForm, RsvpForm
from .ical import calendar_bytes
from .models import CalendarToken, Event, Occurrence, Rsvp, RsvpChannel
from .recurrence import Freq, recurrence_of
from .selectors import (
    attendees_of,
    author_names,
    creatable_spaces,
    event_for_reader,
    events_for,
    item_of,
    my_rsvp,
    next_item,
    occurrences_between,
)

UPCOMING_DAYS = 120
UPCOMING_MAX = 100


def in_association_zone(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Forms read and templates show times in the association's zone."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        with timezone.override(ZoneInfo(services.association_time_zone())):
            return view(request, *args, **kwargs)

    return wrapper


def _zone() -> ZoneInfo:
    return ZoneInfo(services.association_time_zone())


def _event(request: HttpRequest, pk: int) -> Event:
    event = event_for_reader(user_id=request.membership.user_id, pk=pk)
    if event is None:
        raise Http404
    return event


def _at(request: HttpRequest) -> datetime | None:
    raw = request.POST.get("at") or request.GET.get("at")
    if not raw:
        return None
    try:
        moment = datetime.fromtimestamp(int(raw), tz=ZoneInfo("UTC"))
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise Http404 from exc
    if not services.year_in_range(moment):
        raise Http404
    return moment


def _item(request: HttpRequest, event: Event):  # noqa: ANN202
    at = _at(request)
    if at is None:
        return next_item(event, timezone.now())
    item = item_of(event, at)
    if item is None:
        raise Http404
    return item


def _errors_into(form: object, error: ValidationError) -> None:
    for field, messages_ in error.message_dict.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


def _space_filter(request: HttpRequest):  # noqa: ANN202
    slug = request.GET.get("space")
    if not slug:
        return None
    space = space_for_reader(user_id=request.membership.user_id, slug=slug)
    if space is None:
        raise Http404
    return space


def _scoped_events(request: HttpRequest, space: object) -> object:
    events = events_for(user_id=request.membership.user_id)
    return events.filter(space=space) if space is not None else events


def _common(request: HttpRequest, space: object) -> dict:
    from shared_apps.spaces.selectors import spaces_readable

    return {
        "space": space,
        "spaces": spaces_readable(user_id=request.membership.user_id).filter(
            archived_at__isnull=True),
        "can_create": bool(creatable_spaces(request.membership)),
    }


@member_required()
@require_http_methods(["GET"])
@in_association_zone
def events_list(request: HttpRequest) -> HttpResponse:
    space = _space_filter(request)
    now = timezone.now()
    items = occurrences_between(events=_scoped_events(request, space), start=now,
                                end=now + timedelta(days=UPCOMING_DAYS),
                                user_id=request.membership.user_id)[:UPCOMING_MAX]
    return render(request, "events/list.html", {"items": items, **_common(request, space)})


@member_required()
@require_http_methods(["GET"])
@in_association_zone
def events_month(request: HttpRequest) -> HttpResponse:
    space = _space_filter(request)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
        month = int(request.GET.get("month", today.month))
        first = date(year, month, 1)
    except (TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc
    if not services.year_in_range(first):
        raise Http404  # the calendar's edges would overflow
    zone = _zone()
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    start = datetime.combine(weeks[0][0], time.min, tzinfo=zone)
    end = datetime.combine(weeks[-1][-1] + timedelta(days=1), time.min, tzinfo=zone)
    items = occurrences_between(events=_scoped_events(request, space), start=start, end=end,
                                user_id=request.membership.user_id)
    by_day: dict[date, list] = {}
    for item in items:
        day = item.starts_at.astimezone(zone).date()
        last = (item.ends_at - timedelta(seconds=1)).astimezone(zone).date()
        while day <= last:
            by_day.setdefault(day, []).append(item)
            day += timedelta(days=1)
    rows = [[{"day": d, "items": by_day.get(d, []), "in_month": d.month == month,
              "today": d == today} for d in week] for week in weeks]
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return render(request, "events/month.html", {
        "weeks": rows, "first": first, "previous": previous, "following": following,
        "items": items, **_common(request, space),
    })


@member_required()
@require_http_methods(["GET"])
@in_association_zone
def events_week(request: HttpRequest) -> HttpResponse:
    space = _space_filter(request)
    today = timezone.localdate()
    try:
        day = date.fromisoformat(request.GET["day"]) if request.GET.get("day") else today
    except ValueError as exc:
        raise Http404 from exc
    if not services.year_in_range(day):
        raise Http404
    monday = day - timedelta(days=day.weekday())
    zone = _zone()
    start = datetime.combine(monday, time.min, tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time.min, tzinfo=zone)
    items = occurrences_between(events=_scoped_events(request, space), start=start, end=end,
                                user_id=request.membership.user_id)
    days = []
    for offset in range(7):
        current = monday + timedelta(days=offset)
        day_start = datetime.combine(current, time.min, tzinfo=zone)
        day_end = day_start + timedelta(days=1)
        days.append({"day": current, "today": current == today,
                     "items": [i for i in items if i.starts_at < day_end
                               and i.ends_at > day_start]})
    return render(request, "events/week.html", {
        "days": days, "monday": monday, "previous": monday - timedelta(days=7),
        "following": monday + timedelta(days=7), **_common(request, space),
    })


def _detail_context(request: HttpRequest, event: Event, item: object) -> dict:
    membership = request.membership
    can_attendees = policy.can_view_attendees(membership, event)
    mine = my_rsvp(item.occurrence_id, membership.user_id)
    attendees = attendees_of(item.occurrence_id)
    deadline = services.deadline_of(event, item.starts_at)
    now = timezone.now()
    return {
        "event": event, "item": item, "rsvp": mine,
        "author_name": author_names([event]).get(event.author_id, ""),
        "attendees": attendees if can_attendees else None,
        "yes_count": len(attendees.yes),
        "places_left": None if item.capacity is None
        else max(item.capacity - len(attendees.yes), 0),
        "deadline": deadline,
        "can_answer": policy.can_rsvp(membership, event) and not item.cancelled
        and item.ends_at > now and (deadline is None or now <= deadline),
        "can_manage": policy.can_manage_event(membership, event),
        "can_export": policy.can_export_attendees(membership, event),
        "recurrence": recurrence_of(event.rrule, event.repeat_until),
    }


@member_required()
@require_http_methods(["GET"])
@in_association_zone
def events_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    item = _item(request, event)
    return render(request, "events/detail.html", _detail_context(request, event, item))


@member_required()
@require_POST
@in_association_zone
def events_rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    if not policy.can_rsvp(request.membership, event):
        raise Http404
    item = _item(request, event)
    form = RsvpForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Answer yes, maybe or no."), status=400)
    try:
        rsvp = services.rsvp_set(event=event, original_start=item.original_start,
                                 user_id=request.membership.user_id,
                                 answer=form.cleaned_data["answer"], channel=RsvpChannel.PAGE)
    except ValidationError as error:
        context = _detail_context(request, event, item)
        context["rsvp_error"] = " ".join(error.messages)
        return render(request, "events/detail.html", context, status=400)
    if rsvp.waiting:
        messages.info(request, _("The event is full: you are on the waiting list."))
    else:
        messages.success(request, _("Your answer is recorded."))
    return redirect(services.event_url(event, item.original_start))


def _form_initial(event: Event, item: object | None = None) -> dict:
    recurrence = recurrence_of(event.rrule, event.repeat_until)
    repeat = ""
    if recurrence is not None:
        repeat = recurrence.freq
        if recurrence.freq == Freq.WEEKLY and recurrence.interval == 2:
            repeat = "biweekly"
    zone = _zone()
    starts = item.starts_at if item else event.starts_at
    ends = item.ends_at if item else event.ends_at
    return {
        "space": event.space_id, "title": item.title if item else event.title,
        "description": item.description if item else event.description,
        "all_day": event.all_day,
        "starts_at": starts.astimezone(zone), "ends_at": ends.astimezone(zone),
        "location": item.location if item else event.location, "online_url": event.online_url,
        "capacity": item.capacity if item else event.capacity, "waitlist": event.waitlist,
        "rsvp_deadline": event.rsvp_deadline.astimezone(zone) if event.rsvp_deadline else None,
        "attendees_visibility": event.attendees_visibility, "repeat": repeat,
        "repeat_until": event.repeat_until,
        "repeat_count": recurrence.count if recurrence else None,
        # Opened from one date: that date is what is being edited, unless told otherwise.
        "scope": "this" if item else "all",
    }


def _times(cleaned: dict) -> tuple[datetime, datetime]:
    return cleaned["starts_at"], cleaned["ends_at"]


# What a date may have of its own; the form opened from a date shows that date's.
DATE_OWN = ("title", "description", "location", "capacity")


def _for_series(event: Event, item: object, cleaned: dict, scope: str) -> dict:
    """The form was filled from one date; to change every date (or this one and the next),
    what was left as that date has it keeps the series' value, and for every date a moved
    time moves the series by as much — the date's own text, places or time must not spread
    to the whole series unasked."""
    values = {name: cleaned[name] for name in DATE_OWN}
    for name in DATE_OWN:
        if values[name] == getattr(item, name):
            values[name] = getattr(event, name)
    starts_at, ends_at = _times(cleaned)
    if scope == "all":
        starts_at = event.starts_at + (starts_at - item.starts_at)
        ends_at = event.ends_at + (ends_at - item.ends_at)
    return {**values, "starts_at": starts_at, "ends_at": ends_at}


@member_required()
@require_http_methods(["GET", "POST"])
@in_association_zone
def events_create(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    spaces = creatable_spaces(membership)
    if not spaces:
        raise Http404
    initial = {"waitlist": True}
    if request.GET.get("space"):
        initial["space"] = next((s.pk for s in spaces if s.slug == request.GET["space"]), None)
    form = EventForm(request.POST if request.method == "POST" else None, spaces=spaces,
                     initial=initial)
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        starts_at, ends_at = _times(cleaned)
        try:
            event = services.event_create(
                author_id=membership.user_id, space=cleaned["space"], title=cleaned["title"],
                description=cleaned["description"], starts_at=starts_at, ends_at=ends_at,
                all_day=cleaned["all_day"], location=cleaned["location"],
                online_url=cleaned["online_url"], capacity=cleaned["capacity"],
                rsvp_deadline=cleaned["rsvp_deadline"], recurrence=form.recurrence(),
                waitlist=cleaned["waitlist"],
                attendees_visibility=cleaned["attendees_visibility"],
            )
        except ValidationError as error:
            _errors_into(form, error)
        else:
            messages.success(request, _("Event created."))
            return redirect("events_detail", pk=event.pk)
    return render(request, "events/form.html", {"form": form, "event": None},
                  status=400 if form.errors else 200)


@member_required()
@require_http_methods(["GET", "POST"])
@in_association_zone
def events_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    if not policy.can_manage_event(request.membership, event):
        raise Http404
    item = _item(request, event) if event.is_recurring and _at(request) else None
    form = EventEditForm(request.POST if request.method == "POST" else None,
                         initial=_form_initial(event, item))
    if not event.is_recurring:
        del form.fields["scope"]
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        scope = cleaned.get("scope") or "all"
        starts_at, ends_at = _times(cleaned)
        own = {name: cleaned[name] for name in DATE_OWN}
        if item is not None and scope != "this":
            series = _for_series(event, item, cleaned, scope)
            starts_at, ends_at = series.pop("starts_at"), series.pop("ends_at")
            own = series
        try:
            saved = services.event_update(
                event=event, actor_id=request.membership.user_id, title=own["title"],
                description=own["description"], starts_at=starts_at, ends_at=ends_at,
                all_day=cleaned["all_day"], location=own["location"],
                online_url=cleaned["online_url"], capacity=own["capacity"],
                rsvp_deadline=cleaned["rsvp_deadline"],
                recurrence=form.recurrence() if event.is_recurring or cleaned.get("repeat")
                else services.KEEP,
                waitlist=cleaned["waitlist"], attendees_visibility=cleaned["attendees_visibility"],
                scope=scope, original_start=item.original_start if item else None,
            )
        except ValidationError as error:
            _errors_into(form, error)
        else:
            messages.success(request, _("Event saved."))
            if scope == "this" and item is not None:
                return redirect(services.event_url(saved, item.original_start))
            return redirect("events_detail", pk=saved.pk)
    return render(request, "events/form.html", {"form": form, "event": event, "item": item},
                  status=400 if form.errors else 200)


@member_required()
@require_http_methods(["GET", "POST"])
@in_association_zone
def events_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel the whole event, or (with ?at=) one date of a series."""
    event = _event(request, pk)
    if not policy.can_manage_event(request.membership, event):
        raise Http404
    item = _item(request, event) if _at(request) and event.is_recurring else None
    if request.method == "POST":
        if item is not None:
            services.occurrence_cancel(event=event, original_start=item.original_start,
                                       actor_id=request.membership.user_id)
            messages.success(request, _("This date is cancelled; those who answered are told."))
            return redirect(services.event_url(event, item.original_start))
        services.event_cancel(event=event, actor_id=request.membership.user_id)
        messages.success(request, _("Event cancelled; those who answered are told."))
        return redirect("events_detail", pk=event.pk)
    return render(request, "events/confirm.html",
                  {"event": event, "item": item, "action": "cancel"})


@member_required()
@require_http_methods(["GET", "POST"])
@in_association_zone
def events_delete(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    if not policy.can_manage_event(request.membership, event):
        raise Http404
    if request.method == "POST":
        services.event_delete(event=event, actor_id=request.membership.user_id)
        messages.success(request, _("Event deleted."))
        return redirect("events")
    return render(request, "events/confirm.html", {"event": event, "action": "delete"})


@member_required()
@require_http_methods(["GET"])
@in_association_zone
def events_attendees(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    if not policy.can_view_attendees(request.membership, event):
        raise Http404
    item = _item(request, event)
    return render(request, "events/attendees.html", {
        "event": event, "item": item, "attendees": attendees_of(item.occurrence_id),
        "can_check_in": policy.can_check_in(request.membership, event),
        "can_export": policy.can_export_attendees(request.membership, event),
    })


@member_required()
@require_http_methods(["GET"])
@in_association_zone
def events_attendees_csv(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    if not policy.can_export_attendees(request.membership, event):
        raise Http404
    item = _item(request, event)
    attendees = attendees_of(item.occurrence_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-{item.key}.csv"'
    response.write("\ufeff")  # spreadsheets open UTF-8 with accents right
    writer = csv.writer(response, delimiter=";")
    writer.writerow([safe_cell(c) for c in (_("Name"), _("Answer"), _("Answered on"),
                                            _("Present"))])
    zone = _zone()
    labels = {"yes": _("Yes"), "maybe": _("Maybe"), "no": _("No"), "waiting": _("Waiting list")}
    for group in ("yes", "waiting", "maybe", "no"):
        for person in getattr(attendees, group):
            writer.writerow([safe_cell(cell) for cell in (
                person.name, labels[group],
                person.rsvp.answered_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                _("Yes") if person.rsvp.checked_in_at else "",
            )])
    return response


@member_required()
@require_POST
@in_association_zone
def events_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    if not policy.can_check_in(request.membership, event):
        raise Http404
    form = CheckInForm(request.POST)
    if not form.is_valid():
        raise Http404
    rsvp = Rsvp.objects.filter(pk=form.cleaned_data["rsvp"], occurrence__event=event).first()
    if rsvp is None:
        raise Http404
    services.rsvp_check_in(rsvp=rsvp, present=form.cleaned_data["present"])
    path = services.event_url(event, rsvp.occurrence.original_start).replace(
        f"/events/{event.pk}/", f"/events/{event.pk}/attendees/")
    return redirect(f"{path}#rsvp-{rsvp.pk}")


@member_required()
@require_http_methods(["GET"])
def events_ics(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    body = calendar_bytes([event], Occurrence.objects.filter(event=event).filter(
        cancelled=True) | Occurrence.objects.filter(event=event, modified=True),
        base_url=request.build_absolute_uri("/").rstrip("/"), name=event.title)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response


@member_required()
@require_http_methods(["GET"])
def events_calendar(request: HttpRequest) -> HttpResponse:
    """The member's subscription address (made on first visit)."""
    token = services.calendar_token_of(user_id=request.membership.user_id)
    return render(request, "events/calendar.html", {
        "feed_url": request.build_absolute_uri(f"/events/feed/{token.token}.ics"),
    })


@member_required()
@require_POST
def events_calendar_rotate(request: HttpRequest) -> HttpResponse:
    services.calendar_token_rotate(user_id=request.membership.user_id)
    messages.success(request, _("New address made: the old one no longer works."))
    return redirect("events_calendar")


@require_http_methods(["GET"])
def events_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The subscription URL, for calendar apps (no sign-in: the secret token is the key; it
    belongs to one member of this association)."""
    from shared_apps.members.models import Membership, MembershipStatus

    row = CalendarToken.objects.filter(token=token).first()
    if row is None or not Membership.objects.filter(
        user_id=row.user_id, status=MembershipStatus.ACTIVE
    ).exists():
        raise Http404
    body = feed_body(user_id=row.user_id, base_url=request.build_absolute_uri("/").rstrip("/"),
                     name=request.tenant.name)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_http_methods(["GET", "POST"])
@in_association_zone
def events_rsvp_link(request: HttpRequest, token: str) -> HttpResponse:
    """From the email, without signing in. GET only shows the event and the buttons: mail
    scanners open links, and must not answer on the member's behalf."""
    try:
        event, original_start, user_id = services.rsvp_link_resolve(token)
    except LinkInvalid:
        return render(request, "events/rsvp_link.html", {"invalid": True}, status=400)
    item = item_of(event, original_start)
    if item is None:
        return render(request, "events/rsvp_link.html", {"invalid": True}, status=400)
    error = ""
    just_done = False
    if request.method == "POST":
        form = RsvpForm(request.POST)
        if not form.is_valid():
            error = _("Answer yes, maybe or no.")
        else:
            try:
                services.rsvp_set(event=event, original_start=original_start, user_id=user_id,
                                  answer=form.cleaned_data["answer"], channel=RsvpChannel.LINK)
                just_done = True
            except ValidationError as exc:
                error = " ".join(exc.messages)
    return render(request, "events/rsvp_link.html", {
        "event": event, "item": item, "rsvp": my_rsvp(
            Occurrence.objects.filter(event=event, original_start=original_start)
            .values_list("pk", flat=True).first(), user_id),
        "just_done": just_done, "error": error,
    }, status=400 if error else 200)
