"""News pages: list, announcement page (marks it read), publish, edit, delete, pin, receipts,
acknowledge (signed in or from the email's signed link), comments, reactions, attachments.

Thin: the policy decides, a service acts. What a member may not read or do answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shared_apps.workspace.access import member_required
from shared_apps.workspace.signed_links import LinkInvalid

from . import policy, services
from .forms import AnnouncementEditForm, AnnouncementForm, CommentForm, ReactionForm
from .models import AckChannel, Announcement, Comment
from .selectors import (
    acknowledgement_of,
    announcement_for_reader,
    announcements_list,
    attachment_for_reader,
    attachments_of,
    author_names,
    comment_for_reader,
    comments_of,
    publishable_spaces,
    reaction_counts,
    receipts_of,
)
from .services import NewsError, Upload

PAGE_SIZE = 20


def _announcement(request: HttpRequest, pk: int) -> Announcement:
    announcement = announcement_for_reader(user_id=request.membership.user_id, pk=pk)
    if announcement is None:
        raise Http404
    return announcement


def _comment(request: HttpRequest, pk: int) -> Comment:
    comment = comment_for_reader(user_id=request.membership.user_id, pk=pk)
    if comment is None:
        raise Http404
    return comment


def _uploads(files: list) -> list[Upload]:
    return [Upload(f, f.name, f.size) for f in files]


def _posted(request: HttpRequest) -> tuple[object, object]:
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


@member_required()
@require_http_methods(["GET"])
def news_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    page = Paginator(announcements_list(user_id=membership.user_id), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    names = author_names(rows)
    for row in rows:
        row.author_name = names.get(row.author_id, "")
    return render(
        request,
        "news/list.html",
        {
            "page": page,
            "announcements": rows,
            "can_publish": bool(publishable_spaces(membership)),
        },
    )


@member_required()
@require_http_methods(["GET", "POST"])
def news_create(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    spaces = publishable_spaces(membership)
    if not spaces:
        raise Http404
    data, files = _posted(request)
    initial = {}
    if request.GET.get("space"):
        initial["space"] = next((s.pk for s in spaces if s.slug == request.GET["space"]), None)
    form = AnnouncementForm(data, files, spaces=spaces, initial=initial)
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        try:
            announcement = services.announcement_publish(
                author_id=membership.user_id, space=cleaned["space"], title=cleaned["title"],
                body=cleaned["body"], pinned=cleaned["pinned"],
                requires_ack=cleaned["requires_ack"], ack_deadline=cleaned["ack_deadline"],
                uploads=_uploads(cleaned["files"]),
            )
        except NewsError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Announcement published."))
            return redirect("news_detail", pk=announcement.pk)
    return render(request, "news/form.html", {"form": form, "announcement": None},
                  status=400 if form.errors else 200)


def _detail_context(request: HttpRequest, announcement: Announcement) -> dict:
    membership = request.membership
    user_id = membership.user_id
    return {
        "announcement": announcement,
        "author_name": author_names([announcement]).get(announcement.author_id, ""),
        "attachments": attachments_of(announcement),
        "comments": comments_of(announcement),
        "reactions": reaction_counts(announcement=announcement, user_id=user_id),
        "acknowledgement": acknowledgement_of(announcement=announcement, user_id=user_id)
        if announcement.requires_ack else None,
        "comment_form": CommentForm(),
        "can_edit": policy.can_edit(membership, announcement),
        "can_pin": policy.can_pin(membership, announcement),
        "can_receipts": policy.can_view_receipts(membership, announcement),
        "can_acknowledge": policy.can_acknowledge(membership, announcement),
        "can_comment": policy.can_comment(membership, announcement),
        "can_react": policy.can_react(membership, announcement),
        "can_moderate_comments": policy.can_pin(membership, announcement),
        "user_id": user_id,
    }


@member_required()
@require_http_methods(["GET"])
def news_detail(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = _announcement(request, pk)
    services.announcement_mark_read(announcement=announcement, user_id=request.membership.user_id)
    return render(request, "news/detail.html", _detail_context(request, announcement))


@member_required()
@require_http_methods(["GET", "POST"])
def news_edit(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = _announcement(request, pk)
    membership = request.membership
    if not policy.can_edit(membership, announcement):
        raise Http404
    data, files = _posted(request)
    form = AnnouncementEditForm(
        data, files,
        initial={"title": announcement.title, "body": announcement.body,
                 "ack_deadline": announcement.ack_deadline},
    )
    if not announcement.requires_ack:
        del form.fields["ack_deadline"]
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        try:
            services.announcement_update(
                announcement=announcement, title=cleaned["title"], body=cleaned["body"],
                ack_deadline=cleaned.get("ack_deadline"),
            )
            if cleaned["files"]:
                services.attachments_add(
                    announcement=announcement, uploads=_uploads(cleaned["files"]),
                    user_id=membership.user_id,
                )
        except NewsError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Announcement saved."))
            return redirect("news_detail", pk=announcement.pk)
    return render(
        request, "news/form.html",
        {"form": form, "announcement": announcement, "attachments": attachments_of(announcement)},
        status=400 if form.errors else 200,
    )


@member_required()
@require_http_methods(["GET", "POST"])
def news_delete(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = _announcement(request, pk)
    if not policy.can_edit(request.membership, announcement):
        raise Http404
    if request.method == "POST":
        services.announcement_delete(announcement=announcement)
        messages.success(request, _("Announcement deleted."))
        return redirect("news")
    return render(request, "news/delete.html", {"announcement": announcement})


@member_required()
@require_POST
def news_pin(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = _announcement(request, pk)
    if not policy.can_pin(request.membership, announcement):
        raise Http404
    pinned = not announcement.pinned
    services.announcement_pin(announcement=announcement, pinned=pinned)
    messages.success(request, _("Announcement pinned.") if pinned else _("Announcement unpinned."))
    return redirect("news_detail", pk=announcement.pk)


@member_required()
@require_http_methods(["GET"])
def news_receipts(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = _announcement(request, pk)
    if not policy.can_view_receipts(request.membership, announcement):
        raise Http404
    return render(
        request, "news/receipts.html",
        {"announcement": announcement, "receipts": receipts_of(announcement)},
    )


@member_required()
@require_POST
def news_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = _announcement(request, pk)
    if not policy.can_acknowledge(request.membership, announcement):
        raise Http404
    services.announcement_acknowledge(
        announcement=announcement, user_id=request.membership.user_id, channel=AckChannel.PAGE
    )
    messages.success(request, _("Thank you: your acknowledgement is recorded."))
    return redirect("news_detail", pk=announcement.pk)


@require_http_methods(["GET", "POST"])
def news_ack_link(request: HttpRequest, token: str) -> HttpResponse:
    """From the email, without signing in. GET only shows the notice and a button: mail
    scanners open links, and must not confirm on the member's behalf."""
    try:
        announcement, user_id = services.ack_link_resolve(token)
    except LinkInvalid as invalid:
        return render(
            request, "news/ack_link.html",
            {"invalid": True, "expired": str(invalid) == "expired"}, status=400,
        )
    done = acknowledgement_of(announcement=announcement, user_id=user_id)
    if request.method == "POST" and done is None:
        done = services.announcement_acknowledge(
            announcement=announcement, user_id=user_id, channel=AckChannel.LINK
        )
    return render(
        request, "news/ack_link.html",
        {"announcement": announcement, "acknowledgement": done,
         "just_done": request.method == "POST"},
    )


