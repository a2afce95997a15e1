"""REST endpoints of the members app (same policy, same services as the pages)."""

from __future__ import annotations

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.workspace.api import IsMember

from . import services
from .forms import MAX_EMAILS, ProfileForm, parse_emails
from .models import Invitation, InvitationStatus, JoinRequest, Membership, Role, Visibility
from .selectors import (
    directory,
    display_name_of,
    invitations_open,
    join_requests_pending,
    member_contact,
    members_settings,
    membership_for_viewer,
    profile_of,
)
from .views import export_response


def _membership(request: Request) -> Membership:
    return request._request.membership


class _ByMethod:
    """`required_action` per HTTP method, read by IsMember."""

    actions: dict[str, str] = {}

    @property
    def required_action(self) -> str:
        return self.actions.get(self.request.method, self.actions.get("*", "workspace.view"))


# --- Serializers -------------------------------------------------------------------------------


class MemberOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    email = serializers.EmailField(allow_null=True)
    phone = serializers.CharField(allow_null=True)
    bio = serializers.CharField()


def member_out(viewer: Membership, membership: Membership) -> dict:
    contact = member_contact(viewer=viewer, membership=membership)
    return {
        "id": membership.pk,
        "name": display_name_of(membership),
        "role": membership.role,
        "title": membership.title,
        "status": membership.status,
        "email": contact.email,
        "phone": contact.phone,
        "bio": profile_of(membership).bio,
    }


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^(" + "|".join(Visibility.values) + ")$",
        "description": "Who sees it: " + ", ".join(Visibility.values) + ".",
    }
)
class VisibilityField(serializers.ChoiceField):
    """Documented as a pattern, not an enum: two fields share this choice set and the schema
    would otherwise name the same enum twice."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(choices=Visibility.choices, **kwargs)


class ProfileSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    phone = serializers.CharField(max_length=30, allow_blank=True, required=False)
    bio = serializers.CharField(max_length=500, allow_blank=True, required=False)
    email_visibility = VisibilityField(required=False)
    phone_visibility = VisibilityField(required=False)

    def validate_phone(self, value: str) -> str:
        form = ProfileForm({"phone": value})
        form.is_valid()
        if "phone" in form.errors:
            raise serializers.ValidationError(form.errors["phone"])
        return value.strip()


class RoleIn(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    title = serializers.CharField(max_length=80, allow_blank=True, required=False, default="")


class InvitationOut(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.CharField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    renewal_requested = serializers.SerializerMethodField()

    def get_renewal_requested(self, obj: Invitation) -> bool:
        return obj.renewal_requested_at is not None


class InvitationsIn(serializers.Serializer):
    emails = serializers.JSONField(
        help_text="A list of addresses, or one string separated by commas or new lines.",
    )
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)
    title = serializers.CharField(max_length=80, allow_blank=True, required=False, default="")

    def validate_emails(self, value: object) -> list[str]:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            text = "\n".join(value)
        elif isinstance(value, str):
            text = value
        else:
            raise serializers.ValidationError(_("A list of addresses or a string."))
        valid, invalid = parse_emails(text)
        if invalid:
            raise serializers.ValidationError(
                _("Not valid email addresses: %(list)s") % {"list": ", ".join(invalid)}
            )
        if not valid:
            raise serializers.ValidationError(_("Enter at least one email address."))
        if len(valid) > MAX_EMAILS:
            raise serializers.ValidationError(
                _("At most %(max)d addresses at once.") % {"max": MAX_EMAILS}
            )
        return valid


class JoinRequestOut(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    email = serializers.CharField()
    message = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


def _refuse(exc: services.MembershipError) -> ValidationError:
    return ValidationError({"detail": str(exc)})


# --- Members -------------------------------------------------------------------------------------


class MemberListApi(ListAPIView):
    permission_classes = [IsMember]
    required_action = "members.view_directory"
    serializer_class = MemberOut

    def get_queryset(self):  # noqa: ANN201
        params = self.request.query_params
        role = params.get("role", "")
        try:
            space_id = int(params["space"]) if params.get("space") else None
        except ValueError as exc:
            raise ValidationError({"space": _("A space id (a number).")}) from exc
        return directory(
            viewer_user_id=self.request.user.pk, query=params.get("q", "")[:100],
            role=role if role in Role.values else "", space_id=space_id,
        )

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        viewer = _membership(request)
        return self.get_paginated_response([member_out(viewer, m) for m in page])

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Search in names and titles."),
            OpenApiParameter("role", str, enum=Role.values),
            OpenApiParameter("space", int, description="Members of this space."),
        ]
    )
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)


class MemberDetailApi(APIView):
    permission_classes = [IsMember]
    required_action = "members.view_directory"

    @extend_schema(responses=MemberOut)
    def get(self, request: Request, pk: int) -> Response:
        viewer = _membership(request)
        membership = membership_for_viewer(viewer=viewer, pk=pk)
        if membership is None:
            raise NotFound
        return Response(member_out(viewer, membership))


class MyProfileApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=ProfileSerializer)
    def get(self, request: Request) -> Response:
        profile = profile_of(_membership(request))
        return Response(ProfileSerializer(profile).data)

    @extend_schema(request=ProfileSerializer, responses=ProfileSerializer)
    def patch(self, request: Request) -> Response:
        data = ProfileSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        profile = services.profile_update(membership=_membership(request), **data.validated_data)
        return Response(ProfileSerializer(profile).data)


def _target(request: Request, pk: int) -> Membership:
    membership = membership_for_viewer(viewer=_membership(request), pk=pk)
    if membership is None:
        raise NotFound
    return membership


class MemberRoleApi(APIView):
    permission_classes = [IsMember]
    required_action = "members.change_role"

    @extend_schema(request=RoleIn, responses=MemberOut)
    def post(self, request: Request, pk: int) -> Response:
        target = _target(request, pk)
        data = RoleIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            membership = services.member_change_role(
                membership=target, by=_membership(request), **data.validated_data
            )
        except services.MembershipError as exc:
            raise _refuse(exc) from exc
        return Response(member_out(_membership(request), membership))


class MemberEndApi(APIView):
    permission_classes = [IsMember]
    required_action = "members.end"

    @extend_schema(request=None, responses=MemberOut)
    def post(self, request: Request, pk: int) -> Response:
        try:
            membership = services.member_end(membership=_target(request, pk),
                                             by=_membership(request))
        except services.MembershipError as exc:
            raise _refuse(exc) from exc
        return Response(member_out(_membership(request), membership))


class MemberEraseApi(APIView):
    permission_classes = [IsMember]
    required_action = "members.erase"

    @extend_schema(request=None, responses=MemberOut)
    def post(self, request: Request, pk: int) -> Response:
        try:
            membership = services.member_erase(membership=_target(request, pk),
                                               by=_membership(request))
        except services.MembershipError as exc:
            raise _refuse(exc) from exc
        return Response(member_out(_membership(request), membership))


class MemberExportApi(APIView):
    permission_classes = [IsMember]
    required_action = "members.export"

    @extend_schema(
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV")}
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        return export_response(_membership(request))


# --- Invitations ---------------------------------------------------------------------------------


class InvitationListApi(_ByMethod, ListAPIView):
    permission_classes = [IsMember]
    actions = {"*": "members.invite"}
    serializer_class = InvitationOut

    def get_queryset(self):  # noqa: ANN201
        return invitations_open().order_by("-created_at", "-id")

    @extend_schema(request=InvitationsIn, responses={201: InvitationOut(many=True)})
    def post(self, request: Request) -> Response:
        data = InvitationsIn(data=request.data)
        data.is_valid(raise_exception=True)
        entries = [
            services.InviteEntry(
                email=email, role=data.validated_data["role"], title=data.validated_data["title"]
            )
            for email in data.validated_data["emails"]
        ]
        try:
            created = services.invitations_create(entries=entries, invited_by=_membership(request))
        except services.MembershipError as exc:
            raise _refuse(exc) from exc
        return Response(InvitationOut(created, many=True).data, status=status.HTTP_201_CREATED)


def _open_invitation(pk: int) -> Invitation:
    try:
        return get_object_or_404(Invitation, pk=pk, status=InvitationStatus.PENDING)
    except Http404 as exc:
        raise NotFound from exc


class InvitationResendApi(APIView):
    permission_classes = [IsMember]
    required_action = "members.invite"

    @extend_schema(request=None, responses=InvitationOut)
    def post(self, request: Request, pk: int) -> Response:
        invitation = services.invitation_send(invitation=_open_invitation(pk))
        return Response(InvitationOut(invitation).data)


class InvitationRevokeApi(APIView):
    permission_classes = [IsMember]
    required_action = "members.invite"

    @extend_schema(request=None, responses=InvitationOut)
    def post(self, request: Request, pk: int) -> Response:
        invitation = services.invitation_revoke(
            invitation=_open_invitation(pk), by=_membership(request)
        )
        return Response(InvitationOut(invitation).data)


# --- Join requests -------------------------------------------------------------------------------


class MembersSettingsSerializer(serializers.Serializer):
    join_requests_open = serializers.BooleanField(
        help_text="Whether the public page to ask to join is open."
    )


class MembersSettingsApi(APIView):
    """The board opens or closes the "ask to join" page."""

    permission_classes = [IsMember]
    required_action = "association.manage"

    @extend_schema(responses=MembersSettingsSerializer)
    def get(self, request: Request) -> Response:
        return Response(MembersSettingsSerializer(members_settings()).data)

    @extend_schema(request=MembersSettingsSerializer, responses=MembersSettingsSerializer)
    def patch(self, request: Request) -> Response:
        data = MembersSettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.members_settings_update(**data.validated_data)
        return Response(MembersSettingsSerializer(row).data)


class JoinRequestListApi(ListAPIView):
    permission_classes = [IsMember]
    required_action = "members.review_join_requests"
    serializer_class = JoinRequestOut

    def get_queryset(self):  # noqa: ANN201
        return join_requests_pending()


class JoinRequestDecideApi(APIView):
    permission_classes = [IsMember]
    required_action = "members.review_join_requests"
    decision = "approve"

    @extend_schema(request=None, responses=JoinRequestOut)
    def post(self, request: Request, pk: int) -> Response:
        join_request = JoinRequest.objects.filter(pk=pk).first()
        if join_request is None:
            raise NotFound
        decide = (
            services.join_request_approve if self.decision == "approve"
            else services.join_request_decline
        )
        try:
            join_request = decide(join_request=join_request, by=_membership(request))
        except services.MembershipError as exc:
            raise _refuse(exc) from exc
        return Response(JoinRequestOut(join_request).data)



