"""REST endpoints of the feedback app: the same policy, selectors and services as the pages.

An item the member may not read answers 404; so does an action they may not take on one they
can read. Internal notes only ever come out of the notes endpoint, for those who handle
feedback."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.members.models import Membership
from shared_apps.workspace.api import IsMember
from shared_apps.workspace.api_support import api_error as _fail
from shared_apps.workspace.api_support import membership_of as _membership
from shared_apps.workspace.api_support import validated as _valid

from . import policy, services
from .models import FeedbackItem, ItemKind, ItemStatus, Theme
from .selectors import (
    InboxFilters,
    answers_of,
    attachment_for_reader,
    attachments_of,
    dashboard,
    feedback_settings,
    ideas_open,
    inbox,
    item_for_reader,
    my_items,
    notes_of,
    people_names,
    support_state,
    themes_active,
    themes_all,
)
from .services import Upload
from .views import attachment_response

KINDS = ", ".join(ItemKind.values)
STATUSES = ", ".join(ItemStatus.values)



def _item(request: Request, pk: int) -> FeedbackItem:
    item = item_for_reader(membership=_membership(request), pk=pk)
    if item is None:
        raise NotFound
    return item


def _handled_item(request: Request, pk: int) -> FeedbackItem:
    if not policy.can_handle(_membership(request)):
        raise NotFound
    return _item(request, pk)




# --- Serializers -------------------------------------------------------------------------------


class FeedbackThemeOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    archived = serializers.BooleanField()


class FeedbackAttachmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    is_image = serializers.BooleanField()
    url = serializers.CharField(help_text="Download through the API (access-checked).")


class FeedbackItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=f"One of: {KINDS}.")
    status = serializers.CharField(help_text=f"One of: {STATUSES}.")
    theme = FeedbackThemeOut(allow_null=True)
    title = serializers.CharField()
    description = serializers.CharField()
    place = serializers.CharField()
    is_anonymous = serializers.BooleanField()
    reporter = serializers.CharField(
        allow_null=True,
        help_text="The reporter's name: only for those who handle feedback, never for an "
                  "anonymous item.",
    )
    assignee = serializers.CharField(allow_null=True, help_text="For those who handle feedback.")
    assignee_id = serializers.IntegerField(allow_null=True)
    duplicate_of = serializers.IntegerField(allow_null=True)
    support_count = serializers.IntegerField(allow_null=True,
                                             help_text="Ideas only, while supports are on.")
    supported = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    first_answered_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


class FeedbackEntryOut(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class FeedbackItemDetailOut(FeedbackItemOut):
    attachments = FeedbackAttachmentOut(many=True, allow_null=True)
    answers = FeedbackEntryOut(many=True, allow_null=True,
                               help_text="For the reporter and those who handle feedback.")
    can_support = serializers.BooleanField()
    can_handle = serializers.BooleanField()


class FeedbackReportedOut(FeedbackItemDetailOut):
    follow_url = serializers.CharField(
        allow_null=True,
        help_text="Anonymous reports only: the private follow-up link, given this once.",
    )


class FeedbackReportIn(serializers.Serializer):
    kind = serializers.CharField(help_text=f"One of: {KINDS}.")
    theme = serializers.IntegerField(required=False, allow_null=True, default=None,
                                     help_text="Id of an active theme (required if any exist).")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10_000)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    anonymous = serializers.BooleanField(required=False, default=False)
    files = serializers.ListField(
        child=serializers.FileField(), required=False, default=list,
        help_text="Multipart only: images, PDF, office documents; 10 MB each, 5 at most.",
    )


class FeedbackAssignIn(serializers.Serializer):
    assignee_id = serializers.IntegerField(allow_null=True,
                                           help_text="A board or staff member; null: nobody.")


class FeedbackStatusIn(serializers.Serializer):
    status = serializers.CharField(help_text=f"One of: {STATUSES}.")


class FeedbackTextIn(serializers.Serializer):
    body = serializers.CharField(max_length=10_000)


class FeedbackMergeIn(serializers.Serializer):
    into = serializers.IntegerField(help_text="Id of the item to keep.")


class FeedbackSupportOut(serializers.Serializer):
    supported = serializers.BooleanField()
    support_count = serializers.IntegerField()


class FeedbackThemeIn(serializers.Serializer):
    name = serializers.CharField(max_length=80)


class FeedbackThemeUpdateIn(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False)
    archived = serializers.BooleanField(required=False)


class FeedbackSettingsOut(serializers.Serializer):
    supports_enabled = serializers.BooleanField()
    anonymous_allowed = serializers.BooleanField()


class FeedbackSettingsIn(serializers.Serializer):
    supports_enabled = serializers.BooleanField(required=False)
    anonymous_allowed = serializers.BooleanField(required=False)


class FeedbackCountOut(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class FeedbackDashboardOut(serializers.Serializer):
    open_total = serializers.IntegerField()
    open_by_theme = FeedbackCountOut(many=True)
    by_status = FeedbackCountOut(many=True)
    open_by_kind = FeedbackCountOut(many=True)
    answered_count = serializers.IntegerField()
    median_seconds_to_answer = serializers.FloatField(
        allow_null=True, help_text="From reception to first answer (percentile_cont, in SQL).",
    )


def _theme_out(theme: Theme | None) -> dict | None:
    if theme is None:
        return None
    return {"id": theme.pk, "name": theme.name, "archived": theme.archived_at is not None}


def _item_out(item: FeedbackItem, membership: Membership, names: dict[int, str]) -> dict:
    handling = policy.can_handle(membership)
    supports = feedback_settings().supports_enabled and item.kind == ItemKind.IDEA
    return {
        "id": item.pk, "kind": item.kind, "status": item.status,
        "theme": _theme_out(item.theme), "title": item.title,
        "description": item.description, "place": item.place,
        "is_anonymous": item.is_anonymous,
        "reporter": names.get(item.reporter_id) if handling and item.reporter_id else None,
        "assignee": names.get(item.assignee_id) if handling and item.assignee_id else None,
        "assignee_id": item.assignee_id if handling else None,
        "duplicate_of": item.duplicate_of_id,
        "support_count": getattr(item, "support_count", 0) if supports or handling else None,
        "supported": bool(getattr(item, "supported", False)),
        "created_at": item.created_at, "first_answered_at": item.first_answered_at,
        "closed_at": item.closed_at,
    }


def _entry_out(entry: object) -> dict:
    return {"id": entry.id, "author": entry.author_name, "body": entry.body,
            "created_at": entry.created_at}


def _detail_out(item: FeedbackItem, membership: Membership) -> dict:
    count, mine = support_state(item=item, user_id=membership.user_id)
    item.support_count, item.supported = count, mine
    row = _item_out(item, membership, people_names([item]))
    files = attachments_of(item) if policy.can_see_attachments(membership, item) else None
    row.update(
        attachments=None if files is None else [
            {"id": a.pk, "name": a.name, "content_type": a.content_type, "size": a.size,
             "is_image": a.is_image,
             "url": reverse("api_feedback_attachment", kwargs={"pk": a.pk})}
            for a in files
        ],
        answers=[_entry_out(e) for e in answers_of(item)]
        if policy.can_see_answers(membership, item) else None,
        can_support=policy.can_support(membership, item, feedback_settings()),
        can_handle=policy.can_handle(membership),
    )
    return row


class FeedbackPagination(PageNumberPagination):
    page_size = 25


def _page(view: APIView, request: Request, rows: object) -> Response:
    membership = _membership(request)
    paginator = FeedbackPagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    names = people_names(page) if policy.can_handle(membership) else {}
    return paginator.get_paginated_response([_item_out(i, membership, names) for i in page])


# --- Views -------------------------------------------------------------------------------------


class FeedbackMineApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses=FeedbackItemOut(many=True),
                   summary="My reports (named ones: anonymous reports are not linked to me)")
    def get(self, request: Request) -> Response:
        return _page(self, request, my_items(membership=_membership(request)))

    @extend_schema(
        request={"application/json": FeedbackReportIn, "multipart/form-data": FeedbackReportIn},
        responses={201: FeedbackReportedOut}, summary="Report an observation, idea, problem or "
        "question (anonymous: the response holds the private follow-up link, once)",
    )
    def post(self, request: Request) -> Response:
        membership = _membership(request)
        if not policy.can_report(membership):
            raise NotFound
        data = _valid(FeedbackReportIn, request.data)
        files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
        try:
            reported = services.item_report(
                reporter_id=membership.user_id, kind=data["kind"], title=data["title"],
                description=data["description"], place=data["place"],
                theme_id=data["theme"], anonymous=data["anonymous"],
                uploads=[Upload(f, f.name, f.size) for f in files],
            )
        except DjangoValidationError as error:
            raise _fail(error) from error
        item = FeedbackItem.objects.select_related("theme").get(pk=reported.item.pk)
        out = _detail_out(item, membership)
        out["follow_url"] = (
            request.build_absolute_uri(services.follow_url(reported.follow_token))
            if reported.follow_token else None
        )
        if item.is_anonymous:
            # The anonymous reporter does not see "their" item through the API afterwards.
            out["answers"] = out["attachments"] = None
        return Response(out, status=status.HTTP_201_CREATED)


class FeedbackIdeasApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=FeedbackItemOut(many=True),
                   summary="Open ideas to support, most supported first (empty while supports "
                           "are off)")
    def get(self, request: Request) -> Response:
        return _page(self, request, ideas_open(membership=_membership(request)))


class FeedbackInboxApi(APIView):
    permission_classes = [IsMember]
    required_action = "feedback.handle"

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description=f"One of: {STATUSES}."),
            OpenApiParameter("theme", int, description="Theme id."),
            OpenApiParameter("kind", str, description=f"One of: {KINDS}."),
            OpenApiParameter("assignee", str,
                             description="A user id, or \"none\" for unassigned items."),
        ],
        responses=FeedbackItemOut(many=True), summary="The inbox, newest first (board, staff)",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        theme, assignee = params.get("theme", ""), params.get("assignee", "")
        item_status, kind = params.get("status", ""), params.get("kind", "")
        if item_status and item_status not in ItemStatus.values:
            raise ValidationError({"status": [_("Unknown status.")]})
        if kind and kind not in ItemKind.values:
            raise ValidationError({"kind": [_("Unknown kind.")]})
        filters = InboxFilters(
            status=item_status, kind=kind,
            theme_id=int(theme) if theme.isdigit() else None,
            unassigned=assignee == "none",
            assignee_id=int(assignee) if assignee.isdigit() else None,
        )
        return _page(self, request, inbox(membership=_membership(request), filters=filters))


class FeedbackItemApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=FeedbackItemDetailOut, summary="An item")
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail_out(_item(request, pk), _membership(request)))


class FeedbackAssignApi(APIView):
    permission_classes = [IsMember]
    required_action = "feedback.handle"

    @extend_schema(request=FeedbackAssignIn, responses=FeedbackItemDetailOut,
                   summary="Assign to a board or staff member (they are notified)")
    def post(self, request: Request, pk: int) -> Response:
        item = _handled_item(request, pk)
        data = _valid(FeedbackAssignIn, request.data)
        try:
            services.item_assign(item=item, assignee_id=data["assignee_id"],
                                 actor_id=_membership(request).user_id)
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response(_detail_out(item, _membership(request)))


class FeedbackStatusApi(APIView):
    permission_classes = [IsMember]
    required_action = "feedback.handle"

    @extend_schema(request=FeedbackStatusIn, responses=FeedbackItemDetailOut,
                   summary="Change the status (allowed moves only)")
    def post(self, request: Request, pk: int) -> Response:
        item = _handled_item(request, pk)
        data = _valid(FeedbackStatusIn, request.data)
        try:
            services.item_set_status(item=item, status=data["status"],
                                     actor_id=_membership(request).user_id)
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response(_detail_out(item, _membership(request)))


class FeedbackNotesApi(APIView):
    permission_classes = [IsMember]
    required_action = "feedback.handle"

    @extend_schema(responses=FeedbackEntryOut(many=True),
                   summary="Internal notes (never shown to the reporter)")
    def get(self, request: Request, pk: int) -> Response:
        return Response([_entry_out(e) for e in notes_of(_handled_item(request, pk))])

    @extend_schema(request=FeedbackTextIn, responses={201: FeedbackEntryOut},
                   summary="Add an internal note")
    def post(self, request: Request, pk: int) -> Response:
        item = _handled_item(request, pk)
        data = _valid(FeedbackTextIn, request.data)
        try:
            note = services.note_add(item=item, author_id=_membership(request).user_id,
                                     body=data["body"])
        except DjangoValidationError as error:
            raise _fail(error) from error
        entry = next(e for e in notes_of(item) if e.id == note.pk)
        return Response(_entry_out(entry), status=status.HTTP_201_CREATED)


class FeedbackAnswersApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=FeedbackEntryOut(many=True),
                   summary="Answers (the reporter and those who handle feedback)")
    def get(self, request: Request, pk: int) -> Response:
        item = _item(request, pk)
        if not policy.can_see_answers(_membership(request), item):
            raise NotFound
        return Response([_entry_out(e) for e in answers_of(item)])

    @extend_schema(request=FeedbackTextIn, responses={201: FeedbackEntryOut},
                   summary="Answer the reporter (notified unless anonymous)")
    def post(self, request: Request, pk: int) -> Response:
        item = _handled_item(request, pk)
        data = _valid(FeedbackTextIn, request.data)
        try:
            answer = services.answer_create(item=item, author_id=_membership(request).user_id,
                                            body=data["body"])
        except DjangoValidationError as error:
            raise _fail(error) from error
        entry = next(e for e in answers_of(item) if e.id == answer.pk)
        return Response(_entry_out(entry), status=status.HTTP_201_CREATED)


class FeedbackMergeApi(APIView):
    permission_classes = [IsMember]
    required_action = "feedback.handle"

    @extend_schema(request=FeedbackMergeIn, responses=FeedbackItemDetailOut,
                   summary="Merge this item into another (closed as its duplicate)")
    def post(self, request: Request, pk: int) -> Response:
        item = _handled_item(request, pk)
        data = _valid(FeedbackMergeIn, request.data)
        kept = FeedbackItem.objects.filter(pk=data["into"]).first()
        if kept is None:
            raise ValidationError({"into": [_("There is no item with this number.")]})
        try:
            merged = services.item_merge(duplicate=item, kept=kept,
                                         actor_id=_membership(request).user_id)
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response(_detail_out(merged, _membership(request)))


class FeedbackSupportApi(APIView):
    permission_classes = [IsMember]
    required_action = "feedback.support"

    @extend_schema(request=None, responses=FeedbackSupportOut,
                   summary="Give or take back one's +1 on an open idea")
    def post(self, request: Request, pk: int) -> Response:
        item = _item(request, pk)
        membership = _membership(request)
        if not policy.can_support(membership, item, feedback_settings()):
            raise NotFound
        try:
            services.support_toggle(item=item, user_id=membership.user_id)
        except DjangoValidationError as error:
            raise _fail(error) from error
        count, mine = support_state(item=item, user_id=membership.user_id)
        return Response({"supported": mine, "support_count": count})


class FeedbackAttachmentApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
        summary="Download an attachment (the reporter and those who handle feedback)",
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        attachment = attachment_for_reader(membership=_membership(request), pk=pk)
        if attachment is None:
            raise NotFound
        return attachment_response(attachment)


class FeedbackThemesApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=FeedbackThemeOut(many=True),
                   summary="Themes: active ones (the board also sees archived ones)")
    def get(self, request: Request) -> Response:
        rows = themes_all() if policy.can_configure(_membership(request)) else themes_active()
        return Response([_theme_out(t) for t in rows])

    @extend_schema(request=FeedbackThemeIn, responses={201: FeedbackThemeOut},
                   summary="Create a theme (board)")
    def post(self, request: Request) -> Response:
        if not policy.can_configure(_membership(request)):
            raise NotFound
        data = _valid(FeedbackThemeIn, request.data)
        try:
            theme = services.theme_create(name=data["name"])
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response(_theme_out(theme), status=status.HTTP_201_CREATED)


class FeedbackThemeApi(APIView):
    permission_classes = [IsMember]
    required_action = "feedback.configure"

    @extend_schema(request=FeedbackThemeUpdateIn, responses=FeedbackThemeOut,
                   summary="Rename, archive or restore a theme (board)")
    def patch(self, request: Request, pk: int) -> Response:
        theme = Theme.objects.filter(pk=pk).first()
        if theme is None:
            raise NotFound
        data = _valid(FeedbackThemeUpdateIn, request.data)
        try:
            if "name" in data:
                services.theme_rename(theme=theme, name=data["name"])
            if "archived" in data:
                services.theme_archive(theme=theme, archived=data["archived"])
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response(_theme_out(theme))


class FeedbackSettingsApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=FeedbackSettingsOut, summary="The association's feedback settings")
    def get(self, request: Request) -> Response:
        settings = feedback_settings()
        return Response({"supports_enabled": settings.supports_enabled,
                         "anonymous_allowed": settings.anonymous_allowed})

    @extend_schema(request=FeedbackSettingsIn, responses=FeedbackSettingsOut,
                   summary="Change the feedback settings (board)")
    def patch(self, request: Request) -> Response:
        if not policy.can_configure(_membership(request)):
            raise NotFound
        data = _valid(FeedbackSettingsIn, request.data)
        settings = services.settings_update(**data)
        return Response({"supports_enabled": settings.supports_enabled,
                         "anonymous_allowed": settings.anonymous_allowed})


class FeedbackDashboardApi(APIView):
    permission_classes = [IsMember]
    required_action = "feedback.dashboard"

    @extend_schema(responses=FeedbackDashboardOut,
                   summary="Open items by theme, status and kind; median time to answer")
    def get(self, request: Request) -> Response:
        board = dashboard()
        median = board.median_time_to_answer
        return Response({
            "open_total": board.open_total,
            "open_by_theme": [{"key": name, "label": name or _("No theme"), "count": n}
                              for name, n in board.by_theme],
            "by_status": [{"key": k, "label": str(label), "count": n}
                          for k, label, n in board.by_status],
            "open_by_kind": [{"key": k, "label": str(label), "count": n}
                             for k, label, n in board.by_kind],
            "answered_count": board.answered_count,
            "median_seconds_to_answer": median.total_seconds() if median is not None else None,
        })
