"""Spaces pages: list, space page, create, edit, archive, join, leave, requests, members,
moderators, and the association's setting. Thin: the policy decides, a service acts.

Whatever a member may not see or do answers 404, so a private space's existence never shows."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shared_apps.members.models import Membership, MembershipStatus
from shared_apps.workspace.access import member_required

from . import services
from .forms import PersonForm, SpaceCreateForm, SpaceEditForm, SpacesSettingsForm
from .models import Space
from .policy import (
    can_change_spaces_settings,
    can_create_space,
    can_edit_space,
    can_join_space,
    can_leave_space,
    can_manage_space_members,
    can_moderate_space,
    can_request_space,
)
from .selectors import (
    active_people,
    space_candidates,
    space_for_viewer,
    space_has_requested,
    space_is_member,
    space_members,
    space_moderator_user_ids,
    space_readable_ids,
    space_requests,
    spaces_settings,
    spaces_with_counts,
)
from .services import SpaceError


def _space(request: HttpRequest, slug: str) -> Space:
    space = space_for_viewer(user_id=request.membership.user_id, slug=slug)
    if space is None:
        raise Http404
    return space


def _member_user_id(pk: int) -> int:
    """The account behind an active membership of this association (404 otherwise)."""
    user_id = (
        Membership.objects.filter(pk=pk, status=MembershipStatus.ACTIVE)
        .values_list("user_id", flat=True)
        .first()
    )
    if user_id is None:
        raise Http404
    return user_id


def _link(url_name: str, space: Space) -> str | None:
    """A tab towards another app's page of this space, if that app has it."""
    try:
        return reverse(url_name, kwargs={"slug": space.slug})
    except NoReverseMatch:
        return None


def _posted(request: HttpRequest) -> object:
    return request.POST if request.method == "POST" else None


def _back(space: Space) -> HttpResponse:
    return redirect("spaces_detail", slug=space.slug)


@member_required()
@require_http_methods(["GET"])
def space_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    return render(
        request,
        "spaces/list.html",
        {
            "spaces": spaces_with_counts(user_id=membership.user_id),
            "can_create": can_create_space(membership),
            "can_settings": can_change_spaces_settings(membership),
        },
    )


@member_required()
@require_http_methods(["GET"])
def space_detail(request: HttpRequest, slug: str) -> HttpResponse:
    membership = request.membership
    space = _space(request, slug)
    user_id = membership.user_id
    readable = space.pk in space_readable_ids(user_id=user_id)
    manage = can_manage_space_members(membership, space)
    members = space_members(space=space)
    last_moderator = space_moderator_user_ids(space=space) == [user_id]
    return render(
        request,
        "spaces/detail.html",
        {
            "space": space,
            "members": members,
            "moderators": [m for m in members if m.is_moderator],
            "is_member": space_is_member(space=space, user_id=user_id),
            "has_requested": space_has_requested(space=space, user_id=user_id),
            "discussions_url": _link("discussions_space", space) if readable else None,
            "documents_url": _link("documents_space", space) if readable else None,
            "can_edit": can_edit_space(membership, space),
            "can_join": can_join_space(membership, space),
            "can_request": can_request_space(membership, space),
            "can_leave": can_leave_space(membership, space),
            "leave_needs_successor": last_moderator,
            "can_manage": manage,
            "can_moderate": can_moderate_space(membership, space),
            "requests": space_requests(space=space) if manage else [],
            "candidates": space_candidates(space=space) if manage and not space.is_default else [],
        },
    )


