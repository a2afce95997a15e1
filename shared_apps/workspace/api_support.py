"""What every app's API views share: the caller's membership, validated input, and Django's
ValidationError from a service turned into DRF's 400 answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

if TYPE_CHECKING:
    from shared_apps.members.models import Membership


def membership_of(request: Request) -> Membership:
    """The active membership the IsMember permission has already checked."""
    return request._request.membership


def validated(serializer_class: type[serializers.Serializer], data: object) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def api_error(error: DjangoValidationError) -> ValidationError:
    """A service's refusal as a 400: field → messages; errors of no field under
    "non_field_errors", as DRF names them."""
    if hasattr(error, "error_dict"):
        return ValidationError({
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        })
    return ValidationError({"non_field_errors": error.messages})
