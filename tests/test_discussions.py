"""Discussions: services (threads, replies, mentions, reactions, attachments, edit, delete,
hide, follow/mute, unread markers), the pages, the permission table (contribute, edit own,
moderate), private spaces invisible to non-members, isolation between associations, uploads
refused by content, and thread list and thread page without N+1 queries."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from shared_apps.discussions import services
from shared_apps.discussions.models import (
    Attachment,
    Mention,
    Message,
    Reaction,
    Subscription,
    Thread,
    ThreadState,
)
from shared_apps.discussions.policy import can_moderate_discussions, can_post_in_space
from shared_apps.discussions.rendering import handles_for
from shared_apps.discussions.selectors import (
    mentionable,
    thread_for_reader,
    threads_for_reader,
)
from shared_apps.discussions.services import DiscussionError
from shared_apps.members.models import Membership
from shared_apps.notifications.models import Activity, Notification
from shared_apps.spaces import services as spaces
from shared_apps.spaces.models import Space, Visibility
from shared_apps.spaces.selectors import space_default

from .world import World

# Messages are checked in English, the source language.
pytestmark = pytest.mark.usefixtures("english")

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x00\x00" + b"\x00" * 100


def uid(world: World, key: str) -> int:
    return world.users[key].pk


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    # The browser's word on the type is ignored: say "image/png" for everything.
    return SimpleUploadedFile(name, data, content_type="image/png")


def private_space(world: World, name: str = "Bureau secret") -> Space:
    """Private space at alpha: Arthur (staff) moderates it, Sam is a member. Alice (board),
    Agnès and Amir are not members."""
    space = spaces.space_create(actor_id=uid(world, "arthur"), name=name,
                                visibility=Visibility.PRIVATE)
    spaces.space_member_add(space=space, user_id=uid(world, "sam"), actor_id=uid(world, "arthur"))
    Notification.objects.all().delete()  # the spaces app told Sam he was added
    return space


def _forget_media_root() -> None:
    # django-tenants caches MEDIA_ROOT on the storage; drop it so the override takes effect.
    storages["default"].__dict__.pop("relative_media_root", None)


@contextmanager
def media_root(settings, tmp_path: Path) -> Iterator[Path]:  # noqa: ANN001
    settings.MEDIA_ROOT = str(tmp_path)
    _forget_media_root()
    try:
        yield tmp_path
    finally:
        _forget_media_root()


@pytest.fixture
def media(settings, tmp_path: Path) -> Iterator[Path]:  # noqa: ANN001
    with media_root(settings, tmp_path) as root:
        yield root


def notified(world: World, key: str, category: str | None = None) -> list[Notification]:
    rows = Notification.objects.filter(user_id=uid(world, key))
    if category:
        rows = rows.filter(category=category)
    return list(rows)


def start(world: World, key: str = "agnes", space: Space | None = None, title: str = "Fête",
          body: str = "Qui vient ?", files: tuple = ()) -> Thread:
    return services.thread_create(space=space or space_default(), author_id=uid(world, key),
                                  title=title, body=body, files=files)


# --- Services: threads, Markdown, activity -----------------------------------------------------


def test_thread_create_renders_sanitised_markdown_follows_and_records_activity(world):  # noqa: ANN001
    with tenant_context(world.alpha):
        thread = start(world, body="**Samedi** <script>alert(1)</script> [site](https://x.org) "
                                   "[bad](javascript:alert(1))")
        message = Message.objects.get(thread=thread)
        assert message.body.startswith("**Samedi**")  # the source is kept as written
        assert "<strong>Samedi</strong>" in message.body_html
        assert "<script" not in message.body_html and "javascript:" not in message.body_html
        assert 'rel="noopener noreferrer nofollow"' in message.body_html
        state = ThreadState.objects.get(thread=thread, user_id=uid(world, "agnes"))
        assert state.subscription == Subscription.FOLLOW
        assert state.last_read_message_id == message.pk
        activity = Activity.objects.get(verb="discussions.thread_created", target_id=thread.pk)
        assert activity.space_id == space_default().pk and activity.actor_id == uid(world, "agnes")
        assert activity.url == f"/discussions/t/{thread.pk}/"


@pytest.mark.parametrize(
    ("title", "body", "field", "message"),
    [
        ("  ", "Hello", "title", "Give the thread a title."),
        ("x" * 201, "Hello", "title", "may not be longer than 200"),
        ("Title", "   ", "body", "Write a message."),
        ("Title", "x" * 20_001, "body", "may not be longer than 20000"),
    ],
)
def test_thread_create_refuses_bad_input(world, title: str, body: str, field: str,  # noqa: ANN001
                                         message: str):
    with tenant_context(world.alpha):
        with pytest.raises(DiscussionError, match=message) as caught:
            start(world, title=title, body=body)
        assert caught.value.field == field
        assert not Thread.objects.exists()


# --- Mentions ----------------------------------------------------------------------------------


def test_mentions_by_handle_and_by_id_notify_readers(world):  # noqa: ANN001
    with tenant_context(world.alpha):
        thread = start(
            world, body=f"Bonjour @amir-member et @[Agnès](user:{uid(world, 'agnes')}) et "
                        f"@[Arthur Staff](user:{uid(world, 'arthur')}) et @nobody-here",
        )
        message = Message.objects.get(thread=thread)
        # The author is not told about herself; Amir and Arthur are.
        assert {n.user_id for n in Notification.objects.filter(category="mention")} == {
            uid(world, "amir"), uid(world, "arthur")}
        note = notified(world, "amir", "mention")[0]
        assert "Agnès Volunteer mentioned you in “Fête”" == note.text
        assert note.url == f"/discussions/t/{thread.pk}/#m{message.pk}"
        assert note.space_id == space_default().pk
        assert '<span class="mention">@Amir Member</span>' in message.body_html
        assert '<span class="mention">@Arthur Staff</span>' in message.body_html
        assert "@nobody-here" in message.body_html  # unresolved: plain text
        # A self-mention is not recorded (nobody to tell).
        assert set(Mention.objects.values_list("user_id", flat=True)) == {
            uid(world, "amir"), uid(world, "arthur")}


def test_mention_of_a_non_member_of_a_private_space_neither_notifies_nor_leaks(world):  # noqa: ANN001
    with tenant_context(world.alpha):
        space = private_space(world)
        thread = start(world, key="sam", space=space,
                       body=f"@amir-member @alice-board @[X](user:{uid(world, 'amir')}) "
                            f"@[Bob](user:{uid(world, 'bob')}) @arthur-staff")
        message = Message.objects.get(thread=thread)
        assert notified(world, "amir") == [] and notified(world, "alice") == []
        assert notified(world, "bob") == []  # another association's account: nobody here
        assert [n.user_id for n in Notification.objects.all()] == [uid(world, "arthur")]
        assert "Amir Member" not in message.body_html and "Alice Board" not in message.body_html
        assert set(Mention.objects.values_list("user_id", flat=True)) == {uid(world, "arthur")}
        # The autocomplete list offers only the space's readers.
        assert {p.user_id for p in mentionable(space=space)} == {
            uid(world, "arthur"), uid(world, "sam")}


def test_shared_handles_get_the_account_id_appended(world):  # noqa: ANN001
    assert handles_for({3: "Claire Martin", 7: "Claire  Martin", 9: "Éloïse"}) == {
        "claire-martin-3": 3, "claire-martin-7": 7, "eloise": 9}


# --- Replies, follow, mute ---------------------------------------------------------------------


def test_reply_notifies_followers_not_muted_not_author_and_replier_follows(world):  # noqa: ANN001
    with tenant_context(world.alpha):
        thread = start(world, key="agnes")
        services.thread_subscribe(thread=thread, user_id=uid(world, "alice"),
                                  subscription=Subscription.FOLLOW)
        services.thread_subscribe(thread=thread, user_id=uid(world, "arthur"),
                                  subscription=Subscription.MUTE)
        reply = services.message_reply(thread=thread, author_id=uid(world, "amir"),
                                       body="Moi ! @arthur-staff")
        # Agnès (author) and Alice follow: "reply"; Arthur muted: not even the mention.
        assert {n.user_id for n in Notification.objects.filter(category="reply")} == {
            uid(world, "agnes"), uid(world, "alice")}
        assert notified(world, "arthur") == [] and notified(world, "amir") == []
        assert notified(world, "agnes", "reply")[0].text == "Amir Member replied in “Fête”"
        state = ThreadState.objects.get(thread=thread, user_id=uid(world, "amir"))
        assert state.subscription == Subscription.FOLLOW and state.last_read_message_id == (
            reply.pk)
        assert Activity.objects.get(verb="discussions.replied").target_id == reply.pk
        thread.refresh_from_db()
        assert thread.last_activity_at == reply.created_at
        # A replier who muted stays muted; a mentioned follower gets one notification only.
        Notification.objects.all().delete()
        services.message_reply(thread=thread, author_id=uid(world, "arthur"), body="Ok")
        assert ThreadState.objects.get(thread=thread, user_id=uid(world, "arthur")).subscription \
            == Subscription.MUTE
        assert [n.category for n in notified(world, "alice")] == ["reply"]
        Notification.objects.all().delete()
        services.message_reply(thread=thread, author_id=uid(world, "sam"), body="@alice-board ?")
        assert [n.category for n in notified(world, "alice")] == ["mention"]
        # Unfollowing stops replies.
        services.thread_subscribe(thread=thread, user_id=uid(world, "alice"),
                                  subscription=Subscription.NONE)
        Notification.objects.all().delete()
        services.message_reply(thread=thread, author_id=uid(world, "sam"), body="Encore")
        assert notified(world, "alice") == []
        with pytest.raises(DiscussionError, match="follow, mute or neither"):
            services.thread_subscribe(thread=thread, user_id=uid(world, "alice"),
                                      subscription="loud")


def test_a_follower_who_left_a_private_space_is_no_longer_notified(world):  # noqa: ANN001
    with tenant_context(world.alpha):
        space = private_space(world)
        thread = start(world, key="sam", space=space)
        spaces.space_member_remove(space=space, user_id=uid(world, "sam"))
        Notification.objects.all().delete()
        services.message_reply(thread=thread, author_id=uid(world, "arthur"), body="Hello")
        assert notified(world, "sam") == []


# --- Edit, delete, hide, reactions -------------------------------------------------------------


def test_edit_own_marks_edited_and_notifies_only_new_mentions(world):  # noqa: ANN001
    with tenant_context(world.alpha):
        thread = start(world, body="Salut @amir-member")
        message = Message.objects.get(thread=thread)
        with pytest.raises(DiscussionError, match="Only the author"):
            services.message_edit(message=message, user_id=uid(world, "alice"), body="Pirate")
        services.message_edit(message=message, user_id=uid(world, "agnes"),
                              body="Salut @amir-member et @alice-board")
        message.refresh_from_db()
        assert message.edited_at is not None and "Alice Board" in message.body_html
        assert len(notified(world, "amir", "mention")) == 1
        assert len(notified(world, "alice", "mention")) == 1
        with pytest.raises(DiscussionError, match="Write a message"):
            services.message_edit(message=message, user_id=uid(world, "agnes"), body=" ")


def test_delete_own_leaves_a_placeholder_and_removes_files(world, media: Path):  # noqa: ANN001
    with tenant_context(world.alpha):
        thread = start(world, files=(upload("photo.png", PNG),))
        reply = services.message_reply(thread=thread, author_id=uid(world, "amir"), body="Joli")
        first = Message.objects.get(thread=thread, pk__lt=reply.pk)
        services.reaction_toggle(message=first, user_id=uid(world, "amir"), emoji="👍")
        stored = Attachment.objects.get().file.name
        assert storages["default"].exists(stored)
        with pytest.raises(DiscussionError, match="Only the author"):
            services.message_delete(message=first, user_id=uid(world, "amir"))
        services.message_delete(message=first, user_id=uid(world, "agnes"))
        first.refresh_from_db()
        assert first.deleted_at is not None and first.body == "" and first.body_html == ""
        assert not Attachment.objects.exists() and not Reaction.objects.exists()
        assert Message.objects.filter(thread=thread).count() == 2  # the thread stays coherent


def test_delete_removes_the_stored_file_after_commit(world, media: Path,  # noqa: ANN001
                                                     django_capture_on_commit_callbacks):
    with tenant_context(world.alpha):
        thread = start(world, files=(upload("photo.png", PNG),))
        name = Attachment.objects.get().file.name
        with django_capture_on_commit_callbacks(execute=True):
            services.message_delete(message=Message.objects.get(thread=thread),
                                    user_id=uid(world, "agnes"))
        assert not storages["default"].exists(name)


def test_reactions_toggle_from_a_fixed_set(world):  # noqa: ANN001
    with tenant_context(world.alpha):
        message = Message.objects.get(thread=start(world))
        assert services.reaction_toggle(message=message, user_id=uid(world, "amir"), emoji="🎉")
        assert Reaction.objects.filter(message=message, emoji="🎉").count() == 1
        assert not services.reaction_toggle(message=message, user_id=uid(world, "amir"),
                                            emoji="🎉")
        assert not Reaction.objects.exists()
        with pytest.raises(DiscussionError, match="offered reactions"):
            services.reaction_toggle(message=message, user_id=uid(world, "amir"), emoji="💩")


def test_hide_and_show_again(world):  # noqa: ANN001
    with tenant_context(world.alpha):
        message = Message.objects.get(thread=start(world))
        services.message_hide(message=message, moderator_id=uid(world, "alice"), hidden=True)
        assert message.hidden_at is not None and message.hidden_by_id == uid(world, "alice")
        with pytest.raises(DiscussionError, match="can no longer be edited"):
            services.message_edit(message=message, user_id=uid(world, "agnes"), body="Hop")
        services.message_hide(message=message, moderator_id=uid(world, "alice"), hidden=False)
        assert message.hidden_at is None and message.hidden_by_id is None


# --- The permission table ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "default_post", "private_post", "default_moderate", "private_moderate"),
    [
        ("alice", True, True, True, True),  # board: moderates every space (discussions rule)
        ("arthur", True, True, True, True),  # staff, and moderator of the private space
        ("agnes", True, False, False, False),
        ("amir", True, False, False, False),
        ("sam", True, True, False, False),  # member of the private space, not a moderator
    ],
)
def test_permission_table(world, key: str, default_post: bool, private_post: bool,  # noqa: ANN001
                          default_moderate: bool, private_moderate: bool):
    with tenant_context(world.alpha):
        space = private_space(world)
        member = Membership.objects.get(user_id=uid(world, key))
        assert can_post_in_space(member, space_default()) is default_post
        assert can_post_in_space(member, space) is private_post
        assert can_moderate_discussions(member, space_default()) is default_moderate
        assert can_moderate_discussions(member, space) is private_moderate


def test_a_space_moderator_moderates_discussions_of_their_space_only(world):  # noqa: ANN001
    with tenant_context(world.alpha):
        space = spaces.space_create(actor_id=uid(world, "arthur"), name="Jardin",
                                    moderator_user_ids=[uid(world, "agnes")])
        agnes = Membership.objects.get(user_id=uid(world, "agnes"))
        assert can_moderate_discussions(agnes, space)
        assert not can_moderate_discussions(agnes, space_default())


# --- Unread markers ----------------------------------------------------------------------------


def test_unread_counts_and_mark_read(world):  # noqa: ANN001
    with tenant_context(world.alpha):
        thread = start(world, key="agnes")
        services.message_reply(thread=thread, author_id=uid(world, "alice"), body="Un")

        def unread(key: str) -> int:
            return thread_for_reader(user_id=uid(world, key), pk=thread.pk).unread_count

        assert unread("amir") == 2 and unread("agnes") == 1 and unread("alice") == 0
        services.thread_mark_read(thread=thread, user_id=uid(world, "amir"))
        assert unread("amir") == 0
        reply = services.message_reply(thread=thread, author_id=uid(world, "agnes"), body="Deux")
        assert unread("amir") == 1
        # Deleted and hidden messages are not waiting to be read.
        services.message_delete(message=reply, user_id=uid(world, "agnes"))
        assert unread("amir") == 0


# --- Private spaces, isolation -----------------------------------------------------------------


def test_private_space_threads_are_invisible_to_non_members(world, signed_in, media: Path):  # noqa: ANN001
    with tenant_context(world.alpha):
        space = private_space(world)
        thread = start(world, key="sam", space=space, title="Budget secret",
                       files=(upload("plan.png", PNG),))
        message = Message.objects.get(thread=thread)
        attachment = Attachment.objects.get()
        start(world, key="amir", title="Pique-nique")
        assert [t.title for t in threads_for_reader(user_id=uid(world, "alice"))] == [
            "Pique-nique"]
        assert {t.title for t in threads_for_reader(user_id=uid(world, "sam"))} == {
            "Pique-nique", "Budget secret"}
    for key in ("alice", "amir"):
        client = signed_in("alpha", key)
        listing = client.get("/discussions/", **EN)
        assert listing.status_code == 200 and b"Budget secret" not in listing.content
        assert b"Pique-nique" in listing.content
        for url in (
            f"/discussions/s/{space.slug}/", f"/discussions/s/{space.slug}/new/",
            f"/discussions/t/{thread.pk}/", f"/discussions/files/{attachment.pk}/",
            f"/discussions/m/{message.pk}/edit/",
        ):
            assert client.get(url).status_code == 404, (key, url)
        for url, data in (
            (f"/discussions/t/{thread.pk}/reply/", {"body": "x"}),
            (f"/discussions/m/{message.pk}/react/", {"emoji": "👍"}),
            (f"/discussions/m/{message.pk}/hide/", {"hidden": "1"}),
            (f"/discussions/t/{thread.pk}/subscription/", {"subscription": "follow"}),
        ):
            assert client.post(url, data).status_code == 404, (key, url)
    with tenant_context(world.alpha):
        assert Message.objects.count() == 2 and not Reaction.objects.exists()
        assert not ThreadState.objects.filter(user_id=uid(world, "alice")).exists()
    sam = signed_in("alpha", "sam")
    assert b"Budget secret" in sam.get("/discussions/").content
    assert sam.get(f"/discussions/files/{attachment.pk}/").status_code == 200


def test_another_association_sees_nothing(world, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        thread = start(world, key="amir", title="Réservé à Alpha")
    with tenant_context(world.beta):
        start(world, key="bob", title="Chez Beta")
    # Sam belongs to both: each workspace lists its own threads only.
    at_beta = signed_in("beta", "sam").get("/discussions/")
    assert b"Chez Beta" in at_beta.content and "Réservé à Alpha".encode() not in at_beta.content
    at_alpha = signed_in("alpha", "sam").get("/discussions/")
    assert b"Chez Beta" not in at_alpha.content
    # Bob, at beta, asking for alpha's thread id: nothing (the id does not exist at beta).
    bob = signed_in("beta", "bob")
    assert bob.get(f"/discussions/t/{thread.pk}/").status_code == 404
    # Bob at alpha's address: not a member there.
    stranger = signed_in("alpha", "bob")
    assert stranger.get(f"/discussions/t/{thread.pk}/").status_code in (302, 403, 404)


# --- Pages -------------------------------------------------------------------------------------


def test_new_thread_page_creates_and_redirects(world, signed_in):  # noqa: ANN001
    client = signed_in("alpha", "amir")
    page = client.get("/discussions/s/toute-l-association/new/", **EN)
    assert page.status_code == 200 and b"@alice-board" in page.content  # the mention hint
    bad = client.post("/discussions/s/toute-l-association/new/", {"title": "", "body": "x"}, **EN)
    assert bad.status_code == 400 and b"This field is required." in bad.content
    response = client.post("/discussions/s/toute-l-association/new/",
                           {"title": "Covoiturage", "body": "Qui conduit ?"})
    with tenant_context(world.alpha):
        thread = Thread.objects.get(title="Covoiturage")
    assert response.status_code == 302 and response["Location"] == f"/discussions/t/{thread.pk}/"
    listing = client.get("/discussions/s/toute-l-association/", **EN)
    assert b"Covoiturage" in listing.content and b"New thread" in listing.content


def test_thread_page_marks_read_reply_edit_delete_hide(world, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        thread = start(world, key="agnes", body="Premier *message*")
        first = Message.objects.get(thread=thread)
    amir = signed_in("alpha", "amir")
    assert b"1 unread" in amir.get("/discussions/", **EN).content
    page = amir.get(f"/discussions/t/{thread.pk}/", **EN)
    assert page.status_code == 200 and b"<em>message</em>" in page.content
    # The messages of the thread are not mistaken for the site's flash messages.
    assert b"toast" not in page.content and b"MessageView" not in page.content
    assert b"1 unread" not in amir.get("/discussions/", **EN).content
    # Amir may not edit, delete nor hide Agnès's message.
    assert amir.get(f"/discussions/m/{first.pk}/edit/").status_code == 404
    assert amir.post(f"/discussions/m/{first.pk}/delete/").status_code == 404
    assert amir.post(f"/discussions/m/{first.pk}/hide/", {"hidden": "1"}).status_code == 404
    assert b"discussions/m/%d/hide/" % first.pk not in page.content
    response = amir.post(f"/discussions/t/{thread.pk}/reply/", {"body": "Réponse"})
    with tenant_context(world.alpha):
        reply = Message.objects.get(thread=thread, author_id=uid(world, "amir"))
    assert response["Location"] == f"/discussions/t/{thread.pk}/#m{reply.pk}"
    assert amir.post(f"/discussions/t/{thread.pk}/reply/", {"body": " "}).status_code == 400
    # Edit own: marked edited.
    edit = amir.post(f"/discussions/m/{reply.pk}/edit/", {"body": "Réponse corrigée"})
    assert edit.status_code == 302
    page = amir.get(f"/discussions/t/{thread.pk}/", **EN).content.decode()
    assert "Réponse corrigée" in page and "edited" in page
    # Alice (board) hides Agnès's message: Amir sees a placeholder, Alice the content.
    alice = signed_in("alpha", "alice")
    assert alice.post(f"/discussions/m/{first.pk}/hide/", {"hidden": "1"}).status_code == 302
    assert b"Premier" not in amir.get(f"/discussions/t/{thread.pk}/", **EN).content
    assert b"Message hidden by a moderator." in amir.get(f"/discussions/t/{thread.pk}/",
                                                         **EN).content
    moderator_view = alice.get(f"/discussions/t/{thread.pk}/", **EN).content
    assert b"Premier" in moderator_view and b"Hidden by a moderator" in moderator_view
    # Delete own: a placeholder keeps its place.
    assert amir.post(f"/discussions/m/{reply.pk}/delete/").status_code == 302
    page = amir.get(f"/discussions/t/{thread.pk}/", **EN).content.decode()
    assert "Message deleted." in page and "Réponse corrigée" not in page


def test_follow_mute_and_react_from_the_page(world, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        thread = start(world)
        message = Message.objects.get(thread=thread)
    amir = signed_in("alpha", "amir")
    assert amir.post(f"/discussions/t/{thread.pk}/subscription/",
                     {"subscription": "mute"}).status_code == 302
    assert amir.post(f"/discussions/t/{thread.pk}/subscription/",
                     {"subscription": "x"}).status_code == 400
    with tenant_context(world.alpha):
        assert ThreadState.objects.get(thread=thread, user_id=uid(world, "amir")).subscription \
            == Subscription.MUTE
    assert b"Muted" in amir.get("/discussions/", **EN).content
    assert amir.post(f"/discussions/m/{message.pk}/react/", {"emoji": "👍"}).status_code == 302
    partial = amir.post(f"/discussions/m/{message.pk}/react/", {"emoji": "🎉"},
                        HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "👍 1" in partial.content.decode()
    assert b"<html" not in partial.content
    assert amir.post(f"/discussions/m/{message.pk}/react/", {"emoji": "x"}).status_code == 400


def test_thread_page_loads_more_with_htmx(world, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        thread = start(world, body="message 0")
        for i in range(1, 25):
            Message.objects.create(thread=thread, author_id=uid(world, "agnes"),
                                   body=f"message {i}", body_html=f"<p>message {i}.</p>")
    amir = signed_in("alpha", "amir")
    first = amir.get(f"/discussions/t/{thread.pk}/", **EN).content.decode()
    assert "message 19." in first and "message 20." not in first and "?page=2" in first
    more = amir.get(f"/discussions/t/{thread.pk}/?page=2", HTTP_HX_REQUEST="true").content
    assert b"message 24." in more and b"message 19." not in more and b"<html" not in more
    # Without JS, the link opens the next page as a whole page.
    assert b"<html" in amir.get(f"/discussions/t/{thread.pk}/?page=2").content


# --- Attachments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.png", EXE, "not an accepted kind of file"),  # a program named as an image
        ("archive.zip", ZIP, "not an accepted kind of file"),
        ("notes.txt", b"\xff\xfe\x00bad", "not an accepted kind of file"),
        ("vide.txt", b"", "is empty"),
    ],
)
def test_uploads_refused_by_content(world, media: Path, name: str, data: bytes,  # noqa: ANN001
                                    message: str):
    with tenant_context(world.alpha):
        with pytest.raises(DiscussionError, match=message) as caught:
            start(world, files=(upload(name, data),))
        assert caught.value.field == "files"
        assert not Thread.objects.exists() and not Attachment.objects.exists()
    assert not any(p.is_file() for p in media.rglob("*"))


def test_uploads_over_10_mb_and_more_than_5_are_refused(world, media: Path):  # noqa: ANN001
    with tenant_context(world.alpha):
        with pytest.raises(DiscussionError, match="larger than 10 MB"):
            start(world, files=(upload("big.txt", b"a" * (10 * 1024 * 1024 + 1)),))
        with pytest.raises(DiscussionError, match="At most 5 files"):
            start(world, files=tuple(upload(f"{i}.txt", b"ok") for i in range(6)))


def test_attachment_stored_by_content_and_served_through_the_checked_view(  # noqa: ANN001
        world, signed_in, media: Path):
    with tenant_context(world.alpha):
        thread = start(world, files=(upload("photo.jpg", PNG), upload("notes.md", "é".encode())))
        png, text = Attachment.objects.order_by("id")
        assert png.content_type == "image/png" and text.content_type.startswith("text/plain")
        assert png.name == "photo.jpg" and "photo" not in png.file.name
        assert (media / world.alpha.schema_name).exists()
    amir = signed_in("alpha", "amir")
    served = amir.get(f"/discussions/files/{png.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PNG
    assert served["X-Content-Type-Options"] == "nosniff"
    download = amir.get(f"/discussions/files/{text.pk}/")
    assert download["Content-Disposition"].startswith("attachment")
    page = amir.get(f"/discussions/t/{thread.pk}/").content.decode()
    assert f"/discussions/files/{png.pk}/" in page and "/media/" not in page
    # A hidden message's files: moderators only.
    with tenant_context(world.alpha):
        services.message_hide(message=png.message, moderator_id=uid(world, "alice"), hidden=True)
    assert amir.get(f"/discussions/files/{png.pk}/").status_code == 404
    assert signed_in("alpha", "alice").get(f"/discussions/files/{png.pk}/").status_code == 200
    # Uploading through the reply form: refused by content, clear message.
    bad = amir.post(f"/discussions/t/{thread.pk}/reply/",
                    {"body": "Voici", "files": [io.BytesIO(EXE)]}, **EN)
    assert bad.status_code == 400 and b"not an accepted kind of file" in bad.content


# --- Queries -----------------------------------------------------------------------------------


def _thread_with(world: World, n: int) -> Thread:
    thread = start(world, key="agnes", title=f"Fil {n}")
    for i in range(n - 1):
        message = services.message_reply(thread=thread, author_id=uid(world, ["amir", "alice",
                                                                            "sam"][i % 3]),
                                         body=f"Réponse {i} @agnes-volunteer")
        services.reaction_toggle(message=message, user_id=uid(world, "arthur"), emoji="👍")
        Attachment.objects.create(message=message, file=f"x/{i}", name=f"{i}.txt",
                                  content_type="text/plain", size=1,
                                  uploaded_by_id=message.author_id)
    return thread


def test_thread_page_queries_do_not_grow_with_messages(world, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        small, large = _thread_with(world, 5), _thread_with(world, 25)
    client = signed_in("alpha", "amir")
    counts = []
    for thread in (small, large):
        client.get(f"/discussions/t/{thread.pk}/")  # warm the session and caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/discussions/t/{thread.pk}/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_thread_list_queries_do_not_grow_with_threads(world, signed_in):  # noqa: ANN001
    client = signed_in("alpha", "amir")
    counts = []
    with tenant_context(world.alpha):
        space = spaces.space_create(actor_id=uid(world, "arthur"), name="Sport")
    for total in (5, 25):
        with tenant_context(world.alpha):
            while Thread.objects.count() < total:
                thread = start(world, key=["agnes", "sam", "alice"][Thread.objects.count() % 3],
                               space=space if Thread.objects.count() % 2 else None)
                services.message_reply(thread=thread, author_id=uid(world, "arthur"), body="Ok")
        client.get("/discussions/")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/discussions/")
        assert response.status_code == 200
        assert response.content.count(b'class="list-row"') == total
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
