"""Feedback pages: my reports and open ideas, report, an item, the board's inbox (assign,
status, internal notes, answer, merge), supports, dashboard, themes, settings, attachments and
the anonymous follow-up page.

Thin: the policy decides, a service acts. What a member may not read or do answers 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shared_apps.news.views import attachment_response
from shared_apps.workspace.access import member_required

from . import policy, services
from .forms import (
    AssignForm,
    InboxFilterForm,
    MergeForm,
    ReportForm,
    SettingsForm,
    StatusForm,
    TextForm,
    ThemeForm,
)
from .models import FeedbackItem, Theme
from .selectors import (
    InboxFilters,
    answers_of,
    attachment_for_reader,
    attachments_of,
    dashboard,
    feedback_settings,
    handlers,
    ideas_open,
    inbox,
    item_for_follow_token,
    item_for_reader,
    my_items,
    notes_of,
    people_names,
    support_state,
    themes_active,
    themes_all,
)
from .services import TRANSITIONS, Upload

PAGE_SIZE = 25


def _item(request: HttpRequest, pk: int) -> FeedbackItem:
    item = item_for_reader(membership=request.membership, pk=pk)
    if item is None:
        raise Http404
    return item


def _handled_item(request: HttpRequest, pk: int) -> FeedbackItem:
    if not policy.can_handle(request.membership):
        raise Http404
    return _item(request, pk)


def form_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's errors on the form's fields (or on top when the field is not shown)."""
    for field, messages_ in error.message_dict.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


def _first_error(error: ValidationError) -> str:
    return next(iter(error.messages), "")


