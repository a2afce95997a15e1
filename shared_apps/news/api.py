"""REST endpoints of the news app: the same policy, selectors and services as the pages.

An announcement (or comment, or attachment) the member may not read answers 404; so does an
action they may not take on one they can read."""

from __future__ import annotations

from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.members.models import Membership
from shared_apps.spaces.selectors import space_default, spaces_readable
from shared_apps.workspace.api import IsMember

from . import policy, services
from .files import MAX_BYTES
from .models import AckChannel, Announcement, Attachment, Comment, Emoji
from .selectors import (
    acknowledgement_of,
    announcement_for_reader,
    announcements_list,
    attachment_for_reader,
    attachments_of,
    author_names,
    comment_for_reader,
    comments_of,
    reaction_counts,
    receipts_of,
)
from .services import NewsError, Upload
from .views import attachment_response


def _membership(request: Request) -> Membership:
    return request._request.membership


def _announcement(request: Request, pk: int) -> Announcement:
    announcement = announcement_for_reader(user_id=_membership(request).user_id, pk=pk)
    if announcement is None:
        raise NotFound
    return announcement


def _comment(request: Request, pk: int) -> Comment:
    comment = comment_for_reader(user_id=_membership(request).user_id, pk=pk)
    if comment is None:
        raise NotFound
    return comment


def _fail(error: NewsError) -> ValidationError:
    return ValidationError({error.field or "non_field_errors": [error.message]})


