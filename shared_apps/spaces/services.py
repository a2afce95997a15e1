"""What happens to spaces: create, edit, archive, join, leave, requests, members, moderators.

Permissions are the policy's job (shared_apps/spaces/policy.py), asked by the pages and the API
before calling here; these functions keep the rules that hold whoever acts (the default space,
the last moderator, names and addresses) and raise SpaceError with a translated message.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shared_apps.members.models import Membership, MembershipStatus
from shared_apps.notifications.services import activity_record, notify

from .models import (
    Space,
    SpaceMembership,
    SpaceMembershipStatus,
    SpaceRole,
    SpacesSettings,
    Visibility,
)
from .selectors import space_is_member, space_moderator_user_ids, spaces_settings

# Paths under /spaces/ that a space's address must not take.
RESERVED_SLUGS = frozenset({"new", "settings"})
SLUG_MAX = 60


class SpaceError(Exception):
    """Bad input or a broken rule; `field` says which input it concerns (None: the whole)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _space_url(space: Space) -> str:
    return reverse("spaces_detail", kwargs={"slug": space.slug})


def _active_user_ids(user_ids: Iterable[int]) -> set[int]:
    wanted = set(user_ids)
    return set(
        Membership.objects.filter(
            user_id__in=wanted, status=MembershipStatus.ACTIVE
        ).values_list("user_id", flat=True)
    )


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise SpaceError(_("Give the space a name."), "name")
    if len(name) > 120:
        raise SpaceError(_("The name is too long (120 characters at most)."), "name")
    return name


def _check_name_free(name: str, *, exclude_pk: int | None = None) -> None:
    taken = Space.objects.filter(name__iexact=name, archived_at__isnull=True)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise SpaceError(_("A space named “%(name)s” already exists.") % {"name": name}, "name")


def space_slug_for(name: str) -> str:
    """An unused address derived from the name: "Équipe vélo" → "equipe-velo", then
    "equipe-velo-2"… (archived spaces keep theirs, so links to them keep working)."""
    base = slugify(name)[: SLUG_MAX - 4].strip("-") or "espace"
    taken = set(
        Space.objects.filter(slug__startswith=base).values_list("slug", flat=True)
    ) | RESERVED_SLUGS
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_slug(slug: str) -> str:
    clean = slugify(slug)
    if not clean or clean != slug or len(slug) > SLUG_MAX:
        raise SpaceError(
            _("An address uses only lowercase letters, digits and hyphens (60 at most)."), "slug"
        )
    if slug in RESERVED_SLUGS or Space.objects.filter(slug=slug).exists():
        raise SpaceError(_("The address “%(slug)s” is already taken.") % {"slug": slug}, "slug")
    return slug


def _check_visibility(visibility: str) -> str:
    if visibility not in Visibility.values:
        raise SpaceError(_("Choose who may see and join the space."), "visibility")
    return visibility


@transaction.atomic
def space_create(
    *,
    actor_id: int,
    name: str,
    description: str = "",
    visibility: str = Visibility.OPEN,
    moderator_user_ids: Iterable[int] = (),
    slug: str = "",
) -> Space:
    """A new space; its creator and the chosen moderators (active members) moderate it."""
    name = _clean_name(name)
    _check_name_free(name)
    visibility = _check_visibility(visibility)
    slug = _check_slug(slug) if slug else space_slug_for(name)
    moderators = set(moderator_user_ids)
    refused = moderators - _active_user_ids(moderators)
    if refused:
        raise SpaceError(_("Moderators must be active members of the association."), "moderators")
    try:
        with transaction.atomic():
            space = Space.objects.create(
                name=name, slug=slug, description=(description or "").strip(),
                visibility=visibility, created_by_id=actor_id,
            )
    except IntegrityError as exc:  # a concurrent creation took the name or address first
        raise SpaceError(
            _("A space named “%(name)s” already exists.") % {"name": name}, "name"
        ) from exc
    SpaceMembership.objects.bulk_create(
        SpaceMembership(space=space, user_id=user_id, role=SpaceRole.MODERATOR)
        for user_id in sorted(moderators | {actor_id})
    )
    activity_record(
        verb="spaces.created", target_type="space", target_id=space.pk,
        summary=_("New space: %(name)s") % {"name": space.name}, url=_space_url(space),
        actor_id=actor_id, space_id=space.pk,
    )
    return space