@member_required()
@require_POST
def news_comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = _announcement(request, pk)
    if not policy.can_comment(request.membership, announcement):
        raise Http404
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_create(
                announcement=announcement, author_id=request.membership.user_id,
                body=form.cleaned_data["body"],
            )
        except NewsError as error:
            form.add_error("body", error.message)
        else:
            return redirect(f"{announcement_path(announcement)}#comment-{comment.pk}")
    context = _detail_context(request, announcement)
    context["comment_form"] = form
    return render(request, "news/detail.html", context, status=400)


def announcement_path(announcement: Announcement) -> str:
    return services.announcement_url(announcement)


@member_required()
@require_http_methods(["GET", "POST"])
def news_comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment(request, pk)
    if not policy.can_edit_comment(request.membership, comment):
        raise Http404
    form = CommentForm(request.POST if request.method == "POST" else None,
                       initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_update(comment=comment, body=form.cleaned_data["body"])
        except NewsError as error:
            form.add_error("body", error.message)
        else:
            return redirect(f"{announcement_path(comment.announcement)}#comment-{comment.pk}")
    return render(request, "news/comment_edit.html", {"form": form, "comment": comment},
                  status=400 if form.errors else 200)


@member_required()
@require_POST
def news_comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment(request, pk)
    if not policy.can_delete_comment(request.membership, comment):
        raise Http404
    announcement = comment.announcement
    services.comment_delete(comment=comment)
    messages.success(request, _("Comment deleted."))
    return redirect(f"{announcement_path(announcement)}#comments")


@member_required()
@require_POST
def news_react(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = _announcement(request, pk)
    membership = request.membership
    if not policy.can_react(membership, announcement):
        raise Http404
    form = ReactionForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Unknown reaction."), status=400)
    services.reaction_toggle(
        announcement=announcement, user_id=membership.user_id, emoji=form.cleaned_data["emoji"]
    )
    if request.htmx:
        return render(
            request, "news/_reactions.html",
            {"announcement": announcement, "can_react": True,
             "reactions": reaction_counts(announcement=announcement,
                                          user_id=membership.user_id)},
        )
    return redirect(f"{announcement_path(announcement)}#reactions")


@member_required()
@require_http_methods(["GET"])
def news_attachment(request: HttpRequest, pk: int) -> FileResponse:
    attachment = attachment_for_reader(user_id=request.membership.user_id, pk=pk)
    if attachment is None:
        raise Http404
    return attachment_response(attachment)


def attachment_response(attachment: object) -> FileResponse:
    """The file, with its checked type; never rendered by the browser as a page."""
    inline = attachment.is_image or attachment.content_type == "application/pdf"
    response = FileResponse(
        attachment.file.open("rb"), content_type=attachment.content_type,
        as_attachment=not inline, filename=attachment.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@member_required()
@require_POST
def news_attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = attachment_for_reader(user_id=request.membership.user_id, pk=pk)
    if attachment is None or not policy.can_edit(request.membership, attachment.announcement):
        raise Http404
    announcement = attachment.announcement
    services.attachment_delete(attachment=attachment)
    messages.success(request, _("Attachment removed."))
    return redirect("news_edit", pk=announcement.pk)
