"""The search index is kept by the services of members, news, discussions and documents, in the
same transaction: an item appears when created, changes when edited, and disappears when it is
deleted, hidden, trashed or its member ends or is erased. Email and phone are never indexed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.discussions import services as discussions
from shared_apps.documents import services as documents
from shared_apps.members import services as members
from shared_apps.members.models import Membership, Visibility
from shared_apps.news import services as news
from shared_apps.search.models import Kind, SearchEntry
from shared_apps.spaces import services as spaces
from shared_apps.spaces.models import Visibility as SpaceVisibility
from shared_apps.spaces.selectors import space_default

from .world import World

pytestmark = pytest.mark.usefixtures("english")

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def uid(world: World, key: str) -> int:
    return world.users[key].pk


def membership(world: World, key: str) -> Membership:
    return Membership.objects.select_related("user").get(user_id=uid(world, key))


def entry(kind: str, object_id: int) -> SearchEntry | None:
    return SearchEntry.objects.filter(kind=kind, object_id=object_id).first()


@pytest.fixture
def media(settings, tmp_path: Path) -> Iterator[Path]:  # noqa: ANN001
    # django-tenants caches MEDIA_ROOT on the storage: drop it so the override takes effect.
    settings.MEDIA_ROOT = str(tmp_path)
    storages["default"].__dict__.pop("relative_media_root", None)
    yield tmp_path
    storages["default"].__dict__.pop("relative_media_root", None)


# --- Members -------------------------------------------------------------------------------------


def test_members_are_indexed_by_their_visible_profile_only(world) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        amir = membership(world, "amir")
        row = entry(Kind.MEMBER, amir.pk)
        assert row.title == "Amir Member" and row.space_id is None and row.roles == []
        members.profile_update(membership=amir, display_name="Amir B.", phone="0601020304",
                               bio="Jardinier", phone_visibility=Visibility.MEMBERS)
        members.member_change_role(membership=amir, role="volunteer", title="Trésorier adjoint",
                                   by=membership(world, "alice"))
        row = entry(Kind.MEMBER, amir.pk)
        assert row.title == "Amir B."
        assert "Trésorier adjoint" in row.body and "Jardinier" in row.body
        assert "Bénévole" in row.body and "Volunteer" in row.body  # the role, both languages
        text = row.title + row.body + row.url
        assert "0601020304" not in text and "@" not in text  # never a phone or an email


def test_ended_and_erased_members_leave_the_index(world) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        alice = membership(world, "alice")
        amir, agnes = membership(world, "amir"), membership(world, "agnes")
        members.member_end(membership=amir, by=alice)
        assert entry(Kind.MEMBER, amir.pk) is None
        members.member_erase(membership=agnes, by=alice)
        assert entry(Kind.MEMBER, agnes.pk) is None


def test_a_rolled_back_change_leaves_the_index_as_it_was(world) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        amir = membership(world, "amir")
        with pytest.raises(RuntimeError), transaction.atomic():
            members.profile_update(membership=amir, display_name="Pas gardé")
            raise RuntimeError
        assert entry(Kind.MEMBER, amir.pk).title == "Amir Member"


# --- News ----------------------------------------------------------------------------------------


def test_announcements_appear_change_and_disappear(world) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        announcement = news.announcement_publish(
            author_id=uid(world, "alice"), space=space_default(), title="Assemblée générale",
            body="Rendez-vous **samedi** à la salle des fêtes.\n\nApportez vos idées.",
        )
        row = entry(Kind.ANNOUNCEMENT, announcement.pk)
        assert row.title == "Assemblée générale" and row.space_id == space_default().pk
        # The text as read: no Markdown marks, paragraphs apart.
        assert row.body == "Rendez-vous samedi à la salle des fêtes. Apportez vos idées."
        assert row.url == f"/news/{announcement.pk}/"
        news.announcement_update(announcement=announcement, title="AG reportée", body="En mai.")
        row = entry(Kind.ANNOUNCEMENT, announcement.pk)
        assert (row.title, row.body) == ("AG reportée", "En mai.")
        news.announcement_delete(announcement=announcement)
        assert entry(Kind.ANNOUNCEMENT, announcement.pk) is None


# --- Discussions ---------------------------------------------------------------------------------


def test_threads_and_replies_are_indexed_hidden_and_deleted_ones_leave(world) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        space = spaces.space_create(actor_id=uid(world, "arthur"), name="Jardin partagé",
                                    visibility=SpaceVisibility.PRIVATE)
        thread = discussions.thread_create(space=space, author_id=uid(world, "arthur"),
                                           title="Arrosage", body="Qui passe *lundi* ?")
        row = entry(Kind.DISCUSSION, thread.pk)
        assert (row.title, row.body, row.space_id) == ("Arrosage", "Qui passe lundi ?", space.pk)
        reply = discussions.message_reply(thread=thread, author_id=uid(world, "arthur"),
                                          body="Moi, avec l'arrosoir")
        row = entry(Kind.MESSAGE, reply.pk)
        assert (row.title, row.body) == ("Arrosage", "Moi, avec l'arrosoir")
        assert row.url == f"/discussions/t/{thread.pk}/#m{reply.pk}" and row.space_id == space.pk
        discussions.message_edit(message=reply, user_id=uid(world, "arthur"), body="Moi mardi")
        assert entry(Kind.MESSAGE, reply.pk).body == "Moi mardi"
        discussions.message_hide(message=reply, moderator_id=uid(world, "arthur"), hidden=True)
        assert entry(Kind.MESSAGE, reply.pk) is None
        discussions.message_hide(message=reply, moderator_id=uid(world, "arthur"), hidden=False)
        assert entry(Kind.MESSAGE, reply.pk).body == "Moi mardi"
        discussions.message_delete(message=reply, user_id=uid(world, "arthur"))
        assert entry(Kind.MESSAGE, reply.pk) is None
        # The first message hidden: the thread stays findable by its title only.
        first = thread.messages.order_by("id").first()
        discussions.message_hide(message=first, moderator_id=uid(world, "arthur"), hidden=True)
        assert entry(Kind.DISCUSSION, thread.pk).body == ""
        assert entry(Kind.DISCUSSION, thread.pk).title == "Arrosage"


# --- Documents -----------------------------------------------------------------------------------


def test_documents_by_name_and_description_trashed_ones_leave(world, media: Path) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        alice = membership(world, "alice")
        document = documents.document_upload(
            membership=alice, space=space_default(), description="Signé par le bureau",
            file=SimpleUploadedFile("statuts.pdf", PDF, content_type="application/pdf"),
        )
        row = entry(Kind.DOCUMENT, document.pk)
        assert (row.title, row.body) == ("statuts.pdf", "Signé par le bureau")
        assert row.space_id == space_default().pk and row.url == f"/documents/{document.pk}/"
        documents.document_rename(membership=alice, document=document, name="statuts-2027.pdf",
                                  description="Version votée")
        row = entry(Kind.DOCUMENT, document.pk)
        assert (row.title, row.body) == ("statuts-2027.pdf", "Version votée")
        documents.document_trash(membership=alice, document=document)
        assert entry(Kind.DOCUMENT, document.pk) is None
        documents.document_restore(membership=alice, document=document)
        assert entry(Kind.DOCUMENT, document.pk).title == "statuts-2027.pdf"
        documents.document_trash(membership=alice, document=document)
        documents.documents_purge_trash(now=timezone.now() + timedelta(days=31))
        assert entry(Kind.DOCUMENT, document.pk) is None