@transaction.atomic
def space_update(
    *, space: Space, name: str, description: str, visibility: str
) -> Space:
    """Rename, describe, change who may see it (the default space stays open to all)."""
    space = Space.objects.select_for_update().get(pk=space.pk)
    if space.archived_at is not None:
        raise SpaceError(_("This space is archived."))
    name = _clean_name(name)
    _check_name_free(name, exclude_pk=space.pk)
    visibility = _check_visibility(visibility)
    if space.is_default and visibility != Visibility.OPEN:
        raise SpaceError(
            _("The space of the whole association stays open to every member."), "visibility"
        )
    space.name, space.description, space.visibility = name, (description or "").strip(), visibility
    space.save(update_fields=["name", "description", "visibility"])
    return space


@transaction.atomic
def space_archive(*, space: Space) -> Space:
    """Archived: out of lists, read-only; its name may be reused, its address stays."""
    if space.is_default:
        raise SpaceError(_("The space of the whole association cannot be archived."))
    if space.archived_at is None:
        space.archived_at = timezone.now()
        space.save(update_fields=["archived_at"])
    return space


def _row(space: Space, user_id: int) -> SpaceMembership | None:
    return (
        SpaceMembership.objects.select_for_update()
        .filter(space=space, user_id=user_id)
        .first()
    )


def _check_live(space: Space) -> None:
    if space.archived_at is not None:
        raise SpaceError(_("This space is archived."))


@transaction.atomic
def space_join(*, space: Space, user_id: int) -> SpaceMembership:
    """Join an open space (a pending request to it becomes membership)."""
    _check_live(space)
    if space.is_default:
        raise SpaceError(_("Every member already belongs to this space."))
    if space.visibility != Visibility.OPEN:
        raise SpaceError(_("This space is not open: ask to join instead."))
    row = _row(space, user_id)
    if row is None:
        return SpaceMembership.objects.create(space=space, user_id=user_id)
    if row.status != SpaceMembershipStatus.ACTIVE:
        row.status = SpaceMembershipStatus.ACTIVE
        row.save(update_fields=["status"])
    return row


@transaction.atomic
def space_request(*, space: Space, user_id: int) -> SpaceMembership:
    """Ask to join a space on request; its moderators are told (board and staff if none)."""
    _check_live(space)
    if space.visibility != Visibility.ON_REQUEST:
        raise SpaceError(_("This space does not take requests to join."))
    row = _row(space, user_id)
    if row is not None and row.status == SpaceMembershipStatus.ACTIVE:
        raise SpaceError(_("You already belong to this space."))
    if row is not None:  # asked before: once is enough
        return row
    row = SpaceMembership.objects.create(
        space=space, user_id=user_id, status=SpaceMembershipStatus.REQUESTED
    )
    from shared_apps.members.selectors import member_display_name

    name = member_display_name(user_id)
    notify(
        user_ids=_moderators_or_managers(space), category="members",
        text=lambda: _("%(name)s asks to join %(space)s.")
        % {"name": name, "space": space.name},
        url=_space_url(space), actor_id=user_id, space_id=space.pk,
    )
    return row


def _moderators_or_managers(space: Space) -> list[int]:
    moderators = space_moderator_user_ids(space=space)
    if moderators:
        return moderators
    from shared_apps.members.models import Role

    return list(
        Membership.objects.filter(
            status=MembershipStatus.ACTIVE, role__in=[Role.BOARD, Role.STAFF]
        ).values_list("user_id", flat=True)
    )


@transaction.atomic
def space_request_decide(
    *, space: Space, user_id: int, approve: bool, actor_id: int
) -> SpaceMembership | None:
    """Approve (the requester becomes a member) or decline (the request goes); either way the
    requester is told."""
    _check_live(space)
    row = _row(space, user_id)
    if row is None or row.status != SpaceMembershipStatus.REQUESTED:
        raise SpaceError(_("There is no pending request from this member."))
    if approve:
        row.status = SpaceMembershipStatus.ACTIVE
        row.save(update_fields=["status"])
        message = gettext_noop("You are now a member of %(space)s.")
        space_id: int | None = space.pk
    else:
        row.delete()
        row = None
        message = gettext_noop("Your request to join %(space)s was declined.")
        space_id = None  # not a member: the notice must reach them all the same
    notify(
        user_ids=[user_id], category="members",
        text=lambda: _(message) % {"space": space.name}, url=_space_url(space),
        actor_id=actor_id, space_id=space_id,
    )
    return row


