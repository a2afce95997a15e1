"""REST endpoints of the spaces app: the same policy and services as the pages.

Members are named by their membership id (the id of /api/v1/members/). A space the member may
not see, or an action they may not take on a space, answers 404."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.members.models import Membership, MembershipStatus
from shared_apps.workspace.api import IsMember

from . import services
from .models import Space, Visibility
from .policy import (
    can_change_spaces_settings,
    can_create_space,
    can_edit_space,
    can_join_space,
    can_leave_space,
    can_manage_space_members,
    can_request_space,
)
from .selectors import (
    SpaceMember,
    space_for_viewer,
    space_has_requested,
    space_is_member,
    space_is_moderator,
    space_members,
    space_requests,
    spaces_settings,
    spaces_with_counts,
)
from .services import SpaceError


def _membership(request: Request) -> Membership:
    return request._request.membership


def _space(request: Request, slug: str, allowed: Callable[[Membership, Space], bool] | None
           = None) -> Space:
    membership = _membership(request)
    space = space_for_viewer(user_id=membership.user_id, slug=slug)
    if space is None or (allowed is not None and not allowed(membership, space)):
        raise NotFound
    return space


def _user_ids(membership_ids: list[int], field: str) -> dict[int, int]:
    """membership id → account id, for active members only (others: a clear error)."""
    found = dict(
        Membership.objects.filter(
            pk__in=membership_ids, status=MembershipStatus.ACTIVE
        ).values_list("pk", "user_id")
    )
    missing = sorted(set(membership_ids) - set(found))
    if missing:
        raise ValidationError(
            {field: [_("Not an active member of the association: %(ids)s.")
                     % {"ids": ", ".join(map(str, missing))}]}
        )
    return found


def _member_user_id(pk: int) -> int:
    user_id = (
        Membership.objects.filter(pk=pk, status=MembershipStatus.ACTIVE)
        .values_list("user_id", flat=True)
        .first()
    )
    if user_id is None:
        raise NotFound
    return user_id


def _fail(error: SpaceError) -> ValidationError:
    return ValidationError({error.field or "non_field_errors": [error.message]})


# --- Serializers -------------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^(" + "|".join(Visibility.values) + ")$",
        "description": "Who sees and joins the space: " + ", ".join(Visibility.values) + ".",
    }
)
class SpaceVisibilityField(serializers.ChoiceField):
    """Documented as a pattern: other apps have a "visibility" enum with other values, and the
    schema would otherwise have two enums fighting for one name."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(choices=Visibility.choices, **kwargs)


class SpaceOut(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    visibility = SpaceVisibilityField()
    is_default = serializers.BooleanField()
    archived = serializers.BooleanField()
    member_count = serializers.IntegerField()
    is_member = serializers.BooleanField()
    is_moderator = serializers.BooleanField()
    has_requested = serializers.BooleanField()


class SpaceMemberOut(serializers.Serializer):
    id = serializers.IntegerField(help_text="Membership id (as in /api/v1/members/).")
    name = serializers.CharField()
    is_moderator = serializers.BooleanField()


class SpaceDetailOut(SpaceOut):
    members = SpaceMemberOut(many=True)
    can_edit = serializers.BooleanField()
    can_manage_members = serializers.BooleanField()


def space_out(space: Space, *, user_id: int, **extra: object) -> dict:
    return {
        "id": space.pk,
        "slug": space.slug,
        "name": space.name,
        "description": space.description,
        "visibility": space.visibility,
        "is_default": space.is_default,
        "archived": space.archived_at is not None,
        "member_count": extra.pop("member_count", getattr(space, "member_count", 0)),
        "is_member": extra.pop("is_member", getattr(space, "is_member", False)),
        "is_moderator": extra.pop("is_moderator", getattr(space, "is_moderator", False)),
        "has_requested": extra.pop("has_requested", getattr(space, "has_requested", False)),
        **extra,
    }


def _people_out(people: list[SpaceMember]) -> list[dict]:
    return [{"id": p.membership_id, "name": p.name, "is_moderator": p.is_moderator}
            for p in people]


def detail_out(space: Space, membership: Membership) -> dict:
    members = space_members(space=space)
    user_id = membership.user_id
    return space_out(
        space,
        user_id=user_id,
        member_count=len(members),
        is_member=space_is_member(space=space, user_id=user_id),
        is_moderator=space_is_moderator(space=space, user_id=user_id),
        has_requested=space_has_requested(space=space, user_id=user_id),
        members=_people_out(members),
        can_edit=can_edit_space(membership, space),
        can_manage_members=can_manage_space_members(membership, space),
    )


class SpaceCreateIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=2000, allow_blank=True, required=False,
                                        default="")
    visibility = SpaceVisibilityField(required=False, default=Visibility.OPEN)
    slug = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default="",
        help_text="Optional; derived from the name when left out.",
    )
    moderator_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list,
        help_text="Membership ids of other moderators (the creator moderates anyway).",
    )


