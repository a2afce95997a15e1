"""REST endpoints of the base domain."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .address import address_errors
from .directory import associations_of
from .models import Association
from .services import address_is_available, workspace_url


class AssociationOut(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Association
        fields = ["slug", "name", "status", "url"]

    def get_url(self, obj: Association) -> str:
        return workspace_url(obj)


class MyAssociationsApi(ListAPIView):
    """The associations the signed-in account is an active member of."""

    serializer_class = AssociationOut

    def get_queryset(self):  # noqa: ANN201
        return associations_of(user_id=self.request.user.pk)


class AddressCheckOut(serializers.Serializer):
    slug = serializers.CharField()
    available = serializers.BooleanField()
    errors = serializers.ListField(child=serializers.CharField())


class AddressCheckApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("slug", str, required=True)], responses=AddressCheckOut
    )
    def get(self, request: Request) -> Response:
        slug = request.query_params.get("slug", "").strip().lower()
        errors = address_errors(slug)
        available = not errors and address_is_available(slug)
        if not errors and not available:
            errors = [_("This address is already taken.")]
        body = {"slug": slug, "available": available, "errors": errors}
        return Response(AddressCheckOut(body).data)
