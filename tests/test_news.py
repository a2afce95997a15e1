"""News: services (publish, notify, activity, pin, read receipts, acknowledgement, reminders,
comments, reactions, attachments), sanitising, the permission table, the pages, private spaces
invisible to non-members, the signed acknowledgement link, and an N+1-free list."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context
from PIL import Image

from shared_apps.members.models import Membership, MembershipStatus
from shared_apps.news import policy, services
from shared_apps.news.files import MAX_BYTES, UploadRefused, check_upload
from shared_apps.news.models import (
    AckChannel,
    Acknowledgement,
    AckReminder,
    Announcement,
    Attachment,
    Comment,
    Reaction,
    ReadReceipt,
)
from shared_apps.news.rendering import render_markdown
from shared_apps.news.selectors import announcements_for, receipts_of
from shared_apps.news.services import NewsError, Upload
from shared_apps.news.tasks import news_ack_reminders, news_ack_reminders_all
from shared_apps.notifications.models import Activity, Notification
from shared_apps.spaces.models import Space, SpaceMembership, SpaceRole, Visibility
from shared_apps.spaces.selectors import space_default
from shared_apps.workspace.signed_links import link_token

from .world import World

# Messages are checked in English, the source language.
pytestmark = pytest.mark.usefixtures("english")

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ALPHA_KEYS = ["alice", "arthur", "agnes", "amir", "sam"]


# --- Sample files ------------------------------------------------------------------------------


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 2), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def upload(name: str, data: bytes) -> Upload:
    return Upload(io.BytesIO(data), name, len(data))


def uploaded_file(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


# --- Fixtures and helpers ----------------------------------------------------------------------


def _forget_media_root() -> None:
    # django-tenants caches MEDIA_ROOT on the storage; drop it so the override takes effect.
    storages["default"].__dict__.pop("relative_media_root", None)


@pytest.fixture
def media(settings, tmp_path: Path) -> Iterator[Path]:  # noqa: ANN001
    settings.MEDIA_ROOT = str(tmp_path)
    _forget_media_root()
    try:
        yield tmp_path
    finally:
        _forget_media_root()


def uid(world: World, key: str) -> int:
    return world.users[key].pk


def membership(world: World, key: str) -> Membership:
    return Membership.objects.get(user_id=uid(world, key))


def make_space(
    world: World, slug: str, visibility: str, members: list[str], moderators: list[str] = ()
) -> Space:
    """A space of alpha (call inside its tenant context)."""
    space = Space.objects.create(name=slug.capitalize(), slug=slug, visibility=visibility)
    for key in members:
        SpaceMembership.objects.create(
            space=space, user_id=uid(world, key),
            role=SpaceRole.MODERATOR if key in moderators else SpaceRole.MEMBER,
        )
    return space


def publish(world: World, key: str, space: Space | None = None, **kwargs: object) -> Announcement:
    defaults = {"title": "General assembly", "body": "On **Saturday**."}
    return services.announcement_publish(
        author_id=uid(world, key), space=space or space_default(), **{**defaults, **kwargs}
    )


def in_days(days: float) -> datetime:
    return timezone.now() + timedelta(days=days)


# --- Sanitising --------------------------------------------------------------------------------


def test_markdown_is_rendered_and_sanitised():
    html = render_markdown(
        "# Big\n\nHello **you** <script>alert(1)</script>\n\n"
        '<a href="https://example.org" onclick="steal()">site</a> '
        "[bad](javascript:alert(2)) [ok](https://cercle.example/page)\n\n"
        '<img src="https://tracker.example/p.gif" onerror="x()"> <div style="color:red">d</div>'
    )
    assert "<script" not in html and "alert(1)" not in html
    assert "onclick" not in html and "onerror" not in html and "javascript:" not in html
    assert "<strong>you</strong>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">site</a>' in html
    assert 'href="https://cercle.example/page"' in html
    assert "<h2>Big</h2>" in html and "<h1>" not in html
    assert "<img" not in html and "tracker.example" not in html and "style=" not in html


def test_html_is_rendered_on_save_from_the_stored_source(world: World):
    with tenant_context(world.alpha):
        announcement = publish(world, "alice", body="Hi <b onclick='x()'>there</b>")
        assert announcement.body == "Hi <b onclick='x()'>there</b>"  # the source, as typed
        assert announcement.body_html == "<p>Hi <b>there</b></p>"
        services.announcement_update(
            announcement=announcement, title="New", body="*Changed* <script>x</script>"
        )
        announcement.refresh_from_db()
        assert announcement.body_html == "<p><em>Changed</em> </p>"
        assert announcement.edited_at is not None


# --- Permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "everyone"),
    [("alice", True), ("arthur", True), ("agnes", False), ("amir", False), ("sam", False)],
)
def test_who_publishes_to_everyone(world: World, key: str, everyone: bool):
    with tenant_context(world.alpha):
        assert policy.can_publish_in(membership(world, key), space_default()) is everyone


def test_a_moderator_publishes_to_their_space_only(world: World):
    with tenant_context(world.alpha):
        garden = make_space(world, "garden", Visibility.OPEN, ["agnes", "amir"], ["agnes"])
        other = make_space(world, "other", Visibility.OPEN, ["agnes"])
        agnes, amir = membership(world, "agnes"), membership(world, "amir")
        assert policy.can_publish_in(agnes, garden)
        assert not policy.can_publish_in(agnes, other)
        assert not policy.can_publish_in(agnes, space_default())
        assert not policy.can_publish_in(amir, garden)  # a plain member of the space
        # Board and staff moderate every space they can see.
        assert policy.can_publish_in(membership(world, "arthur"), garden)
        garden.archived_at = timezone.now()
        assert not policy.can_publish_in(agnes, garden)


def test_edit_pin_receipts_comment_rights(world: World):
    with tenant_context(world.alpha):
        garden = make_space(world, "garden", Visibility.OPEN, ["agnes", "amir"], ["agnes"])
        post = publish(world, "agnes", garden)
        by_board = publish(world, "alice")
        m = {key: membership(world, key) for key in ALPHA_KEYS}
        assert policy.can_edit(m["agnes"], post) and policy.can_edit(m["arthur"], post)
        assert not policy.can_edit(m["amir"], post) and not policy.can_edit(m["sam"], post)
        assert not policy.can_edit(m["agnes"], by_board)
        assert policy.can_pin(m["agnes"], post) and not policy.can_pin(m["amir"], post)
        # Receipts: the author and the board, not staff.
        assert policy.can_view_receipts(m["agnes"], post)
        assert policy.can_view_receipts(m["alice"], post)
        assert not policy.can_view_receipts(m["arthur"], post)
        assert not policy.can_view_receipts(m["amir"], by_board)
        # Taking part: the audience (sam reads the open space but did not join it).
        assert policy.can_comment(m["amir"], post) and not policy.can_comment(m["sam"], post)
        assert policy.can_comment(m["sam"], by_board)
        comment = services.comment_create(announcement=post, author_id=uid(world, "amir"),
                                          body="Me too")
        assert policy.can_edit_comment(m["amir"], comment)
        assert not policy.can_edit_comment(m["agnes"], comment)
        assert policy.can_delete_comment(m["agnes"], comment)  # moderator of the space
        assert not policy.can_delete_comment(m["sam"], comment)


# --- Publishing --------------------------------------------------------------------------------


def test_publishing_notifies_the_audience_and_records_activity(world: World):
    with tenant_context(world.alpha):
        announcement = publish(world, "alice", pinned=True)
        notified = set(
            Notification.objects.filter(category="announcement").values_list("user_id", flat=True)
        )
        assert notified == {uid(world, k) for k in ["arthur", "agnes", "amir", "sam"]}
        activity = Activity.objects.get(target_type="news.announcement", target_id=announcement.pk)
        assert activity.verb == "news.published" and activity.pinned
        assert activity.space_id == space_default().pk
        assert activity.url == f"/news/{announcement.pk}/"
        # The author has read it.
        assert ReadReceipt.objects.filter(announcement=announcement).count() == 1


def test_a_space_announcement_reaches_its_members_only(world: World):
    with tenant_context(world.alpha):
        secret = make_space(world, "secret", Visibility.PRIVATE, ["agnes", "amir"], ["agnes"])
        publish(world, "agnes", secret, title="Secret plans")
        notified = set(Notification.objects.values_list("user_id", flat=True))
        assert notified == {uid(world, "amir")}
        assert Activity.objects.get(verb="news.published").space_id == secret.pk


def test_bad_input_is_refused_with_clear_errors(world: World):
    with tenant_context(world.alpha):
        cases = [
            ({"title": "  "}, "title"),
            ({"body": ""}, "body"),
            ({"title": "x" * 201}, "title"),
            ({"requires_ack": True}, "ack_deadline"),
            ({"requires_ack": True, "ack_deadline": in_days(-1)}, "ack_deadline"),
        ]
        for kwargs, field in cases:
            with pytest.raises(NewsError) as caught:
                publish(world, "alice", **kwargs)
            assert caught.value.field == field
        assert not Announcement.objects.exists()


def test_pin_keeps_the_feed_entry_in_step_and_delete_removes_it(world: World):
    with tenant_context(world.alpha):
        announcement = publish(world, "alice")
        services.announcement_pin(announcement=announcement, pinned=True)
        assert Activity.objects.get(target_id=announcement.pk).pinned
        services.announcement_delete(announcement=announcement)
        assert not Activity.objects.filter(target_type="news.announcement").exists()
        assert not Announcement.objects.exists()


# --- Visibility --------------------------------------------------------------------------------


def test_private_space_announcements_are_invisible_to_non_members(
    world: World, signed_in, media: Path  # noqa: ANN001
):
    with tenant_context(world.alpha):
        secret = make_space(world, "secret", Visibility.PRIVATE, ["agnes"], ["agnes"])
        hidden = publish(world, "agnes", secret, title="Hidden plans",
                         uploads=[upload("plan.pdf", PDF)])
        attachment = hidden.attachments.get()
        comment = services.comment_create(announcement=hidden, author_id=uid(world, "agnes"),
                                          body="note")
        public = publish(world, "alice", title="For everyone")
        assert list(announcements_for(user_id=uid(world, "amir"))) == [public]
        assert set(announcements_for(user_id=uid(world, "agnes"))) == {public, hidden}
        # Board members who are not in a private space do not read it either.
        assert hidden not in announcements_for(user_id=uid(world, "alice"))
    amir = signed_in("alpha", "amir")
    page = amir.get("/news/", **EN)
    assert "For everyone" in page.content.decode() and "Hidden plans" not in page.content.decode()
    for url in [f"/news/{hidden.pk}/", f"/news/{hidden.pk}/receipts/",
                f"/news/files/{attachment.pk}/", f"/news/comments/{comment.pk}/edit/"]:
        assert amir.get(url).status_code == 404, url
    assert amir.post(f"/news/{hidden.pk}/comments/", {"body": "hi"}).status_code == 404
    assert amir.post(f"/news/{hidden.pk}/react/", {"emoji": "heart"}).status_code == 404
    agnes = signed_in("alpha", "agnes")
    assert agnes.get(f"/news/{hidden.pk}/").status_code == 200
    assert agnes.get(f"/news/files/{attachment.pk}/").status_code == 200


def test_beta_sees_nothing_of_alpha(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        announcement = publish(world, "alice", title="Alpha only")
    with tenant_context(world.beta):
        assert not Announcement.objects.filter(title="Alpha only").exists()
    # Sam belongs to both: at beta, alpha's announcement does not exist.
    sam_beta = signed_in("beta", "sam")
    assert "Alpha only" not in sam_beta.get("/news/").content.decode()
    assert sam_beta.get(f"/news/{announcement.pk}/").status_code == 404
    bob_at_alpha = signed_in("beta", "bob")
    response = bob_at_alpha.get(f"/news/{announcement.pk}/", HTTP_HOST=world.alpha.host)
    assert response.status_code in (302, 404)
    assert "Alpha only" not in response.content.decode()


# --- Pages -------------------------------------------------------------------------------------


def test_board_publishes_from_the_page(world: World, signed_in, media: Path):  # noqa: ANN001
    alice = signed_in("alpha", "alice")
    assert alice.get("/news/new/", **EN).status_code == 200
    response = alice.post("/news/new/", {
        "space": "", "title": "Cleanup day", "body": "Bring **gloves**",
        "files": [uploaded_file("photo.png", png_bytes()), uploaded_file("plan.pdf", PDF)],
        "pinned": "on",
    }, **EN)
    assert response.status_code == 400  # the audience is required
    with tenant_context(world.alpha):
        default_pk = space_default().pk
    response = alice.post("/news/new/", {
        "space": default_pk, "title": "Cleanup day", "body": "Bring **gloves**",
        "files": [uploaded_file("photo.png", png_bytes()), uploaded_file("plan.pdf", PDF)],
        "pinned": "on",
    })
    with tenant_context(world.alpha):
        announcement = Announcement.objects.get(title="Cleanup day")
        assert announcement.pinned
        kinds = sorted(announcement.attachments.values_list("content_type", "is_image"))
        assert kinds == [("application/pdf", False), ("image/png", True)]
    assert response["Location"] == f"/news/{announcement.pk}/"
    page = alice.get(response["Location"], **EN).content.decode()
    assert "<strong>gloves</strong>" in page and "Who has read it" in page


@pytest.mark.parametrize("key", ["agnes", "amir"])
def test_volunteers_and_members_cannot_publish(world: World, signed_in, key: str):  # noqa: ANN001
    client = signed_in("alpha", key)
    assert client.get("/news/new/").status_code == 404
    with tenant_context(world.alpha):
        default_pk = space_default().pk
    response = client.post("/news/new/", {"space": default_pk, "title": "T", "body": "B"})
    assert response.status_code == 404
    with tenant_context(world.alpha):
        assert not Announcement.objects.exists()
    assert "Publish an announcement" not in client.get("/news/", **EN).content.decode()


def test_a_moderator_is_offered_their_space_only(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        garden = make_space(world, "garden", Visibility.OPEN, ["agnes", "amir"], ["agnes"])
        default_pk = space_default().pk
    agnes = signed_in("alpha", "agnes")
    form = agnes.get("/news/new/", **EN).context["form"]
    assert list(form.fields["space"].queryset) == [garden]
    refused = agnes.post("/news/new/", {"space": default_pk, "title": "T", "body": "B"}, **EN)
    assert refused.status_code == 400
    assert agnes.post("/news/new/", {"space": garden.pk, "title": "T", "body": "B"}).status_code \
        == 302
    with tenant_context(world.alpha):
        assert Announcement.objects.get().space == garden


def test_list_pinned_first_and_paginated(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        for i in range(22):
            publish(world, "alice", title=f"Item {i:02d}")
        pinned = publish(world, "alice", title="Old but pinned")
        Announcement.objects.filter(pk=pinned.pk).update(created_at=in_days(-30), pinned=True)
    amir = signed_in("alpha", "amir")
    first = amir.get("/news/", **EN)
    rows = first.context["announcements"]
    assert rows[0].title == "Old but pinned" and rows[1].title == "Item 21"
    assert len(rows) == 20
    second = amir.get("/news/?page=2").context["announcements"]
    assert [a.title for a in second] == ["Item 02", "Item 01", "Item 00"]
    assert "New" in first.content.decode()  # unread markers


def test_list_is_free_of_n_plus_one(world: World, signed_in, media: Path):  # noqa: ANN001
    with tenant_context(world.alpha):
        garden = make_space(world, "garden", Visibility.OPEN, ["amir"])

        def add(count: int) -> None:
            for i in range(count):
                a = publish(world, "alice" if i % 2 else "arthur", garden if i % 3 else None,
                            title=f"N{i}", requires_ack=bool(i % 2),
                            ack_deadline=in_days(3) if i % 2 else None)
                services.comment_create(announcement=a, author_id=uid(world, "amir"), body="c")
                services.attachments_add(announcement=a, uploads=[upload("a.pdf", PDF)],
                                         user_id=uid(world, "alice"))

        add(3)
    amir = signed_in("alpha", "amir")
    amir.get("/news/")  # warm up (session, caches)
    with CaptureQueriesContext(connection) as few:
        assert amir.get("/news/").status_code == 200
    with tenant_context(world.alpha):
        add(12)
        # More spaces, some moderated by the reader: the publish button's check stays constant.
        for n in range(4):
            make_space(world, f"more-{n}", Visibility.OPEN, ["amir"], ["amir"] if n % 2 else [])
    amir.get("/news/")  # the bell's unread count is cached again after the new notifications
    with CaptureQueriesContext(connection) as many:
        response = amir.get("/news/")
    assert len(response.context["announcements"]) == 15
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


def test_opening_marks_read_once(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        announcement = publish(world, "alice")
    amir = signed_in("alpha", "amir")
    assert amir.get(f"/news/{announcement.pk}/").status_code == 200
    with tenant_context(world.alpha):
        first = ReadReceipt.objects.get(announcement=announcement, user_id=uid(world, "amir"))
    amir.get(f"/news/{announcement.pk}/")
    with tenant_context(world.alpha):
        again = ReadReceipt.objects.filter(announcement=announcement, user_id=uid(world, "amir"))
        assert list(again) == [first] and again.get().read_at == first.read_at


def test_read_receipts_lists(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        garden = make_space(world, "garden", Visibility.OPEN, ["agnes", "amir", "sam"], ["agnes"])
        announcement = publish(world, "agnes", garden)
        services.announcement_mark_read(announcement=announcement, user_id=uid(world, "amir"))
        # Reading an open space one did not join: recorded, but not part of the audience.
        services.announcement_mark_read(announcement=announcement, user_id=uid(world, "arthur"))
        receipts = receipts_of(announcement)
        assert [p.name for p in receipts.read] == ["Agnès Volunteer", "Amir Member",
                                                   "Arthur Staff"]
        assert [p.name for p in receipts.unread] == ["Sam Both"]
        assert receipts.audience_count == 3
        # A member who leaves the association drops out of "not read yet".
        Membership.objects.filter(user_id=uid(world, "sam")).update(
            status=MembershipStatus.ENDED
        )
        assert receipts_of(announcement).unread == []
        Membership.objects.filter(user_id=uid(world, "sam")).update(
            status=MembershipStatus.ACTIVE
        )
    page = signed_in("alpha", "agnes").get(f"/news/{announcement.pk}/receipts/", **EN)
    assert page.status_code == 200
    assert "Sam Both" in page.content.decode()
    assert signed_in("alpha", "alice").get(f"/news/{announcement.pk}/receipts/").status_code == 200
    for key in ["arthur", "amir", "sam"]:
        response = signed_in("alpha", key).get(f"/news/{announcement.pk}/receipts/")
        assert response.status_code == 404, key


def test_edit_delete_and_pin_pages(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        announcement = publish(world, "arthur", title="Before")
    amir = signed_in("alpha", "amir")
    assert amir.get(f"/news/{announcement.pk}/edit/").status_code == 404
    assert amir.post(f"/news/{announcement.pk}/pin/").status_code == 404
    assert amir.post(f"/news/{announcement.pk}/delete/").status_code == 404
    arthur = signed_in("alpha", "arthur")
    assert arthur.post(f"/news/{announcement.pk}/edit/",
                       {"title": "", "body": "x"}).status_code == 400
    arthur.post(f"/news/{announcement.pk}/edit/", {"title": "After", "body": "New text"})
    arthur.post(f"/news/{announcement.pk}/pin/")
    with tenant_context(world.alpha):
        announcement.refresh_from_db()
        assert announcement.title == "After" and announcement.pinned
    alice = signed_in("alpha", "alice")
    assert alice.get(f"/news/{announcement.pk}/delete/").status_code == 200
    assert alice.post(f"/news/{announcement.pk}/delete/")["Location"] == "/news/"
    with tenant_context(world.alpha):
        assert not Announcement.objects.exists()


# --- Comments and reactions --------------------------------------------------------------------


def test_comments_and_reactions_pages(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        announcement = publish(world, "alice")
    amir, sam = signed_in("alpha", "amir"), signed_in("alpha", "sam")
    assert amir.post(f"/news/{announcement.pk}/comments/", {"body": "  "}).status_code == 400
    amir.post(f"/news/{announcement.pk}/comments/", {"body": "Count me in"})
    with tenant_context(world.alpha):
        comment = Comment.objects.get()
        # The author hears about the comment.
        assert Notification.objects.filter(category="reply", user_id=uid(world, "alice")).exists()
    assert sam.get(f"/news/comments/{comment.pk}/edit/").status_code == 404
    assert sam.post(f"/news/comments/{comment.pk}/delete/").status_code == 404
    amir.post(f"/news/comments/{comment.pk}/edit/", {"body": "Count me in twice"})
    with tenant_context(world.alpha):
        comment.refresh_from_db()
        assert comment.body == "Count me in twice" and comment.edited_at is not None
    # Board and staff moderate: they delete anyone's comment.
    assert signed_in("alpha", "arthur").post(
        f"/news/comments/{comment.pk}/delete/").status_code == 302
    with tenant_context(world.alpha):
        assert not Comment.objects.exists()
    # Reactions: toggled, counted, a fixed set.
    amir.post(f"/news/{announcement.pk}/react/", {"emoji": "heart"})
    sam.post(f"/news/{announcement.pk}/react/", {"emoji": "heart"})
    response = sam.post(f"/news/{announcement.pk}/react/", {"emoji": "clap"},
                        HTTP_HX_REQUEST="true")
    assert "👏 1" in response.content.decode() and "❤️ 2" in response.content.decode()
    sam.post(f"/news/{announcement.pk}/react/", {"emoji": "heart"})
    assert amir.post(f"/news/{announcement.pk}/react/", {"emoji": "poop"}).status_code == 400
    with tenant_context(world.alpha):
        assert sorted(Reaction.objects.values_list("emoji", flat=True)) == ["clap", "heart"]


# --- Acknowledgement ---------------------------------------------------------------------------


def notice(world: World, key: str = "alice", days: float = 5, **kwargs: object) -> Announcement:
    return publish(world, key, title="Safety rules", requires_ack=True,
                   ack_deadline=in_days(days), **kwargs)


def test_a_notice_notifies_each_member_with_a_signed_link(world: World):
    with tenant_context(world.alpha):
        announcement = notice(world)
        rows = Notification.objects.filter(category="acknowledgement")
        assert {n.user_id for n in rows} == {uid(world, k) for k in ["arthur", "agnes", "amir",
                                                                     "sam"]}
        assert not Notification.objects.filter(category="announcement").exists()
        url = rows.get(user_id=uid(world, "amir")).url
        assert url.startswith("/news/ack/")
        found, user_id = services.ack_link_resolve(url.split("/")[-2])
        assert found == announcement and user_id == uid(world, "amir")


def test_acknowledge_on_the_page(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        announcement = notice(world)
        plain = publish(world, "alice", title="No ack")
    amir = signed_in("alpha", "amir")
    assert "I have read and approve" in amir.get(f"/news/{announcement.pk}/", **EN).content.decode()
    assert amir.post(f"/news/{announcement.pk}/acknowledge/").status_code == 302
    assert amir.post(f"/news/{announcement.pk}/acknowledge/").status_code == 302  # harmless
    assert amir.post(f"/news/{plain.pk}/acknowledge/").status_code == 404
    with tenant_context(world.alpha):
        ack = Acknowledgement.objects.get()
        assert ack.user_id == uid(world, "amir") and ack.channel == AckChannel.PAGE
        receipts = receipts_of(announcement)
        assert [p.name for p in receipts.acknowledged] == ["Amir Member"]
        assert [p.name for p in receipts.not_acknowledged] == [
            "Agnès Volunteer", "Arthur Staff", "Sam Both"]  # never the author
    page = signed_in("alpha", "alice").get(f"/news/{announcement.pk}/receipts/", **EN)
    assert "1 confirmation" in page.content.decode()


def test_acknowledge_from_the_signed_link_without_signing_in(world: World, client_for):  # noqa: ANN001
    with tenant_context(world.alpha):
        announcement = notice(world)
        path = services.ack_link_path(announcement, uid(world, "amir"))
    anonymous = client_for(world.alpha)
    shown = anonymous.get(path, **EN)
    assert shown.status_code == 200 and "Safety rules" in shown.content.decode()
    with tenant_context(world.alpha):
        assert not Acknowledgement.objects.exists()  # a mail scanner's GET confirms nothing
    done = anonymous.post(path, **EN)
    assert done.status_code == 200 and "your acknowledgement is recorded" in done.content.decode()
    anonymous.post(path)
    with tenant_context(world.alpha):
        ack = Acknowledgement.objects.get()
        assert (ack.user_id, ack.channel) == (uid(world, "amir"), AckChannel.LINK)
        assert ReadReceipt.objects.filter(user_id=uid(world, "amir")).exists()
    # Still not signed in.
    assert anonymous.get("/news/").status_code == 302


def test_tampered_foreign_and_late_links_are_refused(world: World, client_for):  # noqa: ANN001
    with tenant_context(world.alpha):
        announcement = notice(world)
        path = services.ack_link_path(announcement, uid(world, "amir"))
        other_purpose = link_token("members.invite", {"a": announcement.pk,
                                                      "u": uid(world, "amir")})
    with tenant_context(world.beta):
        # The very same payload, signed at beta: not valid at alpha.
        beta_token = link_token("news.ack", {"a": announcement.pk, "u": uid(world, "amir")})
    anonymous = client_for(world.alpha)
    token = path.split("/")[-2]
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    for bad in [tampered, beta_token, other_purpose]:
        response = anonymous.post(f"/news/ack/{bad}/", **EN)
        assert response.status_code == 400, bad
        assert "This link does not work" in response.content.decode()
    # And alpha's own link, used at beta: refused there.
    assert client_for(world.beta).post(path).status_code == 400
    with tenant_context(world.alpha):
        assert not Acknowledgement.objects.exists()
        # Within the margin after the deadline: still accepted (recorded as late).
        Announcement.objects.filter(pk=announcement.pk).update(ack_deadline=in_days(-1))
    assert anonymous.get(path).status_code == 200
    with tenant_context(world.alpha):
        Announcement.objects.filter(pk=announcement.pk).update(
            ack_deadline=timezone.now() - services.ACK_LINK_MARGIN - timedelta(minutes=1)
        )
    late = anonymous.post(path, **EN)
    assert late.status_code == 400 and "expired" in late.content.decode()
    with tenant_context(world.alpha):
        assert not Acknowledgement.objects.exists()


def test_link_of_a_member_who_left_is_refused(world: World, client_for):  # noqa: ANN001
    with tenant_context(world.alpha):
        announcement = notice(world)
        path = services.ack_link_path(announcement, uid(world, "amir"))
        Membership.objects.filter(user_id=uid(world, "amir")).update(
            status=MembershipStatus.ENDED
        )
    assert client_for(world.alpha).post(path).status_code == 400
    with tenant_context(world.alpha):
        Membership.objects.filter(user_id=uid(world, "amir")).update(
            status=MembershipStatus.ACTIVE
        )
        assert not Acknowledgement.objects.exists()


# --- Reminders ---------------------------------------------------------------------------------


def reminded(world: World, category: str = "acknowledgement") -> list[int]:
    return sorted(Notification.objects.filter(category=category).values_list("user_id",
                                                                             flat=True))


def test_reminders_go_to_those_who_have_not_confirmed(world: World):
    with tenant_context(world.alpha):
        announcement = notice(world, days=10)
        services.announcement_acknowledge(announcement=announcement, user_id=uid(world, "amir"))
        Notification.objects.all().delete()
        published = timezone.localdate(announcement.created_at)
        # Publication day: they were just notified.
        assert services.ack_reminders_send(today=published) == 0
        day3 = published + timedelta(days=services.REMINDER_EVERY_DAYS)
        assert services.ack_reminders_send(today=day3) == 3
        expected = sorted(uid(world, k) for k in ["arthur", "agnes", "sam"])
        assert reminded(world) == expected  # not the author, not amir who confirmed
        # The same day again (the task may run twice): nobody twice.
        assert services.ack_reminders_send(today=day3) == 0
        assert reminded(world) == expected
        # A day between the regular reminders: nothing.
        assert services.ack_reminders_send(today=day3 + timedelta(days=1)) == 0
        # The day before the deadline: the last reminder.
        last_day = timezone.localdate(announcement.ack_deadline) - timedelta(days=1)
        assert services.ack_reminders_send(today=last_day) == 3
        assert AckReminder.objects.filter(sent_on=last_day, is_last=True).count() == 3
        assert "Last reminder" in Notification.objects.order_by("-id").first().text
        # The deadline day itself: no more.
        assert services.ack_reminders_send(today=last_day + timedelta(days=1)) == 0
        assert AckReminder.objects.filter(user_id=uid(world, "amir")).count() == 0


def test_reminders_respect_space_audience_and_deadlines(world: World):
    with tenant_context(world.alpha):
        secret = make_space(world, "secret", Visibility.PRIVATE, ["agnes", "amir"], ["agnes"])
        notice(world, "agnes", days=2, space=secret)
        past = notice(world, days=2)
        Announcement.objects.filter(pk=past.pk).update(ack_deadline=in_days(-1))
        Notification.objects.all().delete()
        tomorrow = timezone.localdate() + timedelta(days=1)
        # The deadline is in two days: tomorrow is the day before it.
        assert services.ack_reminders_send(today=tomorrow) == 1
        assert reminded(world) == [uid(world, "amir")]


def test_reminder_tasks_run_per_association(world: World):
    with tenant_context(world.alpha):
        announcement = notice(world, days=1)
        # Published yesterday, deadline tomorrow: today is the day of the last reminder.
        Announcement.objects.filter(pk=announcement.pk).update(created_at=in_days(-1))
        Notification.objects.all().delete()
        assert news_ack_reminders.delay().get() == 4
    assert news_ack_reminders_all.delay().get() == 0  # already reminded today
    with tenant_context(world.alpha):
        AckReminder.objects.all().delete()
    assert news_ack_reminders_all.delay().get() == 4
    with tenant_context(world.beta):
        assert not Notification.objects.filter(category="acknowledgement").exists()


# --- Uploads -----------------------------------------------------------------------------------


def test_uploads_are_checked_by_content():
    assert check_upload(io.BytesIO(png_bytes()), "photo.PNG", 100).is_image
    assert check_upload(io.BytesIO(png_bytes()), "photo.jpg", 100).content_type == "image/png"
    assert check_upload(io.BytesIO(PDF), "plan.pdf", 100).content_type == "application/pdf"
    assert check_upload(io.BytesIO(docx_bytes()), "minutes.docx", 100).content_type.endswith(
        "wordprocessingml.document")
    refused = [
        (PDF, "photo.png", "does not match"),
        (EXE, "photo.png", "not an accepted type"),
        (EXE, "setup.exe", "not an accepted type"),
        (b"plain text", "notes.txt", "not an accepted type"),
        (b"", "empty.png", "not an accepted type"),
    ]
    for data, name, reason in refused:
        with pytest.raises(UploadRefused, match=reason):
            check_upload(io.BytesIO(data), name, len(data))
    with pytest.raises(UploadRefused, match="too large"):
        check_upload(io.BytesIO(png_bytes()), "big.png", MAX_BYTES + 1)


def test_refused_upload_stores_nothing(world: World, media: Path):
    with tenant_context(world.alpha):
        big = png_bytes() + b"\x00" * MAX_BYTES
        for bad in [upload("photo.png", PDF), upload("photo.png", EXE), upload("big.png", big)]:
            with pytest.raises(NewsError) as caught:
                publish(world, "alice", uploads=[upload("ok.png", png_bytes()), bad])
            assert caught.value.field == "files"
        assert not Announcement.objects.exists() and not Attachment.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_upload_refused_on_the_page(world: World, signed_in, media: Path):  # noqa: ANN001
    with tenant_context(world.alpha):
        default_pk = space_default().pk
    response = signed_in("alpha", "alice").post("/news/new/", {
        "space": default_pk, "title": "T", "body": "B",
        "files": [uploaded_file("photo.png", EXE)],
    }, **EN)
    assert response.status_code == 400
    assert "not an accepted type of file" in response.content.decode()


def test_attachments_are_served_only_through_the_checked_view(
    world: World, signed_in, media: Path  # noqa: ANN001
):
    with tenant_context(world.alpha):
        announcement = publish(world, "alice", uploads=[upload("photo.png", png_bytes()),
                                                        upload("minutes.docx", docx_bytes())])
        image, doc = announcement.attachments.order_by("id")
        # Stored under the association's own folder, with a random name.
        assert (media / "alpha").is_dir() or any(media.iterdir())
        assert "photo" not in image.file.name
    amir = signed_in("alpha", "amir")
    response = amir.get(f"/news/files/{image.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["X-Content-Type-Options"] == "nosniff"
    download = amir.get(f"/news/files/{doc.pk}/")
    assert download["Content-Disposition"].startswith("attachment")
    page = amir.get(f"/news/{announcement.pk}/").content.decode()
    assert f'src="/news/files/{image.pk}/"' in page
    # Removing one: only who may edit.
    assert amir.post(f"/news/files/{doc.pk}/delete/").status_code == 404
    assert signed_in("alpha", "alice").post(f"/news/files/{doc.pk}/delete/").status_code == 302
    assert amir.get(f"/news/files/{doc.pk}/").status_code == 404
    assert signed_in("alpha", "sam").get(f"/news/files/{image.pk}/").status_code == 200