class SpaceUpdateIn(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    description = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    visibility = SpaceVisibilityField(required=False)


class LeaveIn(serializers.Serializer):
    successor_id = serializers.IntegerField(
        required=False, allow_null=True, default=None,
        help_text="Membership id of the new moderator, when the last moderator leaves.",
    )


class MemberIn(serializers.Serializer):
    member_id = serializers.IntegerField(help_text="Membership id of the member to add.")


class ModeratorIn(serializers.Serializer):
    is_moderator = serializers.BooleanField()


class SettingsSerializer(serializers.Serializer):
    members_may_create = serializers.BooleanField()


# --- Views -------------------------------------------------------------------------------------


class SpaceListApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=SpaceOut(many=True), summary="Spaces the member may know")
    def get(self, request: Request) -> Response:
        user_id = _membership(request).user_id
        return Response(
            [space_out(s, user_id=user_id) for s in spaces_with_counts(user_id=user_id)]
        )

    @extend_schema(request=SpaceCreateIn, responses={201: SpaceDetailOut},
                   summary="Create a space")
    def post(self, request: Request) -> Response:
        membership = _membership(request)
        if not can_create_space(membership):
            raise NotFound
        data = _valid(SpaceCreateIn, request.data)
        moderators = _user_ids(data["moderator_ids"], "moderator_ids")
        try:
            space = services.space_create(
                actor_id=membership.user_id, name=data["name"],
                description=data["description"], visibility=data["visibility"],
                slug=data["slug"], moderator_user_ids=moderators.values(),
            )
        except SpaceError as error:
            raise _fail(error) from error
        return Response(detail_out(space, membership), status=status.HTTP_201_CREATED)


def _valid(serializer_class: type[serializers.Serializer], data: object) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class SpaceDetailApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=SpaceDetailOut, summary="A space, with its members")
    def get(self, request: Request, slug: str) -> Response:
        return Response(detail_out(_space(request, slug), _membership(request)))

    @extend_schema(request=SpaceUpdateIn, responses=SpaceDetailOut, summary="Edit a space")
    def patch(self, request: Request, slug: str) -> Response:
        space = _space(request, slug, can_edit_space)
        data = _valid(SpaceUpdateIn, request.data)
        try:
            space = services.space_update(
                space=space, name=data.get("name", space.name),
                description=data.get("description", space.description),
                visibility=data.get("visibility", space.visibility),
            )
        except SpaceError as error:
            raise _fail(error) from error
        return Response(detail_out(space, _membership(request)))


class _SpaceAction(APIView):
    """POST on a space: check with `allowed`, then call `act`; answers the space."""

    permission_classes = [IsMember]
    required_action = "workspace.view"
    allowed: Callable[[Membership, Space], bool]

    def act(self, request: Request, space: Space, **kwargs: object) -> None:
        raise NotImplementedError

    def post(self, request: Request, slug: str, **kwargs: object) -> Response:
        space = _space(request, slug, type(self).allowed)
        try:
            self.act(request, space, **kwargs)
        except SpaceError as error:
            raise _fail(error) from error
        space.refresh_from_db()
        return Response(detail_out(space, _membership(request)))


_ACTION_SCHEMA = {
    "responses": {200: SpaceDetailOut, 400: OpenApiResponse(description="Refused, with why")},
}


class SpaceArchiveApi(_SpaceAction):
    allowed = staticmethod(can_edit_space)

    @extend_schema(request=None, summary="Archive a space", **_ACTION_SCHEMA)
    def post(self, request: Request, slug: str) -> Response:
        return super().post(request, slug)

    def act(self, request: Request, space: Space, **kwargs: object) -> None:
        services.space_archive(space=space)


class SpaceJoinApi(_SpaceAction):
    allowed = staticmethod(can_join_space)

    @extend_schema(request=None, summary="Join an open space", **_ACTION_SCHEMA)
    def post(self, request: Request, slug: str) -> Response:
        return super().post(request, slug)

    def act(self, request: Request, space: Space, **kwargs: object) -> None:
        services.space_join(space=space, user_id=_membership(request).user_id)


