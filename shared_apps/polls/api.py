"""REST endpoints of the polls app: the same policy, selectors and services as the pages.

A poll the member may not read answers 404; so does an action they may not take on one they
can read."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.members.models import Membership
from shared_apps.spaces.selectors import space_default, space_for_reader, spaces_readable
from shared_apps.workspace.api import IsMember
from shared_apps.workspace.api_support import api_error as _fail
from shared_apps.workspace.api_support import membership_of as _membership
from shared_apps.workspace.api_support import validated as _valid

from . import policy, services
from .models import Poll, PollKind, ResultsVisibility
from .selectors import (
    date_table_of,
    has_voted,
    named_ballot_of,
    options_of,
    poll_for_reader,
    polls_list,
    results_of,
    slot_answers_of,
)


def _poll(request: Request, pk: int) -> Poll:
    poll = poll_for_reader(user_id=_membership(request).user_id, pk=pk)
    if poll is None:
        raise NotFound
    return poll




# --- Serializers -------------------------------------------------------------------------------


class PollSpaceOut(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    is_default = serializers.BooleanField()


class PollOptionOut(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    starts_at = serializers.DateTimeField(allow_null=True, help_text="Date polls: the slot.")
    ends_at = serializers.DateTimeField(allow_null=True)


class PollOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="single, multiple, ranked or date.")
    question = serializers.CharField()
    space = PollSpaceOut()
    anonymous = serializers.BooleanField()
    results_visibility = serializers.CharField(help_text="always, after_vote or after_close.")
    deadline = serializers.DateTimeField(allow_null=True)
    is_closed = serializers.BooleanField()
    has_voted = serializers.BooleanField()
    voter_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class PollDetailOut(PollOut):
    description = serializers.CharField()
    min_choices = serializers.IntegerField()
    max_choices = serializers.IntegerField()
    options = PollOptionOut(many=True)
    my_choices = serializers.ListField(
        child=serializers.IntegerField(), allow_null=True,
        help_text="Named polls: the member's ballot (best first when ranked). Anonymous: null.")
    my_answers = serializers.DictField(child=serializers.CharField(),
                                       help_text="Date polls: slot id → yes, maybe or no.")
    event_id = serializers.IntegerField(allow_null=True)
    can_vote = serializers.BooleanField()
    can_manage = serializers.BooleanField()
    can_see_results = serializers.BooleanField()


class PollIn(serializers.Serializer):
    space = serializers.SlugField(required=False, allow_blank=True, default="",
                                  help_text="Slug of the space; left out: the whole association.")
    kind = serializers.ChoiceField(choices=PollKind.values)
    question = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="",
                                        max_length=5000)
    options = serializers.ListField(child=serializers.CharField(max_length=200), required=False,
                                    default=list, help_text="Choice polls: the options.")
    slots = serializers.ListField(
        child=serializers.DictField(child=serializers.DateTimeField()), required=False,
        default=list, help_text='Date polls: [{"starts_at": …, "ends_at": …}].')
    anonymous = serializers.BooleanField(required=False, default=False)
    min_choices = serializers.IntegerField(required=False, default=1)
    max_choices = serializers.IntegerField(required=False, default=1)
    results_visibility = serializers.ChoiceField(choices=ResultsVisibility.values,
                                                 required=False, default="always")
    deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)


class PollUpdateIn(serializers.Serializer):
    question = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    deadline = serializers.DateTimeField(required=False, allow_null=True)
    results_visibility = serializers.ChoiceField(choices=ResultsVisibility.values,
                                                 required=False)
    options = serializers.ListField(child=serializers.CharField(max_length=200),
                                    required=False)
    min_choices = serializers.IntegerField(required=False)
    max_choices = serializers.IntegerField(required=False)


class PollVoteIn(serializers.Serializer):
    choices = serializers.ListField(child=serializers.IntegerField(), required=False,
                                    help_text="Option ids; ranked polls: best first.")
    answers = serializers.DictField(child=serializers.CharField(), required=False,
                                    help_text="Date polls: slot id → yes, maybe or no.")
    receipt = serializers.CharField(required=False, allow_blank=True, default="",
                                    help_text="Anonymous polls: the code to change a vote.")


class PollVoteOut(serializers.Serializer):
    changed = serializers.BooleanField()
    receipt = serializers.CharField(allow_null=True,
                                    help_text="Anonymous polls: keep it to change the vote.")


class PollOptionResultOut(serializers.Serializer):
    option_id = serializers.IntegerField()
    label = serializers.CharField()
    votes = serializers.IntegerField()
    percent = serializers.IntegerField()
    is_winner = serializers.BooleanField()


class PollRoundOut(serializers.Serializer):
    number = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField(),
                                   help_text="Option id → votes in this round.")
    exhausted = serializers.IntegerField()
    eliminated = serializers.ListField(child=serializers.IntegerField())


class PollSlotResultOut(serializers.Serializer):
    option_id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    yes = serializers.IntegerField()
    maybe = serializers.IntegerField()
    no = serializers.IntegerField()
    is_best = serializers.BooleanField()


class PollResultsOut(serializers.Serializer):
    voter_count = serializers.IntegerField()
    counting_method = serializers.CharField(
        help_text="plurality, instant_runoff or date_slots.")
    options = PollOptionResultOut(many=True)
    rounds = PollRoundOut(many=True)
    winners = serializers.ListField(child=serializers.IntegerField())
    slots = PollSlotResultOut(many=True)


class PollEventIn(serializers.Serializer):
    option = serializers.IntegerField(required=False, allow_null=True, default=None,
                                      help_text="The slot; left out: the best one.")


class PollEventOut(serializers.Serializer):
    event_id = serializers.IntegerField()


def _row_out(poll: Poll, user_id: int) -> dict:
    space = poll.space
    voted = getattr(poll, "has_voted", None)
    return {
        "id": poll.pk, "kind": poll.kind, "question": poll.question,
        "space": {"slug": space.slug, "name": space.name, "is_default": space.is_default},
        "anonymous": poll.anonymous, "results_visibility": poll.results_visibility,
        "deadline": poll.deadline, "is_closed": poll.is_closed,
        "has_voted": has_voted(poll=poll, user_id=user_id) if voted is None else voted,
        "voter_count": getattr(poll, "voter_count", None)
        if hasattr(poll, "voter_count") else poll.participations.count(),
        "created_at": poll.created_at,
    }


def _detail_out(poll: Poll, membership: Membership) -> dict:
    user_id = membership.user_id
    row = _row_out(poll, user_id)
    ballot = named_ballot_of(poll=poll, user_id=user_id)
    row.update(
        description=poll.description, min_choices=poll.min_choices,
        max_choices=poll.max_choices,
        options=[{"id": o.pk, "label": o.label, "starts_at": o.starts_at, "ends_at": o.ends_at}
                 for o in options_of(poll)],
        my_choices=list(ballot.choices) if ballot else None,
        my_answers={str(k): v for k, v in slot_answers_of(poll=poll, user_id=user_id).items()},
        event_id=poll.event_id,
        can_vote=policy.can_vote(membership, poll),
        can_manage=policy.can_manage(membership, poll),
        can_see_results=policy.can_see_results(membership, poll, has_voted=row["has_voted"]),
    )
    return row


# --- Views -------------------------------------------------------------------------------------


class PollsPagination(PageNumberPagination):
    page_size = 20


class PollListApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(
        responses=PollOut(many=True), summary="Polls the member may read, open or closed",
        parameters=[
            OpenApiParameter("state", str, enum=["open", "closed"], required=False),
            OpenApiParameter("space", str, required=False, description="A space's slug."),
        ],
    )
    def get(self, request: Request) -> Response:
        user_id = _membership(request).user_id
        space = None
        if request.query_params.get("space"):
            space = space_for_reader(user_id=user_id, slug=request.query_params["space"])
            if space is None:
                raise NotFound
        state = "closed" if request.query_params.get("state") == "closed" else "open"
        paginator = PollsPagination()
        rows = paginator.paginate_queryset(
            polls_list(user_id=user_id, space=space, state=state), request, view=self)
        return paginator.get_paginated_response([_row_out(p, user_id) for p in rows])

    @extend_schema(request=PollIn, responses={201: PollDetailOut},
                   summary="Open a poll or a date poll (notifies its audience)")
    def post(self, request: Request) -> Response:
        membership = _membership(request)
        data = _valid(PollIn, request.data)
        if data["space"]:
            space = spaces_readable(user_id=membership.user_id).filter(
                slug=data["space"]).first()
            if space is None:
                raise ValidationError({"space": [_("No such space.")]})
        else:
            space = space_default()
        if not policy.can_create_in(membership, space):
            raise NotFound
        slots = []
        for slot in data["slots"]:
            if "starts_at" not in slot or "ends_at" not in slot:
                raise ValidationError({"slots": [_("Give the start and the end of each slot.")]})
            slots.append(services.Slot(slot["starts_at"], slot["ends_at"]))
        try:
            poll = services.poll_create(
                author_id=membership.user_id, space=space, kind=data["kind"],
                question=data["question"], description=data["description"],
                options=data["options"], slots=slots, anonymous=data["anonymous"],
                min_choices=data["min_choices"], max_choices=data["max_choices"],
                results_visibility=data["results_visibility"], deadline=data["deadline"],
            )
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response(_detail_out(poll, membership), status=status.HTTP_201_CREATED)


class PollDetailApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=PollDetailOut, summary="A poll, with the member's own ballot")
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail_out(_poll(request, pk), _membership(request)))

    @extend_schema(request=PollUpdateIn, responses=PollDetailOut,
                   summary="Edit a poll (options only until the first vote)")
    def patch(self, request: Request, pk: int) -> Response:
        poll = _poll(request, pk)
        membership = _membership(request)
        if not policy.can_manage(membership, poll):
            raise NotFound
        data = _valid(PollUpdateIn, request.data)
        try:
            poll = services.poll_update(
                poll=poll, question=data.get("question", poll.question),
                description=data.get("description", poll.description),
                deadline=data.get("deadline", poll.deadline),
                results_visibility=data.get("results_visibility"),
                options=data.get("options"), min_choices=data.get("min_choices"),
                max_choices=data.get("max_choices"),
            )
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response(_detail_out(poll, membership))

    @extend_schema(responses={204: None}, summary="Delete a poll and its votes")
    def delete(self, request: Request, pk: int) -> Response:
        poll = _poll(request, pk)
        if not policy.can_manage(_membership(request), poll):
            raise NotFound
        services.poll_delete(poll=poll)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PollVoteApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=PollVoteIn, responses=PollVoteOut,
                   summary="Vote or change one's vote (date polls: answer each slot)")
    def post(self, request: Request, pk: int) -> Response:
        poll = _poll(request, pk)
        membership = _membership(request)
        if not policy.is_in_audience(membership, poll):
            raise NotFound
        data = _valid(PollVoteIn, request.data)
        try:
            if poll.is_date_poll:
                outcome = services.date_answers_set(
                    poll=poll, user_id=membership.user_id, answers=data.get("answers") or {})
            else:
                outcome = services.vote_cast(
                    poll=poll, user_id=membership.user_id, choices=data.get("choices") or [],
                    receipt=data["receipt"] or None)
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response({"changed": outcome.changed, "receipt": outcome.receipt})


class PollCloseApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=None, responses=PollDetailOut, summary="Close a poll now")
    def post(self, request: Request, pk: int) -> Response:
        poll = _poll(request, pk)
        membership = _membership(request)
        if not policy.can_manage(membership, poll):
            raise NotFound
        return Response(_detail_out(services.poll_close(poll=poll), membership))


class PollResultsApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=PollResultsOut,
                   summary="Results, when the poll lets this member see them")
    def get(self, request: Request, pk: int) -> Response:
        poll = _poll(request, pk)
        membership = _membership(request)
        voted = has_voted(poll=poll, user_id=membership.user_id)
        if not policy.can_see_results(membership, poll, has_voted=voted):
            raise NotFound
        out = {"voter_count": poll.participations.count(), "options": [], "rounds": [],
               "winners": [], "slots": []}
        if poll.is_date_poll:
            table = date_table_of(poll)
            out["counting_method"] = "date_slots"
            out["slots"] = [
                {"option_id": c.option.pk, "starts_at": c.option.starts_at,
                 "ends_at": c.option.ends_at, "yes": c.yes, "maybe": c.maybe, "no": c.no,
                 "is_best": c.is_best} for c in table.slots]
            out["winners"] = [table.best.pk] if table.best else []
            return Response(out)
        results = results_of(poll)
        out["counting_method"] = "instant_runoff" if results.irv else "plurality"
        out["options"] = [
            {"option_id": r.option.pk, "label": r.option.label, "votes": r.votes,
             "percent": r.percent, "is_winner": r.is_winner} for r in results.options]
        out["winners"] = [r.option.pk for r in results.options if r.is_winner]
        if results.irv:
            out["rounds"] = [
                {"number": r.number, "counts": {str(k): v for k, v in r.counts.items()},
                 "exhausted": r.exhausted, "eliminated": r.eliminated}
                for r in results.irv.rounds]
            out["winners"] = results.irv.winners
        return Response(out)


class PollEventApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=PollEventIn, responses={201: PollEventOut},
                   summary="Turn a date poll's slot into an event (closes the poll)")
    def post(self, request: Request, pk: int) -> Response:
        from shared_apps.events.policy import can_create_event_in

        poll = _poll(request, pk)
        membership = _membership(request)
        if not (poll.is_date_poll and policy.can_manage(membership, poll)
                and can_create_event_in(membership, poll.space)):
            raise NotFound
        data = _valid(PollEventIn, request.data)
        if data["option"] is None:
            option = date_table_of(poll).best
        else:
            option = next((o for o in options_of(poll) if o.pk == data["option"]), None)
        if option is None:
            raise ValidationError({"option": [_("Choose one of the poll's slots.")]})
        try:
            event_id = services.poll_event_create(poll=poll, option=option,
                                                  author_id=membership.user_id)
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response({"event_id": event_id}, status=status.HTTP_201_CREATED)
