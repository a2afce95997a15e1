"""News REST API: list, detail, create/update/delete, pin, receipts, acknowledge, comments,
reactions, attachments — the same permissions as the pages, 404 for what a member may not see,
and the endpoints documented in the OpenAPI schema without warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from shared_apps.news.models import AckChannel, Acknowledgement, Announcement, Attachment
from shared_apps.notifications.models import Activity
from shared_apps.spaces.models import Visibility

from .test_news import (
    EN,
    EXE,
    PDF,
    in_days,
    make_space,
    media,  # noqa: F401 — a fixture
    notice,
    png_bytes,
    publish,
    upload,
    uploaded_file,
)
from .world import World

JSON = "application/json"


def post_json(client, url: str, data: dict):  # noqa: ANN001, ANN201
    return client.post(url, json.dumps(data), content_type=JSON, **EN)


def patch_json(client, url: str, data: dict):  # noqa: ANN001, ANN201
    return client.patch(url, json.dumps(data), content_type=JSON, **EN)


def test_list_and_detail(world: World, signed_in, media: Path):  # noqa: ANN001, F811
    with tenant_context(world.alpha):
        first = publish(world, "alice", title="First", uploads=[upload("a.pdf", PDF)])
        pinned = publish(world, "arthur", title="Pinned", pinned=True)
    amir = signed_in("alpha", "amir")
    listing = amir.get("/api/v1/news/").json()
    assert listing["count"] == 2
    assert [row["title"] for row in listing["results"]] == ["Pinned", "First"]
    row = listing["results"][1]
    assert row["author"] == "Alice Board" and row["space"]["is_default"]
    assert row["attachment_count"] == 1 and row["is_read"] is False
    detail = amir.get(f"/api/v1/news/{first.pk}/").json()
    assert detail["body_html"] == "<p>On <strong>Saturday</strong>.</p>"
    assert detail["can_edit"] is False and detail["can_comment"] is True
    attachment_id = detail["attachments"][0]["id"]
    assert detail["attachments"][0]["url"] == f"/api/v1/news/attachments/{attachment_id}/"
    assert [r["emoji"] for r in detail["reactions"]][0] == "thumbs_up"
    assert amir.get("/api/v1/news/").json()["results"][1]["is_read"] is True
    assert pinned.pk != first.pk


def test_list_query_count_is_constant(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        for i in range(2):
            publish(world, "alice", title=f"A{i}")
    amir = signed_in("alpha", "amir")
    amir.get("/api/v1/news/")
    with CaptureQueriesContext(connection) as few:
        amir.get("/api/v1/news/")
    with tenant_context(world.alpha):
        garden = make_space(world, "garden", Visibility.OPEN, ["amir"])
        for i in range(10):
            publish(world, "arthur", garden if i % 2 else None, title=f"B{i}",
                    requires_ack=True, ack_deadline=in_days(2))
    amir.get("/api/v1/news/")
    with CaptureQueriesContext(connection) as many:
        assert amir.get("/api/v1/news/").json()["count"] == 12
    assert len(many) == len(few)


@pytest.mark.parametrize(("key", "allowed"), [("alice", True), ("arthur", True),
                                               ("agnes", False), ("amir", False)])
def test_publish_to_everyone_by_role(world: World, signed_in, key: str, allowed: bool):  # noqa: ANN001
    response = post_json(signed_in("alpha", key), "/api/v1/news/",
                         {"title": "Hello", "body": "Text", "pinned": True})
    assert response.status_code == (201 if allowed else 404)
    with tenant_context(world.alpha):
        assert Announcement.objects.filter(title="Hello").exists() is allowed
        if allowed:
            assert Activity.objects.get(verb="news.published").pinned


def test_moderator_publishes_to_own_space_only(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        make_space(world, "garden", Visibility.OPEN, ["agnes"], ["agnes"])
        make_space(world, "kitchen", Visibility.OPEN, ["agnes"])
        make_space(world, "secret", Visibility.PRIVATE, ["alice"])
    agnes = signed_in("alpha", "agnes")
    created = post_json(agnes, "/api/v1/news/", {"space": "garden", "title": "T", "body": "B"})
    assert created.status_code == 201 and created.json()["space"]["slug"] == "garden"
    assert post_json(agnes, "/api/v1/news/",
                     {"space": "kitchen", "title": "T", "body": "B"}).status_code == 404
    # A private space the member is not in does not exist for them.
    missing = post_json(agnes, "/api/v1/news/", {"space": "secret", "title": "T", "body": "B"})
    assert missing.status_code == 400 and missing.json() == {"space": ["No such space."]}


def test_bad_input_gets_clear_errors(world: World, signed_in):  # noqa: ANN001
    alice = signed_in("alpha", "alice")
    response = post_json(alice, "/api/v1/news/", {"title": "  ", "body": "x"})
    assert response.status_code == 400 and "title" in response.json()
    response = post_json(alice, "/api/v1/news/",
                         {"title": "T", "body": "B", "requires_ack": True})
    assert response.json() == {
        "ack_deadline": ["Choose the deadline for acknowledging the notice."]
    }
    past = in_days(-1).isoformat()
    response = post_json(alice, "/api/v1/news/", {"title": "T", "body": "B",
                                                  "requires_ack": True, "ack_deadline": past})
    assert response.json() == {"ack_deadline": ["The deadline must be in the future."]}


def test_update_delete_pin(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        announcement = publish(world, "arthur")
    url = f"/api/v1/news/{announcement.pk}/"
    amir, arthur = signed_in("alpha", "amir"), signed_in("alpha", "arthur")
    assert patch_json(amir, url, {"title": "Mine now"}).status_code == 404
    assert post_json(amir, url + "pin/", {"pinned": True}).status_code == 404
    assert amir.delete(url).status_code == 404
    updated = patch_json(arthur, url, {"body": "<script>x</script>*new*"})
    assert updated.status_code == 200
    assert updated.json()["body_html"] == "<p><em>new</em></p>"
    assert post_json(arthur, url + "pin/", {"pinned": True}).json()["pinned"] is True
    assert signed_in("alpha", "alice").delete(url).status_code == 204
    assert arthur.get(url).status_code == 404


def test_receipts_for_the_author_and_the_board(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        announcement = notice(world, "arthur")
    url = f"/api/v1/news/{announcement.pk}/"
    amir = signed_in("alpha", "amir")
    amir.get(url)
    assert post_json(amir, url + "acknowledge/", {}).status_code == 200
    for key in ["arthur", "alice"]:
        receipts = signed_in("alpha", key).get(url + "receipts/").json()
        assert receipts["audience_count"] == 5
        assert [p["name"] for p in receipts["read"]] == ["Amir Member", "Arthur Staff"]
        assert [p["name"] for p in receipts["acknowledged"]] == ["Amir Member"]
        assert receipts["acknowledged"][0]["channel"] == "api"
        assert "Amir Member" not in [p["name"] for p in receipts["not_acknowledged"]]
        assert len(receipts["unread"]) == 3
    for key in ["amir", "agnes"]:
        assert signed_in("alpha", key).get(url + "receipts/").status_code == 404


def test_acknowledge_is_idempotent_and_only_for_notices(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        announcement = notice(world)
        plain = publish(world, "alice", title="Plain")
    sam = signed_in("alpha", "sam")
    first = post_json(sam, f"/api/v1/news/{announcement.pk}/acknowledge/", {}).json()
    again = post_json(sam, f"/api/v1/news/{announcement.pk}/acknowledge/", {}).json()
    assert first == again and first["channel"] == AckChannel.API
    assert post_json(sam, f"/api/v1/news/{plain.pk}/acknowledge/", {}).status_code == 404
    assert sam.get(f"/api/v1/news/{announcement.pk}/").json()["acknowledged_at"] is not None
    with tenant_context(world.alpha):
        assert Acknowledgement.objects.count() == 1
    # Unauthenticated: no acknowledging through the API.
    from .world import client_at

    anonymous = client_at(world.alpha)
    response = anonymous.post(f"/api/v1/news/{announcement.pk}/acknowledge/")
    assert response.status_code in (401, 403)


def test_comments_crud_and_reactions(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        announcement = publish(world, "alice")
    base = f"/api/v1/news/{announcement.pk}/"
    amir, sam = signed_in("alpha", "amir"), signed_in("alpha", "sam")
    assert post_json(amir, base + "comments/", {"body": ""}).status_code == 400
    created = post_json(amir, base + "comments/", {"body": "Hello"})
    assert created.status_code == 201
    comment = created.json()
    assert comment["author"] == "Amir Member" and comment["mine"] is True
    listed = sam.get(base + "comments/").json()
    assert [c["body"] for c in listed] == ["Hello"] and listed[0]["mine"] is False
    url = f"/api/v1/news/comments/{comment['id']}/"
    assert patch_json(sam, url, {"body": "Hijack"}).status_code == 404
    assert sam.delete(url).status_code == 404
    edited = patch_json(amir, url, {"body": "Hello again"}).json()
    assert edited["body"] == "Hello again" and edited["edited_at"] is not None
    assert signed_in("alpha", "arthur").delete(url).status_code == 204  # a moderator
    assert amir.get(base + "comments/").json() == []
    counts = post_json(amir, base + "reactions/", {"emoji": "clap"}).json()
    assert {r["emoji"]: (r["count"], r["mine"]) for r in counts}["clap"] == (1, True)
    counts = post_json(sam, base + "reactions/", {"emoji": "clap"}).json()
    assert {r["emoji"]: (r["count"], r["mine"]) for r in counts}["clap"] == (2, True)
    counts = post_json(sam, base + "reactions/", {"emoji": "clap"}).json()
    assert {r["emoji"]: (r["count"], r["mine"]) for r in counts}["clap"] == (1, False)
    assert post_json(sam, base + "reactions/", {"emoji": "skull"}).status_code == 400


def test_attachments_upload_download_delete(world: World, signed_in, media: Path):  # noqa: ANN001, F811
    with tenant_context(world.alpha):
        announcement = publish(world, "alice")
    url = f"/api/v1/news/{announcement.pk}/attachments/"
    alice, amir = signed_in("alpha", "alice"), signed_in("alpha", "amir")
    assert amir.post(url, {"files": [uploaded_file("p.png", png_bytes())]}).status_code == 404
    refused = alice.post(url, {"files": [uploaded_file("photo.png", PDF)]}, **EN)
    assert refused.status_code == 400 and "does not match" in refused.json()["files"][0]
    refused = alice.post(url, {"files": [uploaded_file("photo.png", EXE)]}, **EN)
    assert refused.status_code == 400 and "not an accepted type" in refused.json()["files"][0]
    assert alice.post(url, {}, **EN).status_code == 400
    created = alice.post(url, {"files": [uploaded_file("photo.png", png_bytes())]})
    assert created.status_code == 201
    attachment = created.json()[0]
    assert attachment["content_type"] == "image/png" and attachment["is_image"]
    download = amir.get(attachment["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == png_bytes()
    assert amir.delete(attachment["url"]).status_code == 404
    assert alice.delete(attachment["url"]).status_code == 204
    with tenant_context(world.alpha):
        assert not Attachment.objects.exists()


def test_private_space_is_invisible_through_the_api(world: World, signed_in, media: Path):  # noqa: ANN001, F811
    with tenant_context(world.alpha):
        secret = make_space(world, "secret", Visibility.PRIVATE, ["agnes"], ["agnes"])
        hidden = publish(world, "agnes", secret, title="Hidden",
                         uploads=[upload("a.pdf", PDF)])
        attachment = hidden.attachments.get()
    amir = signed_in("alpha", "amir")
    assert amir.get("/api/v1/news/").json()["count"] == 0
    base = f"/api/v1/news/{hidden.pk}/"
    for url in [base, base + "receipts/", base + "comments/",
                f"/api/v1/news/attachments/{attachment.pk}/"]:
        assert amir.get(url).status_code == 404, url
    for url in [base + "acknowledge/", base + "comments/", base + "reactions/", base + "pin/"]:
        assert post_json(amir, url, {"body": "x", "emoji": "clap", "pinned": True}) \
            .status_code == 404, url
    assert signed_in("alpha", "agnes").get(base).status_code == 200
    # Another association's member: nothing either.
    bob = signed_in("beta", "bob")
    assert bob.get(base, HTTP_HOST=world.alpha.host).status_code in (403, 404)
    with tenant_context(world.beta):
        assert not Announcement.objects.exists()


def test_news_endpoints_are_in_the_schema_without_warnings(world: World):
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(urlconf="cercle.urls_tenants").get_schema(request=None, public=True)
    paths = schema["paths"]
    assert {p for p in paths if p.startswith("/api/v1/news/")} == {
        "/api/v1/news/", "/api/v1/news/{id}/", "/api/v1/news/{id}/pin/",
        "/api/v1/news/{id}/receipts/", "/api/v1/news/{id}/acknowledge/",
        "/api/v1/news/{id}/comments/", "/api/v1/news/{id}/reactions/",
        "/api/v1/news/{id}/attachments/", "/api/v1/news/comments/{id}/",
        "/api/v1/news/attachments/{id}/",
    }
    assert set(paths["/api/v1/news/{id}/"]) == {"get", "patch", "delete"}
    assert "multipart/form-data" in paths["/api/v1/news/{id}/attachments/"]["post"][
        "requestBody"]["content"]
    ours = [
        message for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if "news" in message.lower() or "announcement" in message.lower()
        or "emoji" in message.lower()
    ]
    assert ours == []