@member_required()
@require_http_methods(["GET"])
def feedback_home(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    mine = list(my_items(membership=membership)[:50])
    ideas = list(ideas_open(membership=membership)[:50])
    return render(request, "feedback/home.html", {
        "mine": mine,
        "ideas": ideas,
        "supports_enabled": feedback_settings().supports_enabled,
        "can_handle": policy.can_handle(membership),
        "can_dashboard": policy.can_view_dashboard(membership),
        "can_configure": policy.can_configure(membership),
        "can_report": policy.can_report(membership),
    })


@member_required("feedback.report")
@require_http_methods(["GET", "POST"])
def feedback_create(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    settings = feedback_settings()
    themes = list(themes_active())
    posted = request.method == "POST"
    form = ReportForm(
        request.POST if posted else None, request.FILES if posted else None,
        themes=themes, anonymous_allowed=settings.anonymous_allowed,
        initial={"kind": request.GET.get("kind", "")},
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        theme = data.get("theme")
        try:
            reported = services.item_report(
                reporter_id=membership.user_id, kind=data["kind"], title=data["title"],
                description=data["description"], place=data["place"],
                theme_id=theme.pk if theme else None, anonymous=data.get("anonymous", False),
                uploads=[Upload(f, f.name, f.size) for f in data["files"]],
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            if reported.follow_token:
                # Shown once, on this page only: it is stored nowhere in clear.
                return render(request, "feedback/anonymous_done.html", {
                    "follow_url": request.build_absolute_uri(
                        services.follow_url(reported.follow_token)),
                })
            messages.success(request, _("Thank you: your report is sent to the board."))
            return redirect("feedback_detail", pk=reported.item.pk)
    return render(request, "feedback/form.html", {"form": form},
                  status=400 if form.errors else 200)


def _detail_context(request: HttpRequest, item: FeedbackItem) -> dict:
    membership = request.membership
    settings = feedback_settings()
    handling = policy.can_handle(membership)
    count, mine = support_state(item=item, user_id=membership.user_id)
    context = {
        "item": item,
        "handling": handling,
        "is_reporter": policy.is_reporter(membership, item),
        "answers": answers_of(item) if policy.can_see_answers(membership, item) else None,
        "attachments": attachments_of(item) if policy.can_see_attachments(membership, item)
        else None,
        "support_count": count,
        "supported": mine,
        "can_support": policy.can_support(membership, item, settings),
        "show_supports": settings.supports_enabled and item.kind == "idea",
    }
    if handling:
        names = people_names([item])
        context.update(
            reporter_name=names.get(item.reporter_id, "") if item.reporter_id else "",
            assignee_name=names.get(item.assignee_id, "") if item.assignee_id else "",
            notes=notes_of(item),
            next_statuses=[s for s in TRANSITIONS[item.status]],
            assign_form=AssignForm(handlers=handlers(),
                                   initial={"assignee": item.assignee_id or ""}),
            status_form=StatusForm(initial={"status": item.status}),
            note_form=TextForm(prefix="note"),
            answer_form=TextForm(prefix="answer"),
            merge_form=MergeForm(),
        )
    return context


@member_required()
@require_http_methods(["GET"])
def feedback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    return render(request, "feedback/detail.html", _detail_context(request, item))


def _act(request: HttpRequest, item: FeedbackItem, action: object, done: str) -> HttpResponse:
    try:
        action()
    except ValidationError as error:
        messages.error(request, _first_error(error))
    else:
        messages.success(request, done)
    return redirect("feedback_detail", pk=item.pk)


@member_required("feedback.handle")
@require_POST
def feedback_assign(request: HttpRequest, pk: int) -> HttpResponse:
    item = _handled_item(request, pk)
    raw = request.POST.get("assignee", "")
    try:
        assignee_id = int(raw) if raw else None
    except ValueError:
        assignee_id = -1  # refused by the service with a clear message
    return _act(request, item, lambda: services.item_assign(
        item=item, assignee_id=assignee_id, actor_id=request.membership.user_id,
    ), _("Assignment saved."))


@member_required("feedback.handle")
@require_POST
def feedback_status(request: HttpRequest, pk: int) -> HttpResponse:
    item = _handled_item(request, pk)
    return _act(request, item, lambda: services.item_set_status(
        item=item, status=request.POST.get("status", ""), actor_id=request.membership.user_id,
    ), _("Status changed."))


@member_required("feedback.handle")
@require_POST
def feedback_note(request: HttpRequest, pk: int) -> HttpResponse:
    item = _handled_item(request, pk)
    return _act(request, item, lambda: services.note_add(
        item=item, author_id=request.membership.user_id, body=request.POST.get("note-body", ""),
    ), _("Internal note added."))


@member_required("feedback.handle")
@require_POST
def feedback_answer(request: HttpRequest, pk: int) -> HttpResponse:
    item = _handled_item(request, pk)
    return _act(request, item, lambda: services.answer_create(
        item=item, author_id=request.membership.user_id,
        body=request.POST.get("answer-body", ""),
    ), _("Answer sent.") if not item.is_anonymous
        else _("Answer saved: the reporter will read it through their private link."))


@member_required("feedback.handle")
@require_POST
def feedback_merge(request: HttpRequest, pk: int) -> HttpResponse:
    item = _handled_item(request, pk)
    form = MergeForm(request.POST)
    kept = None
    if form.is_valid():
        kept = FeedbackItem.objects.filter(pk=form.cleaned_data["into"]).first()
    if kept is None:
        messages.error(request, _("There is no item with this number."))
        return redirect("feedback_detail", pk=item.pk)
    return _act(request, item, lambda: services.item_merge(
        duplicate=item, kept=kept, actor_id=request.membership.user_id,
    ), _("Merged: this item is closed as a duplicate."))


@member_required("feedback.support")
@require_POST
def feedback_support(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    if not policy.can_support(request.membership, item, feedback_settings()):
        raise Http404
    return _act(request, item, lambda: services.support_toggle(
        item=item, user_id=request.membership.user_id,
    ), _("Thank you for your support.") if not support_state(
        item=item, user_id=request.membership.user_id)[1] else _("Support taken back."))


def _filters(form: InboxFilterForm) -> InboxFilters:
    if not form.is_valid():
        return InboxFilters()
    data = form.cleaned_data
    assignee = data.get("assignee") or ""
    return InboxFilters(
        status=data.get("status") or "",
        theme_id=data["theme"].pk if data.get("theme") else None,
        kind=data.get("kind") or "",
        unassigned=assignee == "none",
        assignee_id=int(assignee) if assignee.isdigit() else None,
    )


@member_required("feedback.handle")
@require_http_methods(["GET"])
def feedback_inbox(request: HttpRequest) -> HttpResponse:
    people = handlers()
    form = InboxFilterForm(request.GET or None, handlers=people)
    rows = inbox(membership=request.membership, filters=_filters(form))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    names = people_names(items)
    for row in items:
        row.reporter_name = names.get(row.reporter_id, "") if row.reporter_id else ""
        row.assignee_name = names.get(row.assignee_id, "") if row.assignee_id else ""
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "feedback/inbox.html", {
        "form": form, "page": page, "items": items, "query": query.urlencode(),
    })


@member_required("feedback.dashboard")
@require_http_methods(["GET"])
def feedback_dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/dashboard.html", {"board": dashboard()})


@member_required("feedback.configure")
@require_http_methods(["GET", "POST"])
def feedback_themes(request: HttpRequest) -> HttpResponse:
    form = ThemeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.theme_create(name=form.cleaned_data["name"])
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, _("Theme created."))
            return redirect("feedback_themes")
    return render(request, "feedback/themes.html", {"form": form, "themes": themes_all()},
                  status=400 if form.errors else 200)


@member_required("feedback.configure")
@require_POST
def feedback_theme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    theme = get_object_or_404(Theme, pk=pk)
    try:
        if "archive" in request.POST:
            services.theme_archive(theme=theme, archived=request.POST["archive"] == "1")
            messages.success(request, _("Theme archived.") if theme.archived_at
                             else _("Theme restored."))
        else:
            services.theme_rename(theme=theme, name=request.POST.get("name", ""))
            messages.success(request, _("Theme renamed."))
    except ValidationError as error:
        messages.error(request, _first_error(error))
    return redirect("feedback_themes")


@member_required("feedback.configure")
@require_http_methods(["GET", "POST"])
def feedback_settings_edit(request: HttpRequest) -> HttpResponse:
    settings = feedback_settings()
    form = SettingsForm(request.POST or None, initial={
        "supports_enabled": settings.supports_enabled,
        "anonymous_allowed": settings.anonymous_allowed,
    })
    if request.method == "POST" and form.is_valid():
        services.settings_update(**form.cleaned_data)
        messages.success(request, _("Settings saved."))
        return redirect("feedback_settings")
    return render(request, "feedback/settings.html", {"form": form})


@member_required()
@require_http_methods(["GET"])
def feedback_attachment(request: HttpRequest, pk: int) -> FileResponse:
    attachment = attachment_for_reader(membership=request.membership, pk=pk)
    if attachment is None:
        raise Http404
    return attachment_response(attachment)


@require_http_methods(["GET"])
def feedback_follow(request: HttpRequest, token: str) -> HttpResponse:
    """The anonymous reporter's private page: status and answers, no names, no internal
    notes. Whoever holds the link may read it; it is never tied to an account."""
    item = item_for_follow_token(token)
    if item is None:
        raise Http404
    response = render(request, "feedback/follow.html", {
        "item": item, "answers": answers_of(item),
    })
    # The token is in the URL: keep it out of other sites' Referer headers and caches.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response

