"""REST endpoints of the workspace shell."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.members.policy import can
from tenants.accounts.services import account_update_profile


class IsMember(BasePermission):
    """The API's side of the shared policy: an active membership allowed `required_action`."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        membership = getattr(request._request, "membership", None)
        if membership is None:
            return False
        if not can(membership, getattr(view, "required_action", "workspace.view")):
            raise NotFound
        return True


class MeOut(serializers.Serializer):
    email = serializers.EmailField()
    full_name = serializers.CharField()
    language = serializers.CharField()
    role = serializers.CharField()
    title = serializers.CharField()
    association = serializers.CharField()


class MeIn(serializers.Serializer):
    full_name = serializers.CharField(max_length=150, required=False)
    language = serializers.ChoiceField(
        choices=[("", _("Same as my browser")), *settings.LANGUAGES], required=False,
        help_text=_("Empty: the browser's language."),
    )


class MeApi(APIView):
    """The signed-in person: their account (name, language) and their membership here."""

    permission_classes = [IsMember]
    required_action = "workspace.view"

    def _out(self, request: Request) -> Response:
        membership = request._request.membership
        user = request.user
        return Response(
            MeOut(
                {
                    "email": user.email,
                    "full_name": user.full_name,
                    "language": user.language,
                    "role": membership.role,
                    "title": membership.title,
                    "association": request._request.tenant.name,
                }
            ).data
        )

    @extend_schema(responses=MeOut)
    def get(self, request: Request) -> Response:
        return self._out(request)

    @extend_schema(request=MeIn, responses=MeOut)
    def patch(self, request: Request) -> Response:
        """Change one's name or language (the account: every association sees the change)."""
        data = MeIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = request.user
        account_update_profile(
            user=user,
            full_name=data.validated_data.get("full_name", user.full_name),
            language=data.validated_data.get("language", user.language),
        )
        return self._out(request)