def _valid(serializer_class: type[serializers.Serializer], data: object) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- Serializers -------------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^(" + "|".join(Emoji.values) + ")$",
        "description": "A reaction of the fixed set: " + ", ".join(Emoji.values) + ".",
    }
)
class EmojiField(serializers.ChoiceField):
    """Documented as a pattern, so no enum named "Emoji" fights with another app's."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(choices=Emoji.choices, **kwargs)


class NewsSpaceOut(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    is_default = serializers.BooleanField()


class NewsAttachmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    is_image = serializers.BooleanField()
    url = serializers.CharField(help_text="Download through the API (access-checked).")


class NewsAnnouncementOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    space = NewsSpaceOut()
    author = serializers.CharField()
    pinned = serializers.BooleanField()
    requires_ack = serializers.BooleanField()
    ack_deadline = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    is_read = serializers.BooleanField()
    is_acknowledged = serializers.BooleanField()
    comment_count = serializers.IntegerField()
    attachment_count = serializers.IntegerField()


class NewsReactionOut(serializers.Serializer):
    emoji = EmojiField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    mine = serializers.BooleanField()


class NewsAnnouncementDetailOut(NewsAnnouncementOut):
    body = serializers.CharField(help_text="The Markdown source.")
    body_html = serializers.CharField(help_text="The sanitised HTML.")
    attachments = NewsAttachmentOut(many=True)
    reactions = NewsReactionOut(many=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    can_edit = serializers.BooleanField()
    can_pin = serializers.BooleanField()
    can_view_receipts = serializers.BooleanField()
    can_acknowledge = serializers.BooleanField()
    can_comment = serializers.BooleanField()


class NewsAnnouncementIn(serializers.Serializer):
    space = serializers.SlugField(
        required=False, allow_blank=True, default="",
        help_text="Slug of the space; left out: the whole association.",
    )
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=50_000, help_text="Markdown.")
    pinned = serializers.BooleanField(required=False, default=False)
    requires_ack = serializers.BooleanField(required=False, default=False)
    ack_deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)


class NewsAnnouncementUpdateIn(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    body = serializers.CharField(max_length=50_000, required=False)
    ack_deadline = serializers.DateTimeField(required=False, allow_null=True)


class NewsPinIn(serializers.Serializer):
    pinned = serializers.BooleanField()


class NewsPersonOut(serializers.Serializer):
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    at = serializers.DateTimeField(allow_null=True)
    channel = serializers.CharField(help_text="page, link or api (confirmations only).")


class NewsReceiptsOut(serializers.Serializer):
    audience_count = serializers.IntegerField()
    read = NewsPersonOut(many=True)
    unread = NewsPersonOut(many=True)
    acknowledged = NewsPersonOut(many=True)
    not_acknowledged = NewsPersonOut(many=True)


class NewsAcknowledgementOut(serializers.Serializer):
    acknowledged_at = serializers.DateTimeField()
    channel = serializers.CharField()


class NewsCommentOut(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    mine = serializers.BooleanField()


class NewsCommentIn(serializers.Serializer):
    body = serializers.CharField(max_length=5000)


class NewsReactionIn(serializers.Serializer):
    emoji = EmojiField()


class NewsUploadIn(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(), allow_empty=False,
        help_text=f"Images, PDF, office documents; {MAX_BYTES // (1024 * 1024)} MB each.",
    )


def _attachment_out(attachment: Attachment) -> dict:
    return {
        "id": attachment.pk, "name": attachment.name, "content_type": attachment.content_type,
        "size": attachment.size, "is_image": attachment.is_image,
        "url": reverse("api_news_attachment", kwargs={"pk": attachment.pk}),
    }


def _row_out(announcement: Announcement, author: str) -> dict:
    space = announcement.space
    return {
        "id": announcement.pk,
        "title": announcement.title,
        "space": {"slug": space.slug, "name": space.name, "is_default": space.is_default},
        "author": author,
        "pinned": announcement.pinned,
        "requires_ack": announcement.requires_ack,
        "ack_deadline": announcement.ack_deadline,
        "created_at": announcement.created_at,
        "edited_at": announcement.edited_at,
        "is_read": getattr(announcement, "is_read", True),
        "is_acknowledged": getattr(announcement, "is_acknowledged", False),
        "comment_count": getattr(announcement, "comment_count", 0),
        "attachment_count": getattr(announcement, "attachment_count", 0),
    }


def _detail_out(announcement: Announcement, membership: Membership) -> dict:
    user_id = membership.user_id
    ack = acknowledgement_of(announcement=announcement, user_id=user_id)
    attachments = attachments_of(announcement)
    row = _row_out(announcement, author_names([announcement]).get(announcement.author_id, ""))
    row.update(
        is_read=True,
        is_acknowledged=ack is not None,
        comment_count=announcement.comments.count(),
        attachment_count=len(attachments),
        body=announcement.body,
        body_html=announcement.body_html,
        attachments=[_attachment_out(a) for a in attachments],
        reactions=_reactions_out(announcement, user_id),
        acknowledged_at=ack.acknowledged_at if ack else None,
        can_edit=policy.can_edit(membership, announcement),
        can_pin=policy.can_pin(membership, announcement),
        can_view_receipts=policy.can_view_receipts(membership, announcement),
        can_acknowledge=policy.can_acknowledge(membership, announcement),
        can_comment=policy.can_comment(membership, announcement),
    )
    return row


def _reactions_out(announcement: Announcement, user_id: int) -> list[dict]:
    return [
        {"emoji": r.code, "label": r.emoji, "count": r.count, "mine": r.mine}
        for r in reaction_counts(announcement=announcement, user_id=user_id)
    ]


def _comment_out(comment: Comment, author: str, user_id: int) -> dict:
    return {
        "id": comment.pk, "author": author, "body": comment.body,
        "created_at": comment.created_at, "edited_at": comment.edited_at,
        "mine": comment.author_id == user_id,
    }


# --- Views -------------------------------------------------------------------------------------


class NewsPagination(PageNumberPagination):
    page_size = 20


class AnnouncementListApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=NewsAnnouncementOut(many=True),
                   summary="Announcements the member may read, pinned first")
    def get(self, request: Request) -> Response:
        paginator = NewsPagination()
        rows = paginator.paginate_queryset(
            announcements_list(user_id=_membership(request).user_id), request, view=self
        )
        names = author_names(rows)
        return paginator.get_paginated_response(
            [_row_out(a, names.get(a.author_id, "")) for a in rows]
        )

    @extend_schema(request=NewsAnnouncementIn, responses={201: NewsAnnouncementDetailOut},
                   summary="Publish an announcement (attachments: upload afterwards)")
    def post(self, request: Request) -> Response:
        membership = _membership(request)
        data = _valid(NewsAnnouncementIn, request.data)
        if data["space"]:
            space = spaces_readable(user_id=membership.user_id).filter(
                slug=data["space"]
            ).first()
            if space is None:
                raise ValidationError({"space": [_("No such space.")]})
        else:
            space = space_default()
        if not policy.can_publish_in(membership, space):
            raise NotFound
        try:
            announcement = services.announcement_publish(
                author_id=membership.user_id, space=space, title=data["title"],
                body=data["body"], pinned=data["pinned"], requires_ack=data["requires_ack"],
                ack_deadline=data["ack_deadline"],
            )
        except NewsError as error:
            raise _fail(error) from error
        return Response(_detail_out(announcement, membership), status=status.HTTP_201_CREATED)


class AnnouncementDetailApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=NewsAnnouncementDetailOut,
                   summary="An announcement (marks it read for the member)")
    def get(self, request: Request, pk: int) -> Response:
        announcement = _announcement(request, pk)
        membership = _membership(request)
        services.announcement_mark_read(announcement=announcement, user_id=membership.user_id)
        return Response(_detail_out(announcement, membership))

    @extend_schema(request=NewsAnnouncementUpdateIn, responses=NewsAnnouncementDetailOut,
                   summary="Edit an announcement")
    def patch(self, request: Request, pk: int) -> Response:
        announcement = _announcement(request, pk)
        membership = _membership(request)
        if not policy.can_edit(membership, announcement):
            raise NotFound
        data = _valid(NewsAnnouncementUpdateIn, request.data)
        try:
            services.announcement_update(
                announcement=announcement, title=data.get("title", announcement.title),
                body=data.get("body", announcement.body),
                ack_deadline=data.get("ack_deadline", announcement.ack_deadline),
            )
        except NewsError as error:
            raise _fail(error) from error
        return Response(_detail_out(announcement, membership))

    @extend_schema(responses={204: None}, summary="Delete an announcement")
    def delete(self, request: Request, pk: int) -> Response:
        announcement = _announcement(request, pk)
        if not policy.can_edit(_membership(request), announcement):
            raise NotFound
        services.announcement_delete(announcement=announcement)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AnnouncementPinApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=NewsPinIn, responses=NewsAnnouncementDetailOut, summary="Pin or unpin")
    def post(self, request: Request, pk: int) -> Response:
        announcement = _announcement(request, pk)
        membership = _membership(request)
        if not policy.can_pin(membership, announcement):
            raise NotFound
        data = _valid(NewsPinIn, request.data)
        services.announcement_pin(announcement=announcement, pinned=data["pinned"])
        return Response(_detail_out(announcement, membership))


class AnnouncementReceiptsApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=NewsReceiptsOut,
                   summary="Who has read it (and confirmed it), for the author and the board")
    def get(self, request: Request, pk: int) -> Response:
        announcement = _announcement(request, pk)
        if not policy.can_view_receipts(_membership(request), announcement):
            raise NotFound
        receipts = receipts_of(announcement)

        def people(rows: list) -> list[dict]:
            return [{"user_id": p.user_id, "name": p.name, "at": p.at, "channel": p.channel}
                    for p in rows]

        return Response({
            "audience_count": receipts.audience_count,
            "read": people(receipts.read),
            "unread": people(receipts.unread),
            "acknowledged": people(receipts.acknowledged),
            "not_acknowledged": people(receipts.not_acknowledged),
        })


class AnnouncementAcknowledgeApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=None, responses=NewsAcknowledgementOut,
                   summary="Confirm “read and approved” (idempotent)")
    def post(self, request: Request, pk: int) -> Response:
        announcement = _announcement(request, pk)
        membership = _membership(request)
        if not policy.can_acknowledge(membership, announcement):
            raise NotFound
        ack = services.announcement_acknowledge(
            announcement=announcement, user_id=membership.user_id, channel=AckChannel.API
        )
        return Response({"acknowledged_at": ack.acknowledged_at, "channel": ack.channel})


class CommentListApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=NewsCommentOut(many=True), summary="Comments, oldest first")
    def get(self, request: Request, pk: int) -> Response:
        announcement = _announcement(request, pk)
        user_id = _membership(request).user_id
        return Response([_comment_out(row.comment, row.author_name, user_id)
                         for row in comments_of(announcement)])

    @extend_schema(request=NewsCommentIn, responses={201: NewsCommentOut}, summary="Comment")
    def post(self, request: Request, pk: int) -> Response:
        announcement = _announcement(request, pk)
        membership = _membership(request)
        if not policy.can_comment(membership, announcement):
            raise NotFound
        data = _valid(NewsCommentIn, request.data)
        try:
            comment = services.comment_create(
                announcement=announcement, author_id=membership.user_id, body=data["body"]
            )
        except NewsError as error:
            raise _fail(error) from error
        name = author_names([comment]).get(comment.author_id, "")
        return Response(_comment_out(comment, name, membership.user_id),
                        status=status.HTTP_201_CREATED)


class CommentDetailApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=NewsCommentIn, responses=NewsCommentOut, summary="Edit one's comment")
    def patch(self, request: Request, pk: int) -> Response:
        comment = _comment(request, pk)
        membership = _membership(request)
        if not policy.can_edit_comment(membership, comment):
            raise NotFound
        data = _valid(NewsCommentIn, request.data)
        try:
            services.comment_update(comment=comment, body=data["body"])
        except NewsError as error:
            raise _fail(error) from error
        name = author_names([comment]).get(comment.author_id, "")
        return Response(_comment_out(comment, name, membership.user_id))

    @extend_schema(responses={204: None},
                   summary="Delete a comment (one's own; moderators any)")
    def delete(self, request: Request, pk: int) -> Response:
        comment = _comment(request, pk)
        if not policy.can_delete_comment(_membership(request), comment):
            raise NotFound
        services.comment_delete(comment=comment)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReactionToggleApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=NewsReactionIn, responses=NewsReactionOut(many=True),
                   summary="Give or take back a reaction; the counts after it")
    def post(self, request: Request, pk: int) -> Response:
        announcement = _announcement(request, pk)
        membership = _membership(request)
        if not policy.can_react(membership, announcement):
            raise NotFound
        data = _valid(NewsReactionIn, request.data)
        services.reaction_toggle(
            announcement=announcement, user_id=membership.user_id, emoji=data["emoji"]
        )
        return Response(_reactions_out(announcement, membership.user_id))


class AttachmentUploadApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": NewsUploadIn},
                   responses={201: NewsAttachmentOut(many=True)},
                   summary="Attach files (type checked by content)")
    def post(self, request: Request, pk: int) -> Response:
        announcement = _announcement(request, pk)
        membership = _membership(request)
        if not policy.can_edit(membership, announcement):
            raise NotFound
        files = request.FILES.getlist("files")
        if not files:
            raise ValidationError({"files": [_("Choose at least one file.")]})
        try:
            saved = services.attachments_add(
                announcement=announcement,
                uploads=[Upload(f, f.name, f.size) for f in files],
                user_id=membership.user_id,
            )
        except NewsError as error:
            raise _fail(error) from error
        return Response([_attachment_out(a) for a in saved], status=status.HTTP_201_CREATED)


class AttachmentApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    def _attachment(self, request: Request, pk: int) -> Attachment:
        attachment = attachment_for_reader(user_id=_membership(request).user_id, pk=pk)
        if attachment is None:
            raise NotFound
        return attachment

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
        summary="Download an attachment",
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        return attachment_response(self._attachment(request, pk))

    @extend_schema(responses={204: None}, summary="Remove an attachment")
    def delete(self, request: Request, pk: int) -> Response:
        attachment = self._attachment(request, pk)
        if not policy.can_edit(_membership(request), attachment.announcement):
            raise NotFound
        services.attachment_delete(attachment=attachment)
        return Response(status=status.HTTP_204_NO_CONTENT)
