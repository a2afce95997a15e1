"""REST endpoints of the workspace shell."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.members.policy import can


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


class MeApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=MeOut)
    def get(self, request: Request) -> Response:
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