class SpaceRequestApi(_SpaceAction):
    allowed = staticmethod(can_request_space)

    @extend_schema(request=None, summary="Ask to join a space on request", **_ACTION_SCHEMA)
    def post(self, request: Request, slug: str) -> Response:
        return super().post(request, slug)

    def act(self, request: Request, space: Space, **kwargs: object) -> None:
        services.space_request(space=space, user_id=_membership(request).user_id)


class SpaceLeaveApi(_SpaceAction):
    allowed = staticmethod(can_leave_space)

    @extend_schema(request=LeaveIn, summary="Leave a space", **_ACTION_SCHEMA)
    def post(self, request: Request, slug: str) -> Response:
        return super().post(request, slug)

    def act(self, request: Request, space: Space, **kwargs: object) -> None:
        data = _valid(LeaveIn, request.data)
        successor = None
        if data["successor_id"] is not None:
            successor = _user_ids([data["successor_id"]], "successor_id")[data["successor_id"]]
        services.space_leave(
            space=space, user_id=_membership(request).user_id, successor_user_id=successor
        )


class SpaceRequestListApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=SpaceMemberOut(many=True), summary="Pending requests to join")
    def get(self, request: Request, slug: str) -> Response:
        space = _space(request, slug, can_manage_space_members)
        return Response(_people_out(space_requests(space=space)))


class SpaceRequestApproveApi(_SpaceAction):
    allowed = staticmethod(can_manage_space_members)

    @extend_schema(request=None, summary="Approve a request to join", **_ACTION_SCHEMA)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return super().post(request, slug, pk=pk)

    def act(self, request: Request, space: Space, **kwargs: object) -> None:
        services.space_request_decide(
            space=space, user_id=_member_user_id(kwargs["pk"]), approve=True,
            actor_id=_membership(request).user_id,
        )


class SpaceRequestDeclineApi(_SpaceAction):
    allowed = staticmethod(can_manage_space_members)

    @extend_schema(request=None, summary="Decline a request to join", **_ACTION_SCHEMA)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return super().post(request, slug, pk=pk)

    def act(self, request: Request, space: Space, **kwargs: object) -> None:
        services.space_request_decide(
            space=space, user_id=_member_user_id(kwargs["pk"]), approve=False,
            actor_id=_membership(request).user_id,
        )


class SpaceMemberAddApi(_SpaceAction):
    allowed = staticmethod(can_manage_space_members)

    @extend_schema(request=MemberIn, summary="Add a member (the way into a private space)",
                   **_ACTION_SCHEMA)
    def post(self, request: Request, slug: str) -> Response:
        return super().post(request, slug)

    def act(self, request: Request, space: Space, **kwargs: object) -> None:
        member_id = _valid(MemberIn, request.data)["member_id"]
        services.space_member_add(
            space=space, user_id=_user_ids([member_id], "member_id")[member_id],
            actor_id=_membership(request).user_id,
        )


class SpaceMemberRemoveApi(_SpaceAction):
    allowed = staticmethod(can_manage_space_members)

    @extend_schema(request=None, summary="Remove a member from a space", **_ACTION_SCHEMA)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return super().post(request, slug, pk=pk)

    def act(self, request: Request, space: Space, **kwargs: object) -> None:
        services.space_member_remove(space=space, user_id=_member_user_id(kwargs["pk"]))


class SpaceModeratorApi(_SpaceAction):
    allowed = staticmethod(can_manage_space_members)

    @extend_schema(request=ModeratorIn, summary="Name or withdraw a moderator", **_ACTION_SCHEMA)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return super().post(request, slug, pk=pk)

    def act(self, request: Request, space: Space, **kwargs: object) -> None:
        services.space_moderator_set(
            space=space, user_id=_member_user_id(kwargs["pk"]),
            is_moderator=_valid(ModeratorIn, request.data)["is_moderator"],
        )


class SpacesSettingsApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=SettingsSerializer, summary="Who may create spaces")
    def get(self, request: Request) -> Response:
        return Response(
            {"members_may_create": spaces_settings().members_may_create}
        )

    @extend_schema(request=SettingsSerializer, responses=SettingsSerializer,
                   summary="Change who may create spaces (board)")
    def put(self, request: Request) -> Response:
        if not can_change_spaces_settings(_membership(request)):
            raise NotFound
        data = _valid(SettingsSerializer, request.data)
        row = services.spaces_settings_update(members_may_create=data["members_may_create"])
        return Response({"members_may_create": row.members_may_create})
