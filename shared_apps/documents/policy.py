"""Who may do what with documents, on top of the spaces policy.

- Members of a space (everyone in the default space) upload and create folders there.
- The uploader renames, moves, trashes and restores their own documents (and the creator of a
  folder renames or deletes it).
- Moderators of the space, and board/staff (`documents.manage_any`), manage everything in the
  spaces they can read.
- Nothing changes in an archived space.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared_apps.members.models import Membership
from shared_apps.members.policy import can
from shared_apps.spaces.models import Space
from shared_apps.spaces.policy import can_contribute_in_space, can_moderate_space
from shared_apps.spaces.selectors import spaces_readable

from .models import Document, Folder


@dataclass(frozen=True)
class SpaceRights:
    """A member's rights in one space, computed once per page (no query per row)."""

    user_id: int
    live: bool  # an active member and a space that is not archived
    contribute: bool
    manage_all: bool

    def may_manage_document(self, document: Document) -> bool:
        # What one uploaded stays one's own to tidy up, even after leaving an open space.
        return self.live and (self.manage_all or document.uploaded_by_id == self.user_id)

    def may_manage_folder(self, folder: Folder) -> bool:
        return self.live and (self.manage_all or folder.created_by_id == self.user_id)


def space_rights(membership: Membership | None, space: Space) -> SpaceRights:
    """Nothing at all in a space the member may not read (board and staff included: a private
    space is for its members only), nor in an archived one."""
    if (
        membership is None
        or not membership.is_active
        or space.archived_at is not None
        or not spaces_readable(user_id=membership.user_id).filter(pk=space.pk).exists()
    ):
        user_id = membership.user_id if membership is not None else 0
        return SpaceRights(user_id=user_id, live=False, contribute=False, manage_all=False)
    manage_all = can(membership, "documents.manage_any") or can_moderate_space(membership, space)
    return SpaceRights(
        user_id=membership.user_id,
        live=True,
        contribute=manage_all or can_contribute_in_space(membership, space),
        manage_all=manage_all,
    )


def can_upload(membership: Membership | None, space: Space) -> bool:
    return space_rights(membership, space).contribute


def can_manage_document(membership: Membership | None, document: Document) -> bool:
    return space_rights(membership, document.space).may_manage_document(document)


def can_manage_folder(membership: Membership | None, folder: Folder) -> bool:
    return space_rights(membership, folder.space).may_manage_folder(folder)
