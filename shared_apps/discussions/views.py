"""Discussion pages. Thin: the policy decides, a service acts. Whatever a member may not see or
do answers 404, so a private space's threads never show."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shared_apps.spaces.models import Space
from shared_apps.spaces.selectors import space_for_reader
from shared_apps.workspace.access import member_required

from . import services
from .files import INLINE
from .forms import MessageForm, ThreadForm
from .models import REACTIONS, Message, Subscription, Thread
from .policy import (
    can_delete_message,
    can_edit_message,
    can_moderate_discussions,
    can_post_in_space,
)
from .selectors import (
    MessageView,
    attachment_for_reader,
    mentionable,
    message_for_reader,
    message_reactions,
    thread_for_reader,
    thread_messages,
    threads_for_reader,
    threads_with_names,
)
from .services import DiscussionError

THREADS_PER_PAGE = 30


def _user_id(request: HttpRequest) -> int:
    return request.membership.user_id


def _space(request: HttpRequest, slug: str) -> Space:
    space = space_for_reader(user_id=_user_id(request), slug=slug)
    if space is None:
        raise Http404
    return space


def _thread(request: HttpRequest, pk: int) -> Thread:
    thread = thread_for_reader(user_id=_user_id(request), pk=pk)
    if thread is None:
        raise Http404
    return thread


def _message(request: HttpRequest, pk: int) -> Message:
    message = message_for_reader(user_id=_user_id(request), pk=pk)
    if message is None:
        raise Http404
    return message


def _page_of_threads(request: HttpRequest, space: Space | None) -> object:
    threads = threads_for_reader(user_id=_user_id(request), space=space)
    page = Paginator(threads, THREADS_PER_PAGE).get_page(request.GET.get("page"))
    threads_with_names(list(page.object_list))
    return page


@member_required()
def discussion_list(request: HttpRequest) -> HttpResponse:
    page = _page_of_threads(request, None)
    return render(request, "discussions/list.html", {"page": page, "space": None})


@member_required()
def discussion_space(request: HttpRequest, slug: str) -> HttpResponse:
    space = _space(request, slug)
    page = _page_of_threads(request, space)
    return render(
        request, "discussions/list.html",
        {"page": page, "space": space, "can_post": can_post_in_space(request.membership, space)},
    )


def _apply(form: object, error: DiscussionError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error))


@member_required()
def thread_create(request: HttpRequest, slug: str) -> HttpResponse:
    space = _space(request, slug)
    if not can_post_in_space(request.membership, space):
        raise Http404
    form = ThreadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            thread = services.thread_create(
                space=space, author_id=_user_id(request), title=form.cleaned_data["title"],
                body=form.cleaned_data["body"], files=request.FILES.getlist("files"),
            )
        except DiscussionError as error:
            _apply(form, error)
        else:
            return redirect("discussions_thread", pk=thread.pk)
    return render(
        request, "discussions/thread_form.html",
        {"form": form, "space": space, "people": mentionable(space=space)},
        status=400 if form.errors else 200,
    )


def _thread_context(request: HttpRequest, thread: Thread, page: int) -> dict:
    membership = request.membership
    is_moderator = can_moderate_discussions(membership, thread.space)
    views, has_more = thread_messages(
        thread=thread, user_id=membership.user_id, is_moderator=is_moderator, page=page
    )
    for view in views:
        view.can_edit = can_edit_message(membership, view.message)
        view.can_delete = can_delete_message(membership, view.message)
    can_post = can_post_in_space(membership, thread.space)
    return {
        "thread": thread, "space": thread.space, "thread_messages": views, "page": page,
        "next_page": page + 1 if has_more else None, "is_moderator": is_moderator,
        "can_post": can_post, "reactions": REACTIONS, "Subscription": Subscription,
    }


@member_required()
def thread_detail(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread(request, pk)
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    context = _thread_context(request, thread, page)
    if request.htmx and page > 1:
        # "Load more": just the next messages and the next button.
        return render(request, "discussions/_messages.html", context)
    services.thread_mark_read(thread=thread, user_id=_user_id(request))
    context["form"] = MessageForm()
    context["people"] = mentionable(space=thread.space) if context["can_post"] else []
    return render(request, "discussions/thread.html", context)


@member_required()
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread(request, pk)
    if not can_post_in_space(request.membership, thread.space):
        raise Http404
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            message = services.message_reply(
                thread=thread, author_id=_user_id(request), body=form.cleaned_data["body"],
                files=request.FILES.getlist("files"),
            )
        except DiscussionError as error:
            _apply(form, error)
        else:
            return redirect(services.thread_url(thread, message))
    context = _thread_context(request, thread, 1)
    context["form"] = form
    context["people"] = mentionable(space=thread.space)
    return render(request, "discussions/thread.html", context, status=400)


@member_required()
@require_POST
def subscription(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread(request, pk)
    try:
        services.thread_subscribe(
            thread=thread, user_id=_user_id(request),
            subscription=request.POST.get("subscription", ""),
        )
    except DiscussionError as error:
        return HttpResponse(str(error), status=400)
    return redirect("discussions_thread", pk=thread.pk)


@member_required()
def message_edit(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message(request, pk)
    if not can_edit_message(request.membership, message):
        raise Http404
    form = MessageForm(request.POST or None, initial={"body": message.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.message_edit(
                message=message, user_id=_user_id(request), body=form.cleaned_data["body"]
            )
        except DiscussionError as error:
            _apply(form, error)
        else:
            return redirect(services.thread_url(message.thread, message))
    return render(
        request, "discussions/message_edit.html",
        {"form": form, "message": message, "thread": message.thread},
        status=400 if form.errors else 200,
    )


@member_required()
@require_POST
def message_delete(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message(request, pk)
    if not can_delete_message(request.membership, message):
        raise Http404
    services.message_delete(message=message, user_id=_user_id(request))
    return redirect(services.thread_url(message.thread, message))


@member_required()
@require_POST
def message_hide(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message(request, pk)
    if not can_moderate_discussions(request.membership, message.thread.space):
        raise Http404
    try:
        services.message_hide(
            message=message, moderator_id=_user_id(request),
            hidden=request.POST.get("hidden", "1") == "1",
        )
    except DiscussionError as error:
        return HttpResponse(str(error), status=400)
    return redirect(services.thread_url(message.thread, message))


@member_required()
@require_POST
def react(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message(request, pk)
    if not can_post_in_space(request.membership, message.thread.space):
        raise Http404
    try:
        services.reaction_toggle(
            message=message, user_id=_user_id(request), emoji=request.POST.get("emoji", "")
        )
    except DiscussionError as error:
        return HttpResponse(str(error), status=400)
    if request.htmx:
        view = MessageView(
            message=message, author_name="", can_see_content=True,
            reactions=message_reactions(message=message, user_id=_user_id(request)),
        )
        return render(
            request, "discussions/_reactions.html",
            {"m": view, "reactions": REACTIONS, "can_post": True},
        )
    return redirect(services.thread_url(message.thread, message))


@member_required()
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """A file, only to those who may read its message (hidden: moderators only)."""
    found = attachment_for_reader(user_id=_user_id(request), pk=pk)
    if found is None:
        raise Http404
    if found.message.hidden_at is not None and not can_moderate_discussions(
        request.membership, found.message.thread.space
    ):
        raise Http404
    response = FileResponse(
        found.file.open("rb"), content_type=found.content_type,
        as_attachment=found.content_type not in INLINE, filename=found.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
