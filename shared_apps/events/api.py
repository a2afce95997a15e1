"""REST endpoints of the events app: the same policy, selectors and services as the pages.
An event the member may not see, or an action they may not take, answers 404."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.members.models import Membership
from shared_apps.spaces.selectors import space_default, spaces_readable
from shared_apps.workspace.api import IsMember
from shared_apps.workspace.api_support import api_error as _fail
from shared_apps.workspace.api_support import membership_of as _membership
from shared_apps.workspace.api_support import validated as _valid

from . import policy, services
from .models import Answer, AttendeesVisibility, Event, RsvpChannel
from .recurrence import Freq, Recurrence, recurrence_of
from .selectors import attendees_of, event_for_reader, events_for, item_of, occurrences_between

MAX_RANGE = timedelta(days=400)



def _event(request: Request, pk: int) -> Event:
    event = event_for_reader(user_id=_membership(request).user_id, pk=pk)
    if event is None:
        raise NotFound
    return event




def _at(event: Event, key: int | None) -> datetime:
    if key is None:
        return event.starts_at
    try:
        moment = datetime.fromtimestamp(int(key), tz=ZoneInfo("UTC"))
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise NotFound from exc
    if not services.year_in_range(moment):
        raise NotFound
    return moment


# --- Serializers -------------------------------------------------------------------------------


class EventsRecurrenceIO(serializers.Serializer):
    freq = serializers.ChoiceField(choices=[(f, f) for f in Freq.ALL],
                                   help_text="weekly, monthly_date or monthly_weekday")
    interval = serializers.IntegerField(min_value=1, max_value=12, default=1)
    until = serializers.DateField(required=False, allow_null=True, default=None)
    count = serializers.IntegerField(required=False, allow_null=True, default=None)


class EventsSpaceOut(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    is_default = serializers.BooleanField()


class EventsEventOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    description_html = serializers.CharField()
    space = EventsSpaceOut()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    all_day = serializers.BooleanField()
    time_zone = serializers.CharField()
    location = serializers.CharField()
    online_url = serializers.CharField()
    capacity = serializers.IntegerField(allow_null=True)
    waitlist = serializers.BooleanField()
    rsvp_deadline = serializers.DateTimeField(allow_null=True)
    attendees_visibility = serializers.CharField()
    rrule = serializers.CharField(help_text="RFC 5545 RRULE (UNTIL kept in `recurrence`).")
    recurrence = EventsRecurrenceIO(allow_null=True)
    cancelled = serializers.BooleanField()
    can_manage = serializers.BooleanField()


class EventsOccurrenceOut(serializers.Serializer):
    event_id = serializers.IntegerField()
    at = serializers.IntegerField(help_text="The date's key (its original start, Unix time).")
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    location = serializers.CharField()
    cancelled = serializers.BooleanField()
    going = serializers.IntegerField()
    my_answer = serializers.CharField()
    capacity = serializers.IntegerField(
        allow_null=True, help_text="Places for this date (its own, else the event's); null: "
        "unlimited.",
    )
    description_html = serializers.CharField(help_text="This date's, else the event's.")


class EventsEventIn(serializers.Serializer):
    space = serializers.SlugField(required=False, allow_blank=True, default="",
                                  help_text="Slug of the space; left out: the association.")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="",
                                        max_length=20_000)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    all_day = serializers.BooleanField(required=False, default=False)
    location = serializers.CharField(required=False, allow_blank=True, default="")
    online_url = serializers.CharField(required=False, allow_blank=True, default="")
    capacity = serializers.IntegerField(required=False, allow_null=True, default=None)
    waitlist = serializers.BooleanField(required=False, default=True)
    rsvp_deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)
    attendees_visibility = serializers.ChoiceField(
        choices=AttendeesVisibility.choices, required=False,
        default=AttendeesVisibility.EVERYONE)
    recurrence = EventsRecurrenceIO(required=False, allow_null=True, default=None)


class EventsEventUpdateIn(EventsEventIn):
    scope = serializers.ChoiceField(choices=[("this", "this"), ("following", "following"),
                                             ("all", "all")], default="all")
    at = serializers.IntegerField(required=False, allow_null=True, default=None)


class EventsRsvpIn(serializers.Serializer):
    answer = serializers.ChoiceField(choices=Answer.choices)
    at = serializers.IntegerField(required=False, allow_null=True, default=None)


class EventsRsvpOut(serializers.Serializer):
    answer = serializers.CharField()
    waiting = serializers.BooleanField()
    answered_at = serializers.DateTimeField()


class EventsAttendeeOut(serializers.Serializer):
    rsvp_id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    answer = serializers.CharField()
    waiting = serializers.BooleanField()
    checked_in = serializers.BooleanField()


class EventsCancelIn(serializers.Serializer):
    at = serializers.IntegerField(required=False, allow_null=True, default=None,
                                  help_text="One date of a series; left out: the whole event.")


class EventsCheckInIn(serializers.Serializer):
    rsvp_id = serializers.IntegerField()
    present = serializers.BooleanField(default=True)


class EventsCalendarOut(serializers.Serializer):
    feed_url = serializers.CharField()


def _recurrence(data: dict | None) -> Recurrence | None:
    return Recurrence(**data) if data else None


def _current(event: Event, item: object | None) -> dict:
    """What an edit leaves as it is when a field is left out (the date's own, for one date)."""
    return {
        "description": item.description if item else event.description,
        "location": item.location if item else event.location,
        "capacity": item.capacity if item else event.capacity,
        "all_day": event.all_day, "online_url": event.online_url, "waitlist": event.waitlist,
        "rsvp_deadline": event.rsvp_deadline,
        "attendees_visibility": event.attendees_visibility,
    }


def _event_out(event: Event, membership: Membership) -> dict:
    rec = recurrence_of(event.rrule, event.repeat_until)
    space = event.space
    return {
        "id": event.pk, "title": event.title, "description": event.description,
        "description_html": event.description_html,
        "space": {"slug": space.slug, "name": space.name, "is_default": space.is_default},
        "starts_at": event.starts_at, "ends_at": event.ends_at, "all_day": event.all_day,
        "time_zone": event.time_zone, "location": event.location,
        "online_url": event.online_url, "capacity": event.capacity,
        "waitlist": event.waitlist, "rsvp_deadline": event.rsvp_deadline,
        "attendees_visibility": event.attendees_visibility, "rrule": event.rrule,
        "recurrence": rec.__dict__ if rec else None,
        "cancelled": event.cancelled_at is not None,
        "can_manage": policy.can_manage_event(membership, event),
    }


def _space(membership: Membership, slug: str):  # noqa: ANN202
    if not slug:
        return space_default()
    space = spaces_readable(user_id=membership.user_id).filter(slug=slug).first()
    if space is None:
        raise ValidationError({"space": [_("No such space.")]})
    return space


# --- Views -------------------------------------------------------------------------------------


class EventListApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(
        parameters=[OpenApiParameter("start", str, description="ISO date-time (default now)"),
                    OpenApiParameter("end", str, description="ISO date-time (default +90 days)"),
                    OpenApiParameter("space", str, description="Slug of a space")],
        responses=EventsOccurrenceOut(many=True),
        summary="The dates of the events the member can see, in a range",
    )
    def get(self, request: Request) -> Response:
        membership = _membership(request)
        try:
            start = datetime.fromisoformat(request.query_params["start"]) \
                if request.query_params.get("start") else timezone.now()
            end = datetime.fromisoformat(request.query_params["end"]) \
                if request.query_params.get("end") else None
        except ValueError as exc:
            raise ValidationError({"start": [_("Give dates as ISO 8601.")]}) from exc
        # Before any arithmetic: a far-off year would overflow into a 500.
        for name, value in (("start", start), ("end", end)):
            if not services.year_in_range(value):
                raise ValidationError({name: [services.out_of_range_message()]})
        end = end or start + timedelta(days=90)
        zone = ZoneInfo(services.association_time_zone())
        start = start if timezone.is_aware(start) else start.replace(tzinfo=zone)
        end = end if timezone.is_aware(end) else end.replace(tzinfo=zone)
        if end <= start or end - start > MAX_RANGE:
            raise ValidationError({"end": [_("The range must be positive and at most 400 days.")]})
        events = events_for(user_id=membership.user_id)
        if request.query_params.get("space"):
            events = events.filter(space__slug=request.query_params["space"])
        items = occurrences_between(events=events, start=start, end=end,
                                    user_id=membership.user_id)
        return Response([{
            "event_id": i.event.pk, "at": i.key, "title": i.title, "starts_at": i.starts_at,
            "ends_at": i.ends_at, "location": i.location, "cancelled": i.cancelled,
            "going": i.yes_count, "my_answer": i.my_answer, "capacity": i.capacity,
            "description_html": i.description_html,
        } for i in items])

    @extend_schema(request=EventsEventIn, responses={201: EventsEventOut},
                   summary="Create an event (board, staff, moderators of the space)")
    def post(self, request: Request) -> Response:
        membership = _membership(request)
        data = _valid(EventsEventIn, request.data)
        space = _space(membership, data.pop("space"))
        if not policy.can_create_event_in(membership, space):
            raise NotFound
        try:
            event = services.event_create(author_id=membership.user_id, space=space,
                                          recurrence=_recurrence(data.pop("recurrence")),
                                          **data)
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response(_event_out(event, membership), status=status.HTTP_201_CREATED)


class EventDetailApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=EventsEventOut, summary="An event")
    def get(self, request: Request, pk: int) -> Response:
        return Response(_event_out(_event(request, pk), _membership(request)))

    @extend_schema(request=EventsEventUpdateIn, responses=EventsEventOut,
                   summary="Edit an event: one date, this and the following, or all (fields "
                   "left out keep their value)")
    def put(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        membership = _membership(request)
        if not policy.can_manage_event(membership, event):
            raise NotFound
        data = _valid(EventsEventUpdateIn, request.data)
        data.pop("space")
        at = data.pop("at")
        recurrence = data.pop("recurrence")
        original_start = _at(event, at) if at is not None else None
        # Left out: the rule stays as it is (a rename must not flatten a series); only an
        # explicit null stops the repetition. Other fields left out keep their value too — for
        # one date, that date's own (a missing capacity must not make it unlimited).
        keep = "recurrence" not in request.data
        one_date = original_start is not None and data["scope"] == "this"
        item = item_of(event, original_start) if one_date else None
        for name, value in _current(event, item).items():
            if name not in request.data:
                data[name] = value
        try:
            saved = services.event_update(
                event=event, actor_id=membership.user_id, original_start=original_start,
                recurrence=services.KEEP if keep else _recurrence(recurrence),
                **data,
            )
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response(_event_out(saved, membership))

    @extend_schema(responses={204: None}, summary="Delete an event")
    def delete(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        membership = _membership(request)
        if not policy.can_manage_event(membership, event):
            raise NotFound
        services.event_delete(event=event, actor_id=membership.user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EventCancelApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=EventsCancelIn, responses=EventsEventOut,
                   summary="Cancel an event, or one date of a series")
    def post(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        membership = _membership(request)
        if not policy.can_manage_event(membership, event):
            raise NotFound
        at = _valid(EventsCancelIn, request.data)["at"]
        try:
            if at is not None:
                services.occurrence_cancel(event=event, original_start=_at(event, at),
                                           actor_id=membership.user_id)
            else:
                services.event_cancel(event=event, actor_id=membership.user_id)
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response(_event_out(event, membership))


class EventRsvpApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=EventsRsvpIn, responses=EventsRsvpOut,
                   summary="Answer yes, maybe or no (for one date of a series: `at`)")
    def post(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        membership = _membership(request)
        if not policy.can_rsvp(membership, event):
            raise NotFound
        data = _valid(EventsRsvpIn, request.data)
        try:
            rsvp = services.rsvp_set(event=event, original_start=_at(event, data["at"]),
                                     user_id=membership.user_id, answer=data["answer"],
                                     channel=RsvpChannel.API)
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response({"answer": rsvp.answer, "waiting": rsvp.waiting,
                         "answered_at": rsvp.answered_at})


class EventAttendeesApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(parameters=[OpenApiParameter("at", int)],
                   responses=EventsAttendeeOut(many=True),
                   summary="Who answered what (visible per the event's setting)")
    def get(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        if not policy.can_view_attendees(_membership(request), event):
            raise NotFound
        at = request.query_params.get("at")
        item = item_of(event, _at(event, int(at) if at and at.isdigit() else None))
        if item is None:
            raise NotFound
        groups = attendees_of(item.occurrence_id)
        rows = []
        for group in ("yes", "waiting", "maybe", "no"):
            for person in getattr(groups, group):
                rows.append({"rsvp_id": person.rsvp.pk, "user_id": person.rsvp.user_id,
                             "name": person.name, "answer": person.rsvp.answer,
                             "waiting": person.rsvp.waiting,
                             "checked_in": person.rsvp.checked_in_at is not None})
        return Response(rows)


class EventCheckInApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=EventsCheckInIn, responses=EventsAttendeeOut,
                   summary="Mark someone present (organisers)")
    def post(self, request: Request, pk: int) -> Response:
        from .models import Rsvp

        event = _event(request, pk)
        if not policy.can_check_in(_membership(request), event):
            raise NotFound
        data = _valid(EventsCheckInIn, request.data)
        rsvp = Rsvp.objects.filter(pk=data["rsvp_id"], occurrence__event=event).first()
        if rsvp is None:
            raise NotFound
        services.rsvp_check_in(rsvp=rsvp, present=data["present"])
        return Response({"rsvp_id": rsvp.pk, "user_id": rsvp.user_id, "name": "",
                         "answer": rsvp.answer, "waiting": rsvp.waiting,
                         "checked_in": rsvp.checked_in_at is not None})


class CalendarFeedApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=EventsCalendarOut, summary="The member's calendar address")
    def get(self, request: Request) -> Response:
        token = services.calendar_token_of(user_id=_membership(request).user_id)
        return Response({"feed_url": request.build_absolute_uri(
            f"/events/feed/{token.token}.ics")})

    @extend_schema(request=None, responses=EventsCalendarOut,
                   summary="Make a new calendar address (the old one stops working)")
    def post(self, request: Request) -> Response:
        token = services.calendar_token_rotate(user_id=_membership(request).user_id)
        return Response({"feed_url": request.build_absolute_uri(
            f"/events/feed/{token.token}.ics")})
