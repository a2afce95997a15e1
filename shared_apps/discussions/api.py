"""REST endpoints of discussions: the same policy, selectors and services as the pages.

A space, thread, message or file the member may not read — or an action they may not take on
it — answers 404, so a private space's content never shows. Authors are named by account id
(`author_id`) and display name."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.members.models import Membership
from shared_apps.members.selectors import member_display_names
from shared_apps.spaces.models import Space
from shared_apps.spaces.selectors import space_for_reader
from shared_apps.workspace.api import IsMember

from . import services
from .models import REACTIONS, Message, Subscription, Thread
from .policy import (
    can_delete_message,
    can_edit_message,
    can_moderate_discussions,
    can_post_in_space,
)
from .rendering import MAX_MESSAGE
from .selectors import (
    MessageView,
    mentionable,
    message_for_reader,
    message_reactions,
    thread_for_reader,
    thread_messages,
    threads_for_reader,
    threads_with_names,
)
from .services import MAX_TITLE, DiscussionError

PARSERS = [JSONParser, MultiPartParser, FormParser]


def _membership(request: Request) -> Membership:
    return request._request.membership


def _space(request: Request, slug: str) -> Space:
    space = space_for_reader(user_id=_membership(request).user_id, slug=slug)
    if space is None:
        raise NotFound
    return space


def _thread(request: Request, pk: int) -> Thread:
    thread = thread_for_reader(user_id=_membership(request).user_id, pk=pk)
    if thread is None:
        raise NotFound
    return thread


def _message(request: Request, pk: int) -> Message:
    message = message_for_reader(user_id=_membership(request).user_id, pk=pk)
    if message is None:
        raise NotFound
    return message


def _invalid(error: DiscussionError) -> ValidationError:
    return ValidationError({error.field if error.field != "__all__" else "detail": [str(error)]})


# --- Serializers ------------------------------------------------------------------------------


class DiscussionThreadOut(serializers.Serializer):
    id = serializers.IntegerField()
    space = serializers.SlugField(source="space.slug")
    space_name = serializers.CharField(source="space.name")
    title = serializers.CharField()
    author_id = serializers.IntegerField()
    author_name = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_activity_at = serializers.DateTimeField()
    message_count = serializers.IntegerField()
    unread_count = serializers.IntegerField()
    subscription = serializers.ChoiceField(choices=Subscription.choices)
    url = serializers.SerializerMethodField()

    def get_url(self, thread: Thread) -> str:
        return services.thread_url(thread)


class DiscussionReactionOut(serializers.Serializer):
    emoji = serializers.CharField()
    count = serializers.IntegerField()
    mine = serializers.BooleanField()


class DiscussionAttachmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, attachment: object) -> str:
        return reverse("discussions_attachment", kwargs={"pk": attachment.pk})


class DiscussionMessageOut(serializers.Serializer):
    """A message as this member sees it: deleted or hidden ones keep their place, empty."""

    id = serializers.IntegerField(source="message.id")
    author_id = serializers.IntegerField(source="message.author_id")
    author_name = serializers.CharField()
    body = serializers.SerializerMethodField()
    body_html = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(source="message.created_at")
    edited_at = serializers.DateTimeField(source="message.edited_at", allow_null=True)
    deleted = serializers.SerializerMethodField()
    hidden = serializers.SerializerMethodField()
    reactions = DiscussionReactionOut(many=True)
    attachments = DiscussionAttachmentOut(many=True)

    def get_body(self, view: MessageView) -> str:
        return view.message.body if view.can_see_content else ""

    def get_body_html(self, view: MessageView) -> str:
        return view.message.body_html if view.can_see_content else ""

    def get_deleted(self, view: MessageView) -> bool:
        return view.message.deleted_at is not None

    def get_hidden(self, view: MessageView) -> bool:
        return view.message.hidden_at is not None


class DiscussionThreadDetailOut(DiscussionThreadOut):
    can_post = serializers.BooleanField()
    is_moderator = serializers.BooleanField()
    messages = DiscussionMessageOut(many=True)
    next_page = serializers.IntegerField(allow_null=True)


class DiscussionThreadIn(serializers.Serializer):
    title = serializers.CharField(max_length=MAX_TITLE)
    body = serializers.CharField(max_length=MAX_MESSAGE)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class DiscussionMessageIn(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_MESSAGE)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class DiscussionMessageEditIn(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_MESSAGE)


class DiscussionHideIn(serializers.Serializer):
    hidden = serializers.BooleanField()


class DiscussionReactionIn(serializers.Serializer):
    emoji = serializers.ChoiceField(choices=[(e, e) for e in REACTIONS])


class DiscussionReactionToggleOut(serializers.Serializer):
    emoji = serializers.CharField()
    on = serializers.BooleanField()
    reactions = DiscussionReactionOut(many=True)


class DiscussionSubscriptionIn(serializers.Serializer):
    subscription = serializers.ChoiceField(choices=Subscription.choices)


class DiscussionStateOut(serializers.Serializer):
    subscription = serializers.CharField()
    last_read_message_id = serializers.IntegerField()


class DiscussionFilesIn(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField())


class DiscussionMentionableOut(serializers.Serializer):
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    handle = serializers.CharField()


# --- Views ------------------------------------------------------------------------------------


class _ThreadPage(generics.ListAPIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"
    serializer_class = DiscussionThreadOut

    def paginate_queryset(self, queryset: object) -> list[Thread] | None:
        page = super().paginate_queryset(queryset)
        return threads_with_names(list(page)) if page is not None else None


class ThreadRecentApi(_ThreadPage):
    """Recent threads across every space the member may read."""

    def get_queryset(self) -> object:
        return threads_for_reader(user_id=_membership(self.request).user_id)


class SpaceThreadsApi(_ThreadPage):
    """A space's threads (GET) and a new thread in it (POST)."""

    parser_classes = PARSERS

    def get_queryset(self) -> object:
        space = _space(self.request, self.kwargs["slug"])
        return threads_for_reader(user_id=_membership(self.request).user_id, space=space)

    @extend_schema(
        request={"application/json": DiscussionThreadIn,
                 "multipart/form-data": DiscussionThreadIn},
        responses={201: DiscussionThreadOut},
    )
    def post(self, request: Request, slug: str) -> Response:
        space = _space(request, slug)
        membership = _membership(request)
        if not can_post_in_space(membership, space):
            raise NotFound
        data = DiscussionThreadIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            thread = services.thread_create(
                space=space, author_id=membership.user_id, title=data.validated_data["title"],
                body=data.validated_data["body"], files=request.FILES.getlist("files"),
            )
        except DiscussionError as error:
            raise _invalid(error) from error
        thread = threads_with_names([_thread(request, thread.pk)])[0]
        return Response(DiscussionThreadOut(thread).data, status=status.HTTP_201_CREATED)