@member_required()
@require_http_methods(["GET", "POST"])
def space_create(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    if not can_create_space(membership):
        raise Http404
    people = [p for p in active_people() if p.user_id != membership.user_id]
    form = SpaceCreateForm(_posted(request), people=people)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            space = services.space_create(
                actor_id=membership.user_id, name=data["name"],
                description=data["description"], visibility=data["visibility"],
                moderator_user_ids=data["moderators"],
            )
        except SpaceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Space created."))
            return _back(space)
    return render(request, "spaces/form.html", {"form": form, "space": None})


@member_required()
@require_http_methods(["GET", "POST"])
def space_edit(request: HttpRequest, slug: str) -> HttpResponse:
    space = _space(request, slug)
    if not can_edit_space(request.membership, space):
        raise Http404
    initial = {"name": space.name, "description": space.description,
               "visibility": space.visibility}
    form = SpaceEditForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.space_update(
                space=space, name=data["name"], description=data["description"],
                visibility=data["visibility"],
            )
        except SpaceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Space saved."))
            return _back(space)
    return render(request, "spaces/form.html", {"form": form, "space": space})


@member_required()
@require_http_methods(["GET", "POST"])
def space_archive(request: HttpRequest, slug: str) -> HttpResponse:
    space = _space(request, slug)
    if not can_edit_space(request.membership, space):
        raise Http404
    error = None
    if request.method == "POST":
        try:
            services.space_archive(space=space)
        except SpaceError as exc:
            error = exc.message
        else:
            messages.success(request, _("Space archived."))
            return redirect("spaces")
    return render(request, "spaces/archive.html", {"space": space, "error": error},
                  status=400 if error else 200)


def _act(request: HttpRequest, space: Space, action, success: str) -> HttpResponse:  # noqa: ANN001
    try:
        action()
    except SpaceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return _back(space)


@member_required()
@require_POST
def space_join(request: HttpRequest, slug: str) -> HttpResponse:
    space = _space(request, slug)
    if not can_join_space(request.membership, space):
        raise Http404
    return _act(
        request, space,
        lambda: services.space_join(space=space, user_id=request.membership.user_id),
        _("You joined the space."),
    )


@member_required()
@require_POST
def space_request(request: HttpRequest, slug: str) -> HttpResponse:
    space = _space(request, slug)
    if not can_request_space(request.membership, space):
        raise Http404
    return _act(
        request, space,
        lambda: services.space_request(space=space, user_id=request.membership.user_id),
        _("Your request was sent to the moderators."),
    )


@member_required()
@require_http_methods(["GET", "POST"])
def space_leave(request: HttpRequest, slug: str) -> HttpResponse:
    membership = request.membership
    space = _space(request, slug)
    if not can_leave_space(membership, space):
        raise Http404
    needs_successor = space_moderator_user_ids(space=space) == [membership.user_id]
    people = [p for p in active_people() if p.user_id != membership.user_id]
    form = PersonForm(
        _posted(request), people=people, required=needs_successor,
        label=_("New moderator"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.space_leave(
                space=space, user_id=membership.user_id,
                successor_user_id=form.cleaned_data["person"],
            )
        except SpaceError as error:
            form.add_error("person" if error.field == "successor" else None, error.message)
        else:
            messages.success(request, _("You left the space."))
            return redirect("spaces")
    status = 400 if form.errors else 200
    return render(
        request, "spaces/leave.html",
        {"space": space, "form": form, "needs_successor": needs_successor}, status=status,
    )


def _managed(request: HttpRequest, slug: str) -> Space:
    space = _space(request, slug)
    if not can_manage_space_members(request.membership, space):
        raise Http404
    return space


@member_required()
@require_POST
def space_request_approve(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    space = _managed(request, slug)
    user_id = _member_user_id(pk)
    return _act(
        request, space,
        lambda: services.space_request_decide(
            space=space, user_id=user_id, approve=True, actor_id=request.membership.user_id
        ),
        _("Request approved."),
    )


@member_required()
@require_POST
def space_request_decline(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    space = _managed(request, slug)
    user_id = _member_user_id(pk)
    return _act(
        request, space,
        lambda: services.space_request_decide(
            space=space, user_id=user_id, approve=False, actor_id=request.membership.user_id
        ),
        _("Request declined."),
    )


@member_required()
@require_POST
def space_member_add(request: HttpRequest, slug: str) -> HttpResponse:
    space = _managed(request, slug)
    form = PersonForm(request.POST, people=space_candidates(space=space))
    if not form.is_valid():
        messages.error(request, _("Choose a member to add."))
        return _back(space)
    return _act(
        request, space,
        lambda: services.space_member_add(
            space=space, user_id=form.cleaned_data["person"],
            actor_id=request.membership.user_id,
        ),
        _("Member added."),
    )


@member_required()
@require_POST
def space_member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    space = _managed(request, slug)
    user_id = _member_user_id(pk)
    return _act(
        request, space,
        lambda: services.space_member_remove(space=space, user_id=user_id),
        _("Member removed."),
    )


@member_required()
@require_POST
def space_member_moderator(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    space = _managed(request, slug)
    user_id = _member_user_id(pk)
    make = request.POST.get("is_moderator") == "1"
    return _act(
        request, space,
        lambda: services.space_moderator_set(space=space, user_id=user_id, is_moderator=make),
        _("Moderator named.") if make else _("Moderator withdrawn."),
    )


@member_required()
@require_http_methods(["GET", "POST"])
def spaces_settings_view(request: HttpRequest) -> HttpResponse:
    if not can_change_spaces_settings(request.membership):
        raise Http404
    current = spaces_settings()
    form = SpacesSettingsForm(
        _posted(request), initial={"members_may_create": current.members_may_create}
    )
    if request.method == "POST" and form.is_valid():
        services.spaces_settings_update(
            members_may_create=form.cleaned_data["members_may_create"]
        )
        messages.success(request, _("Settings saved."))
        return redirect("spaces")
    return render(request, "spaces/settings.html", {"form": form})