@transaction.atomic
def space_member_add(*, space: Space, user_id: int, actor_id: int) -> SpaceMembership:
    """A moderator adds an active member (the way into a private space)."""
    _check_live(space)
    if space.is_default:
        raise SpaceError(_("Every member already belongs to this space."))
    if not _active_user_ids([user_id]):
        raise SpaceError(_("Only active members of the association can be added."), "member")
    row = _row(space, user_id)
    if row is not None and row.status == SpaceMembershipStatus.ACTIVE:
        raise SpaceError(_("This person already belongs to the space."), "member")
    if row is None:
        row = SpaceMembership.objects.create(space=space, user_id=user_id)
    else:
        row.status = SpaceMembershipStatus.ACTIVE
        row.save(update_fields=["status"])
    notify(
        user_ids=[user_id], category="members",
        text=lambda: _("You were added to %(space)s.") % {"space": space.name},
        url=_space_url(space), actor_id=actor_id, space_id=space.pk,
    )
    return row


def _check_not_last_moderator(space: Space, user_id: int) -> None:
    moderators = space_moderator_user_ids(space=space)
    if moderators == [user_id]:
        raise SpaceError(
            _("You are the last moderator of this space: name another moderator first."),
            "successor",
        )


@transaction.atomic
def space_member_remove(*, space: Space, user_id: int) -> None:
    _check_live(space)
    if space.is_default:
        raise SpaceError(_("Every member belongs to this space; nobody can be removed."))
    row = _row(space, user_id)
    if row is None or row.status != SpaceMembershipStatus.ACTIVE:
        raise SpaceError(_("This person does not belong to the space."), "member")
    if row.role == SpaceRole.MODERATOR:
        _check_not_last_moderator(space, user_id)
    row.delete()


@transaction.atomic
def space_moderator_set(*, space: Space, user_id: int, is_moderator: bool) -> SpaceMembership:
    """Name or withdraw a moderator. Naming a member of the association who is not in the space
    adds them (for the default space, everyone is in it)."""
    _check_live(space)
    if not _active_user_ids([user_id]):
        raise SpaceError(_("Only active members of the association can moderate."), "member")
    row = _row(space, user_id)
    if not is_moderator:
        if row is None or row.role != SpaceRole.MODERATOR:
            raise SpaceError(_("This person is not a moderator of the space."), "member")
        _check_not_last_moderator(space, user_id)
        row.role = SpaceRole.MEMBER
        row.save(update_fields=["role"])
        return row
    if row is None:
        return SpaceMembership.objects.create(
            space=space, user_id=user_id, role=SpaceRole.MODERATOR
        )
    row.role, row.status = SpaceRole.MODERATOR, SpaceMembershipStatus.ACTIVE
    row.save(update_fields=["role", "status"])
    return row


@transaction.atomic
def space_leave(*, space: Space, user_id: int, successor_user_id: int | None = None) -> None:
    """Leave a space (never the default one). The last moderator names a successor, who
    becomes moderator (and member) before they go."""
    if space.is_default:
        raise SpaceError(_("Nobody leaves the space of the whole association."))
    row = _row(space, user_id)
    if row is None or not space_is_member(space=space, user_id=user_id):
        raise SpaceError(_("You do not belong to this space."))
    moderators = space_moderator_user_ids(space=space)
    if row.role == SpaceRole.MODERATOR and moderators == [user_id]:
        if successor_user_id is None or successor_user_id == user_id:
            raise SpaceError(
                _("You are the last moderator of this space: name another moderator first."),
                "successor",
            )
        space_moderator_set(space=space, user_id=successor_user_id, is_moderator=True)
    row.delete()


@transaction.atomic
def spaces_settings_update(*, members_may_create: bool) -> SpacesSettings:
    row = spaces_settings()
    row.members_may_create = members_may_create
    row.save(update_fields=["members_may_create"])
    return row