class MentionableApi(APIView):
    """Who can be mentioned in a space (its readers), with the handle to type after @."""

    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=DiscussionMentionableOut(many=True))
    def get(self, request: Request, slug: str) -> Response:
        space = _space(request, slug)
        return Response(DiscussionMentionableOut(mentionable(space=space), many=True).data)


def _detail(request: Request, thread: Thread, page: int) -> dict:
    membership = _membership(request)
    is_moderator = can_moderate_discussions(membership, thread.space)
    views, has_more = thread_messages(
        thread=thread, user_id=membership.user_id, is_moderator=is_moderator, page=page
    )
    threads_with_names([thread])
    out = dict(DiscussionThreadOut(thread).data)
    out.update(
        can_post=can_post_in_space(membership, thread.space), is_moderator=is_moderator,
        messages=DiscussionMessageOut(views, many=True).data,
        next_page=page + 1 if has_more else None,
    )
    return out


class ThreadDetailApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(
        parameters=[OpenApiParameter("page", int, description="Page of messages, oldest first")],
        responses=DiscussionThreadDetailOut,
    )
    def get(self, request: Request, pk: int) -> Response:
        thread = _thread(request, pk)
        try:
            page = max(int(request.query_params.get("page", "1")), 1)
        except ValueError as exc:
            raise ValidationError({"page": [_("Give a page number.")]}) from exc
        return Response(_detail(request, thread, page))


def _message_out(request: Request, message: Message) -> dict:
    membership = _membership(request)
    is_moderator = can_moderate_discussions(membership, message.thread.space)
    visible = message.deleted_at is None and (message.hidden_at is None or is_moderator)
    view = MessageView(
        message=message,
        author_name=member_display_names({message.author_id}).get(message.author_id, ""),
        can_see_content=visible,
        reactions=message_reactions(message=message, user_id=membership.user_id)
        if visible else [],
        attachments=list(message.attachments.all()) if visible else [],
    )
    return DiscussionMessageOut(view).data


class ThreadReplyApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"
    parser_classes = PARSERS

    @extend_schema(
        request={"application/json": DiscussionMessageIn,
                 "multipart/form-data": DiscussionMessageIn},
        responses={201: DiscussionMessageOut},
    )
    def post(self, request: Request, pk: int) -> Response:
        thread = _thread(request, pk)
        membership = _membership(request)
        if not can_post_in_space(membership, thread.space):
            raise NotFound
        data = DiscussionMessageIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            message = services.message_reply(
                thread=thread, author_id=membership.user_id, body=data.validated_data["body"],
                files=request.FILES.getlist("files"),
            )
        except DiscussionError as error:
            raise _invalid(error) from error
        return Response(_message_out(request, message), status=status.HTTP_201_CREATED)


class MessageApi(APIView):
    """Edit (PATCH) or delete (DELETE) one's own message."""

    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=DiscussionMessageEditIn, responses=DiscussionMessageOut)
    def patch(self, request: Request, pk: int) -> Response:
        message = _message(request, pk)
        membership = _membership(request)
        if not can_edit_message(membership, message):
            raise NotFound
        data = DiscussionMessageEditIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            message = services.message_edit(
                message=message, user_id=membership.user_id, body=data.validated_data["body"]
            )
        except DiscussionError as error:
            raise _invalid(error) from error
        return Response(_message_out(request, message))

    @extend_schema(responses={204: OpenApiResponse(description="Deleted (a placeholder stays)")})
    def delete(self, request: Request, pk: int) -> Response:
        message = _message(request, pk)
        membership = _membership(request)
        if not can_delete_message(membership, message):
            raise NotFound
        services.message_delete(message=message, user_id=membership.user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageHideApi(APIView):
    """Moderators of the space, board and staff: hide or show again."""

    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=DiscussionHideIn, responses=DiscussionMessageOut)
    def post(self, request: Request, pk: int) -> Response:
        message = _message(request, pk)
        membership = _membership(request)
        if not can_moderate_discussions(membership, message.thread.space):
            raise NotFound
        data = DiscussionHideIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            message = services.message_hide(
                message=message, moderator_id=membership.user_id,
                hidden=data.validated_data["hidden"],
            )
        except DiscussionError as error:
            raise _invalid(error) from error
        return Response(_message_out(request, message))


class ReactionApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=DiscussionReactionIn, responses=DiscussionReactionToggleOut)
    def post(self, request: Request, pk: int) -> Response:
        message = _message(request, pk)
        membership = _membership(request)
        if not can_post_in_space(membership, message.thread.space):
            raise NotFound
        if message.hidden_at is not None and not can_moderate_discussions(
            membership, message.thread.space
        ):
            raise NotFound
        data = DiscussionReactionIn(data=request.data)
        data.is_valid(raise_exception=True)
        emoji = data.validated_data["emoji"]
        try:
            on = services.reaction_toggle(message=message, user_id=membership.user_id,
                                          emoji=emoji)
        except DiscussionError as error:
            raise _invalid(error) from error
        reactions = message_reactions(message=message, user_id=membership.user_id)
        return Response(DiscussionReactionToggleOut({"emoji": emoji, "on": on,
                                           "reactions": reactions}).data)


class SubscriptionApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=DiscussionSubscriptionIn, responses=DiscussionStateOut)
    def post(self, request: Request, pk: int) -> Response:
        thread = _thread(request, pk)
        data = DiscussionSubscriptionIn(data=request.data)
        data.is_valid(raise_exception=True)
        state = services.thread_subscribe(
            thread=thread, user_id=_membership(request).user_id,
            subscription=data.validated_data["subscription"],
        )
        return Response(DiscussionStateOut(state).data)


class MarkReadApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=None, responses=DiscussionStateOut)
    def post(self, request: Request, pk: int) -> Response:
        thread = _thread(request, pk)
        state = services.thread_mark_read(thread=thread, user_id=_membership(request).user_id)
        return Response(DiscussionStateOut(state).data)


class AttachmentsApi(APIView):
    """The author adds files to their message (multipart, field "files", several allowed)."""

    permission_classes = [IsMember]
    required_action = "workspace.view"
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": DiscussionFilesIn},
        responses={201: DiscussionAttachmentOut(many=True)},
    )
    def post(self, request: Request, pk: int) -> Response:
        message = _message(request, pk)
        membership = _membership(request)
        if not can_edit_message(membership, message) or not can_post_in_space(
            membership, message.thread.space
        ):
            raise NotFound
        try:
            stored = services.attachments_add(
                message=message, user_id=membership.user_id,
                files=request.FILES.getlist("files"),
            )
        except DiscussionError as error:
            raise _invalid(error) from error
        return Response(
            DiscussionAttachmentOut(stored, many=True).data, status=status.HTTP_201_CREATED
        )
