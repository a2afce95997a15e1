"""REST endpoints: the activity feed, notifications (list, mark read, unread count) and email
preferences. Notifications of another member or of a space one may not read: 404."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.workspace.api import IsMember

from .models import Category, Channel, Notification
from .selectors import (
    CursorInvalid,
    feed_page,
    feed_state,
    notifications_unread_count,
    notifications_visible,
    preferences_of,
)
from .services import notification_mark_read, notifications_mark_all_read, preferences_set


class FeedItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    verb = serializers.CharField()
    target_type = serializers.CharField()
    target_id = serializers.IntegerField()
    summary = serializers.CharField()
    url = serializers.CharField()
    pinned = serializers.BooleanField()
    unread = serializers.BooleanField(source="is_unread")
    created_at = serializers.DateTimeField()
    space = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField()

    def get_space(self, obj: object) -> str | None:
        return obj.space.slug if obj.space_id else None

    def get_actor(self, obj: object) -> str | None:
        return obj.actor.get_full_name() if obj.actor_id else None


class FeedOut(serializers.Serializer):
    results = FeedItemOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class FeedApi(APIView):
    """The activity feed, pinned first then newest first; pass `next_cursor` as `cursor` for
    the next page. Entries after the member's last visit of the feed page are `unread`."""

    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(
        parameters=[OpenApiParameter("cursor", OpenApiTypes.STR, required=False)],
        responses=FeedOut,
    )
    def get(self, request: Request) -> Response:
        user_id = request.user.pk
        state = feed_state(user_id=user_id)
        try:
            page = feed_page(
                user_id=user_id, cursor=request.query_params.get("cursor") or None,
                since=state.seen_at if state else None,
            )
        except CursorInvalid as exc:
            raise ValidationError({"cursor": [_("This cursor is not valid.")]}) from exc
        return Response(FeedOut({"results": page.items, "next_cursor": page.next_cursor}).data)


class NotificationOut(serializers.ModelSerializer):
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "category", "text", "url", "created_at", "read_at", "unread"]

    def get_unread(self, obj: Notification) -> bool:
        return obj.read_at is None


class NotificationListApi(generics.ListAPIView):
    """The member's notifications, newest first."""

    permission_classes = [IsMember]
    required_action = "workspace.view"
    serializer_class = NotificationOut

    def get_queryset(self):  # noqa: ANN201 — DRF's signature
        return notifications_visible(user_id=self.request.user.pk)


class NotificationReadApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=None, responses=NotificationOut)
    def post(self, request: Request, pk: int) -> Response:
        notification = notification_mark_read(user_id=request.user.pk, notification_id=pk)
        if notification is None:
            raise NotFound
        return Response(NotificationOut(notification).data)


UnreadOut = inline_serializer("NotificationsUnreadOut", {"unread": serializers.IntegerField()})


class NotificationReadAllApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "NotificationsMarkedOut", {"marked": serializers.IntegerField()}
        ),
    )
    def post(self, request: Request) -> Response:
        return Response({"marked": notifications_mark_all_read(user_id=request.user.pk)})


class NotificationUnreadCountApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=UnreadOut)
    def get(self, request: Request) -> Response:
        return Response({"unread": notifications_unread_count(user_id=request.user.pk)})


class PreferencesInOut(serializers.Serializer):
    """Channel (immediate, daily, weekly, never) per category; PUT may send only some."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            c.value: serializers.ChoiceField(choices=Channel.choices, required=False)
            for c in Category
        }


class PreferencesApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=PreferencesInOut)
    def get(self, request: Request) -> Response:
        return Response(preferences_of(user_id=request.user.pk))

    @extend_schema(request=PreferencesInOut, responses=PreferencesInOut)
    def put(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        unknown = sorted(set(data) - set(Category.values))
        if unknown:
            raise ValidationError(
                {key: [_("There is no such kind of notification.")] for key in unknown}
            )
        incoming = PreferencesInOut(data=data)
        incoming.is_valid(raise_exception=True)
        preferences_set(user_id=request.user.pk, channels=dict(incoming.validated_data))
        return Response(preferences_of(user_id=request.user.pk))
