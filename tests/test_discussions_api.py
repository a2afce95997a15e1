"""Discussions REST API: threads by space and recent, create, detail with messages paginated,
reply, edit, delete, hide/unhide, reactions, follow/mute, mark read, attachments; the same
permissions as the pages (404 for whatever a member may not see or do), private spaces and
other associations invisible, uploads refused by content, the OpenAPI schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from shared_apps.discussions import services
from shared_apps.discussions.models import Attachment, Message, Subscription, Thread, ThreadState
from shared_apps.notifications.models import Notification
from shared_apps.spaces.selectors import space_default

from .test_discussions import EXE, PNG, media, private_space, start, uid, upload  # noqa: F401

API = "/api/v1/discussions"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_create_list_and_detail(world, signed_in):  # noqa: ANN001
    amir = signed_in("alpha", "amir")
    created = amir.post(f"{API}/spaces/toute-l-association/threads/",
                        {"title": "Rangement", "body": "Samedi @alice-board ?"},
                        content_type="application/json")
    assert created.status_code == 201, created.content
    thread = created.json()
    assert thread["title"] == "Rangement" and thread["author_name"] == "Amir Member"
    assert thread["space"] == "toute-l-association" and thread["subscription"] == "follow"
    assert thread["message_count"] == 1 and thread["unread_count"] == 0
    with tenant_context(world.alpha):
        assert Notification.objects.get(category="mention").user_id == uid(world, "alice")
    alice = signed_in("alpha", "alice")
    listed = alice.get(f"{API}/spaces/toute-l-association/threads/").json()
    assert listed["count"] == 1 and listed["results"][0]["unread_count"] == 1
    assert alice.get(f"{API}/threads/").json()["results"][0]["id"] == thread["id"]
    detail = alice.get(f"{API}/threads/{thread['id']}/").json()
    assert detail["can_post"] and detail["is_moderator"] and detail["next_page"] is None
    (message,) = detail["messages"]
    assert message["body"] == "Samedi @alice-board ?"
    assert '<span class="mention">@Alice Board</span>' in message["body_html"]
    assert message["deleted"] is False and message["reactions"] == []
    # Mark read.
    read = alice.post(f"{API}/threads/{thread['id']}/read/")
    assert read.status_code == 200 and read.json()["last_read_message_id"] == message["id"]
    assert alice.get(f"{API}/threads/").json()["results"][0]["unread_count"] == 0


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "", "body": "x"}, "title", "This field may not be blank."),
        ({"title": "   ", "body": "x"}, "title", "This field may not be blank."),
        ({"title": "Ok", "body": "x" * 20_001}, "body", "no more than 20000"),
        ({"title": "x" * 201, "body": "x"}, "title", "no more than 200"),
    ],
)
def test_create_refuses_bad_input(world, signed_in, data: dict, field: str,  # noqa: ANN001
                                  message: str):
    response = signed_in("alpha", "amir").post(
        f"{API}/spaces/toute-l-association/threads/", data, content_type="application/json",
        **EN)
    assert response.status_code == 400
    assert message in response.json()[field][0]


def test_detail_paginates_messages(world, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        thread = start(world)
        for i in range(24):
            Message.objects.create(thread=thread, author_id=uid(world, "amir"), body=f"m{i}",
                                   body_html=f"<p>m{i}</p>")
    amir = signed_in("alpha", "amir")
    first = amir.get(f"{API}/threads/{thread.pk}/").json()
    assert len(first["messages"]) == 20 and first["next_page"] == 2
    second = amir.get(f"{API}/threads/{thread.pk}/?page=2").json()
    assert [m["body"] for m in second["messages"]] == ["m19", "m20", "m21", "m22", "m23"]
    assert second["next_page"] is None
    assert amir.get(f"{API}/threads/{thread.pk}/?page=x").status_code == 400


def test_reply_edit_delete_own_only(world, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        thread = start(world, key="agnes")
        first = Message.objects.get(thread=thread)
    amir = signed_in("alpha", "amir")
    reply = amir.post(f"{API}/threads/{thread.pk}/messages/", {"body": "Présent"},
                      content_type="application/json")
    assert reply.status_code == 201 and reply.json()["author_name"] == "Amir Member"
    reply_id = reply.json()["id"]
    with tenant_context(world.alpha):
        assert Notification.objects.get(category="reply").user_id == uid(world, "agnes")
    assert amir.post(f"{API}/threads/{thread.pk}/messages/", {"body": ""},
                     content_type="application/json").status_code == 400
    # Not his: 404 for edit and delete.
    assert amir.patch(f"{API}/messages/{first.pk}/", {"body": "Pirate"},
                      content_type="application/json").status_code == 404
    assert amir.delete(f"{API}/messages/{first.pk}/").status_code == 404
    edited = amir.patch(f"{API}/messages/{reply_id}/", {"body": "Présent, avec un gâteau"},
                        content_type="application/json")
    assert edited.status_code == 200 and edited.json()["edited_at"] is not None
    assert amir.delete(f"{API}/messages/{reply_id}/").status_code == 204
    messages = amir.get(f"{API}/threads/{thread.pk}/").json()["messages"]
    assert messages[1]["deleted"] is True and messages[1]["body"] == ""
    # A deleted message can no longer be edited nor deleted again.
    assert amir.patch(f"{API}/messages/{reply_id}/", {"body": "Encore"},
                      content_type="application/json").status_code == 404
    with tenant_context(world.alpha):
        assert Message.objects.get(pk=first.pk).body == "Qui vient ?"


@pytest.mark.parametrize(
    ("key", "allowed"),
    [("alice", True), ("arthur", True), ("agnes", False), ("amir", False), ("sam", False)],
)
def test_hide_by_moderators_board_and_staff(world, signed_in, key: str, allowed: bool):  # noqa: ANN001
    with tenant_context(world.alpha):
        thread = start(world, key="amir", body="Propos déplacés")
        message = Message.objects.get(thread=thread)
    client = signed_in("alpha", key)
    response = client.post(f"{API}/messages/{message.pk}/hide/", {"hidden": True},
                           content_type="application/json")
    assert response.status_code == (200 if allowed else 404)
    with tenant_context(world.alpha):
        message.refresh_from_db()
        assert (message.hidden_at is not None) is allowed
    if allowed:
        assert response.json()["hidden"] is True and response.json()["body"] == "Propos déplacés"
        seen_by_agnes = signed_in("alpha", "agnes").get(f"{API}/threads/{thread.pk}/").json()
        assert seen_by_agnes["messages"][0]["body"] == "" and "déplacés" not in str(
            seen_by_agnes)
        shown = client.post(f"{API}/messages/{message.pk}/hide/", {"hidden": False},
                            content_type="application/json")
        assert shown.json()["hidden"] is False


def test_a_space_moderator_hides_in_their_private_space(world, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        space = private_space(world)
        thread = start(world, key="sam", space=space)
        message = Message.objects.get(thread=thread)
    # Arthur moderates the private space; Alice (board) is not a member: she sees nothing.
    assert signed_in("alpha", "alice").post(
        f"{API}/messages/{message.pk}/hide/", {"hidden": True}, content_type="application/json"
    ).status_code == 404
    assert signed_in("alpha", "arthur").post(
        f"{API}/messages/{message.pk}/hide/", {"hidden": True}, content_type="application/json"
    ).status_code == 200


def test_reactions_toggle(world, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        message = Message.objects.get(thread=start(world))
    amir = signed_in("alpha", "amir")
    url = f"{API}/messages/{message.pk}/reactions/"
    on = amir.post(url, {"emoji": "❤️"}, content_type="application/json").json()
    assert on["on"] is True and on["reactions"] == [{"emoji": "❤️", "count": 1, "mine": True}]
    off = amir.post(url, {"emoji": "❤️"}, content_type="application/json").json()
    assert off["on"] is False and off["reactions"] == []
    bad = amir.post(url, {"emoji": "🍕"}, content_type="application/json", **EN)
    assert bad.status_code == 400 and "emoji" in bad.json()


def test_follow_and_mute(world, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        thread = start(world, key="agnes")
    amir = signed_in("alpha", "amir")
    url = f"{API}/threads/{thread.pk}/subscription/"
    assert amir.post(url, {"subscription": "follow"},
                     content_type="application/json").json()["subscription"] == "follow"
    with tenant_context(world.alpha):
        services.message_reply(thread=thread, author_id=uid(world, "alice"), body="Un")
        assert Notification.objects.filter(user_id=uid(world, "amir"), category="reply").count() \
            == 1
    assert amir.post(url, {"subscription": "mute"},
                     content_type="application/json").json()["subscription"] == "mute"
    with tenant_context(world.alpha):
        services.message_reply(thread=thread, author_id=uid(world, "alice"),
                               body="Deux @amir-member")
        assert Notification.objects.filter(user_id=uid(world, "amir")).count() == 1
        assert ThreadState.objects.get(user_id=uid(world, "amir")).subscription == (
            Subscription.MUTE)
    assert amir.post(url, {"subscription": "loud"},
                     content_type="application/json").status_code == 400


def test_attachments_by_content(world, signed_in, media: Path):  # noqa: ANN001, F811
    amir = signed_in("alpha", "amir")
    created = amir.post(f"{API}/spaces/toute-l-association/threads/",
                        {"title": "Photos", "body": "Voici", "files": [upload("a.png", PNG)]})
    assert created.status_code == 201, created.content
    detail = amir.get(f"{API}/threads/{created.json()['id']}/").json()
    (attachment,) = detail["messages"][0]["attachments"]
    assert attachment["content_type"] == "image/png" and attachment["name"] == "a.png"
    assert amir.get(attachment["url"]).status_code == 200
    refused = amir.post(f"{API}/spaces/toute-l-association/threads/",
                        {"title": "Virus", "body": "x", "files": [upload("a.png", EXE)]}, **EN)
    assert refused.status_code == 400
    assert "not an accepted kind of file" in refused.json()["files"][0]
    message_id = detail["messages"][0]["id"]
    added = amir.post(f"{API}/messages/{message_id}/attachments/",
                      {"files": [upload("notes.txt", b"ordre du jour")]})
    assert added.status_code == 201 and added.json()[0]["content_type"].startswith("text/plain")
    assert amir.post(f"{API}/messages/{message_id}/attachments/",
                     {"files": [upload("x.png", EXE)]}).status_code == 400
    assert amir.post(f"{API}/messages/{message_id}/attachments/", {}).status_code == 400
    # Someone else's message: 404.
    assert signed_in("alpha", "agnes").post(
        f"{API}/messages/{message_id}/attachments/", {"files": [upload("n.txt", b"x")]}
    ).status_code == 404
    with tenant_context(world.alpha):
        assert Attachment.objects.count() == 2


def test_private_space_and_other_associations_are_invisible(world, signed_in, media: Path):  # noqa: ANN001, F811
    with tenant_context(world.alpha):
        space = private_space(world)
        secret = start(world, key="sam", space=space, title="Budget secret",
                       files=(upload("p.png", PNG),))
        message = Message.objects.get(thread=secret)
        attachment = Attachment.objects.get()
        start(world, key="amir", title="Ouvert à tous")
    for key in ("alice", "amir"):
        client = signed_in("alpha", key)
        titles = [t["title"] for t in client.get(f"{API}/threads/").json()["results"]]
        assert titles == ["Ouvert à tous"]
        for url in (f"{API}/spaces/{space.slug}/threads/",
                    f"{API}/spaces/{space.slug}/mentionable/", f"{API}/threads/{secret.pk}/"):
            assert client.get(url).status_code == 404, url
        for url, data in (
            (f"{API}/spaces/{space.slug}/threads/", {"title": "x", "body": "y"}),
            (f"{API}/threads/{secret.pk}/messages/", {"body": "y"}),
            (f"{API}/threads/{secret.pk}/read/", {}),
            (f"{API}/threads/{secret.pk}/subscription/", {"subscription": "follow"}),
            (f"{API}/messages/{message.pk}/reactions/", {"emoji": "👍"}),
            (f"{API}/messages/{message.pk}/hide/", {"hidden": True}),
        ):
            assert client.post(url, data, content_type="application/json").status_code == 404
        assert client.get(f"/discussions/files/{attachment.pk}/").status_code == 404
    sam = signed_in("alpha", "sam")
    assert {t["title"] for t in sam.get(f"{API}/threads/").json()["results"]} == {
        "Budget secret", "Ouvert à tous"}
    # Beta: Sam sees beta's threads only; Bob cannot reach alpha's ids.
    with tenant_context(world.beta):
        start(world, key="bob", title="Chez Beta")
    at_beta = signed_in("beta", "sam").get(f"{API}/threads/").json()["results"]
    assert [t["title"] for t in at_beta] == ["Chez Beta"]
    bob = signed_in("beta", "bob")
    assert bob.get(f"{API}/threads/{secret.pk}/").status_code == 404
    assert signed_in("alpha", "bob").get(f"{API}/threads/").status_code in (403, 404)


def test_only_contributors_create_threads_and_reply(world, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        from shared_apps.spaces import services as spaces

        space = spaces.space_create(actor_id=uid(world, "arthur"), name="Chorale",
                                    visibility="open")
        thread = start(world, key="arthur", space=space)
    # An open space: Amir reads it but, not being a member, cannot post or reply.
    amir = signed_in("alpha", "amir")
    assert amir.get(f"{API}/threads/{thread.pk}/").json()["can_post"] is False
    assert amir.post(f"{API}/spaces/{space.slug}/threads/", {"title": "x", "body": "y"},
                     content_type="application/json").status_code == 404
    assert amir.post(f"{API}/threads/{thread.pk}/messages/", {"body": "y"},
                     content_type="application/json").status_code == 404
    with tenant_context(world.alpha):
        assert Thread.objects.filter(space=space).count() == 1
        assert space_default() is not None


def test_thread_list_api_queries_do_not_grow(world, signed_in):  # noqa: ANN001
    client = signed_in("alpha", "amir")
    counts = []
    for total in (5, 25):
        with tenant_context(world.alpha):
            while Thread.objects.count() < total:
                start(world, key=["agnes", "sam", "alice"][Thread.objects.count() % 3])
        client.get(f"{API}/threads/")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{API}/threads/")
        assert response.json()["count"] == total
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_schema_lists_the_endpoints_without_warnings(world, signed_in, capsys):  # noqa: ANN001
    response = signed_in("alpha", "amir").get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/discussions/threads/", "/api/v1/discussions/spaces/{slug}/threads/",
        "/api/v1/discussions/threads/{id}/", "/api/v1/discussions/threads/{id}/messages/",
        "/api/v1/discussions/messages/{id}/", "/api/v1/discussions/messages/{id}/hide/",
        "/api/v1/discussions/messages/{id}/reactions/",
        "/api/v1/discussions/threads/{id}/subscription/",
        "/api/v1/discussions/threads/{id}/read/",
        "/api/v1/discussions/messages/{id}/attachments/",
        "/api/v1/discussions/spaces/{slug}/mentionable/",
    ):
        assert path in paths, path
    captured = capsys.readouterr()
    assert "discussions" not in (captured.err + captured.out).lower()
