"""Feedback REST API: report (JSON and multipart, anonymous with its follow-up link once), my
reports, ideas, the inbox and its filters, assign, status, notes, answers, merge, support,
themes, settings, dashboard — the same permissions as the pages, 404 for what a member may not
see, and every endpoint in the OpenAPI schema without warnings."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from shared_apps.feedback import services
from shared_apps.feedback.models import FeedbackItem, ItemKind, ItemStatus, Support, Theme
from shared_apps.notifications.models import Notification

from .test_feedback import SECRET_NOTE, report, uid
from .test_news import (
    EN,
    EXE,
    PDF,
    media,  # noqa: F401 — a fixture
    uploaded_file,
)
from .world import World

pytestmark = pytest.mark.usefixtures("english")
JSON = "application/json"


def post_json(client, url: str, data: dict | None = None):  # noqa: ANN001, ANN201
    return client.post(url, json.dumps(data or {}), content_type=JSON, **EN)


def patch_json(client, url: str, data: dict):  # noqa: ANN001, ANN201
    return client.patch(url, json.dumps(data), content_type=JSON, **EN)


def test_report_and_my_reports(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        theme = services.theme_create(name="Garden")
    amir = signed_in("alpha", "amir")
    missing = post_json(amir, "/api/v1/feedback/", {
        "kind": "idea", "title": "Compost", "description": "A compost bin."})
    assert missing.status_code == 400 and missing.json() == {"theme": ["Choose a theme."]}
    created = post_json(amir, "/api/v1/feedback/", {
        "kind": "idea", "title": "Compost", "description": "A compost bin.",
        "theme": theme.pk, "place": "Garden"})
    assert created.status_code == 201
    body = created.json()
    assert body["follow_url"] is None and body["status"] == "received"
    assert body["theme"] == {"id": theme.pk, "name": "Garden", "archived": False}
    assert body["reporter"] is None  # a member does not get names, even their own here
    mine = amir.get("/api/v1/feedback/").json()
    assert mine["count"] == 1 and mine["results"][0]["title"] == "Compost"
    detail = amir.get(f"/api/v1/feedback/{body['id']}/").json()
    assert detail["answers"] == [] and detail["can_handle"] is False
    bad = post_json(amir, "/api/v1/feedback/", {
        "kind": "gossip", "title": "x", "description": "y", "theme": theme.pk})
    assert bad.status_code == 400 and "kind" in bad.json()


def test_anonymous_report_returns_its_link_once(world: World, signed_in, client_for):  # noqa: ANN001
    amir = signed_in("alpha", "amir")
    created = post_json(amir, "/api/v1/feedback/", {
        "kind": "problem", "title": "Harassment", "description": "At the desk.",
        "anonymous": True})
    assert created.status_code == 201
    body = created.json()
    assert body["is_anonymous"] and body["reporter"] is None
    assert "/feedback/follow/" in body["follow_url"]
    path = "/" + body["follow_url"].split("/", 3)[3]
    assert client_for(world.alpha).get(path).status_code == 200
    assert amir.get("/api/v1/feedback/").json()["count"] == 0
    assert amir.get(f"/api/v1/feedback/{body['id']}/").status_code == 404
    alice = signed_in("alpha", "alice")
    seen = alice.get(f"/api/v1/feedback/{body['id']}/").json()
    assert seen["reporter"] is None and seen["is_anonymous"]
    assert "follow_url" not in seen and "follow_token_hash" not in json.dumps(seen)


def test_report_with_files_multipart(world: World, signed_in, media: Path):  # noqa: ANN001, F811
    amir = signed_in("alpha", "amir")
    refused = amir.post("/api/v1/feedback/", {
        "kind": "problem", "title": "Wall", "description": "Cracked.",
        "files": [uploaded_file("crack.pdf", EXE)]}, **EN)
    assert refused.status_code == 400 and "files" in refused.json()
    with tenant_context(world.alpha):
        assert not FeedbackItem.objects.exists()
    created = amir.post("/api/v1/feedback/", {
        "kind": "problem", "title": "Wall", "description": "Cracked.",
        "files": [uploaded_file("crack.pdf", PDF)]}, **EN)
    assert created.status_code == 201
    files = created.json()["attachments"]
    assert [f["name"] for f in files] == ["crack.pdf"]
    download = amir.get(files[0]["url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"


def test_inbox_filters_and_names(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        garden = services.theme_create(name="Garden")
        hall = services.theme_create(name="Hall")
        a = report(world, "amir", theme_id=garden.pk, kind=ItemKind.IDEA, title="A").item
        b = report(world, "agnes", theme_id=hall.pk, title="B").item
        c = report(world, "sam", theme_id=hall.pk, title="C", anonymous=True).item
        services.item_assign(item=b, assignee_id=uid(world, "arthur"),
                             actor_id=uid(world, "alice"))
        services.item_set_status(item=c, status=ItemStatus.IN_PROGRESS,
                                 actor_id=uid(world, "alice"))
    arthur = signed_in("alpha", "arthur")

    def titles(query: str) -> list[str]:
        response = arthur.get(f"/api/v1/feedback/inbox/{query}")
        assert response.status_code == 200, response.content
        return [row["title"] for row in response.json()["results"]]

    assert titles("") == ["C", "B", "A"]
    assert titles(f"?theme={hall.pk}") == ["C", "B"]
    assert titles("?kind=idea") == ["A"]
    assert titles("?status=in_progress") == ["C"]
    assert titles(f"?assignee={uid(world, 'arthur')}") == ["B"]
    assert titles("?assignee=none") == ["C", "A"]
    assert arthur.get("/api/v1/feedback/inbox/?status=lost").status_code == 400
    rows = {r["title"]: r for r in arthur.get("/api/v1/feedback/inbox/").json()["results"]}
    assert rows["A"]["reporter"] == "Amir Member" and rows["C"]["reporter"] is None
    assert rows["B"]["assignee"] == "Arthur Staff"
    assert a.pk and signed_in("alpha", "amir").get("/api/v1/feedback/inbox/").status_code == 404


def test_handling_through_the_api(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        item = report(world, "amir").item
        other = report(world, "agnes").item
    alice = signed_in("alpha", "alice")
    base = f"/api/v1/feedback/{item.pk}"
    assigned = post_json(alice, f"{base}/assign/", {"assignee_id": uid(world, "arthur")})
    assert assigned.status_code == 200 and assigned.json()["assignee"] == "Arthur Staff"
    wrong = post_json(alice, f"{base}/assign/", {"assignee_id": uid(world, "amir")})
    assert wrong.status_code == 400 and "assignee" in wrong.json()
    assert post_json(alice, f"{base}/status/", {"status": "answered"}).status_code == 400
    moved = post_json(alice, f"{base}/status/", {"status": "in_progress"})
    assert moved.status_code == 200 and moved.json()["status"] == "in_progress"
    note = post_json(alice, f"{base}/notes/", {"body": SECRET_NOTE})
    assert note.status_code == 201 and note.json()["author"] == "Alice Board"
    assert [n["body"] for n in alice.get(f"{base}/notes/").json()] == [SECRET_NOTE]
    answer = post_json(alice, f"{base}/answers/", {"body": "Coming."})
    assert answer.status_code == 201
    assert alice.get(f"{base}/").json()["status"] == "answered"
    with tenant_context(world.alpha):
        assert Notification.objects.filter(user_id=uid(world, "amir"), category="feedback")
    # The reporter: answers yes, notes never.
    amir = signed_in("alpha", "amir")
    assert [a["body"] for a in amir.get(f"{base}/answers/").json()] == ["Coming."]
    assert SECRET_NOTE not in amir.get(f"{base}/").content.decode()
    for url in (f"{base}/notes/", f"{base}/assign/", f"{base}/status/"):
        assert post_json(amir, url, {"body": "x", "status": "closed",
                                     "assignee_id": None}).status_code == 404
    assert amir.get(f"{base}/notes/").status_code == 404
    merged = post_json(alice, f"/api/v1/feedback/{other.pk}/merge/", {"into": item.pk})
    assert merged.status_code == 200
    assert merged.json()["duplicate_of"] == item.pk and merged.json()["status"] == "closed"
    again = post_json(alice, f"/api/v1/feedback/{other.pk}/merge/", {"into": item.pk})
    assert again.status_code == 400 and "into" in again.json()


def test_support_through_the_api(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        idea = report(world, "amir", kind=ItemKind.IDEA, title="Library").item
    agnes = signed_in("alpha", "agnes")
    assert post_json(agnes, f"/api/v1/feedback/{idea.pk}/support/").status_code == 404
    alice = signed_in("alpha", "alice")
    assert patch_json(agnes, "/api/v1/feedback/settings/",
                      {"supports_enabled": True}).status_code == 404
    on = patch_json(alice, "/api/v1/feedback/settings/", {"supports_enabled": True})
    assert on.json() == {"supports_enabled": True, "anonymous_allowed": True}
    given = post_json(agnes, f"/api/v1/feedback/{idea.pk}/support/")
    assert given.json() == {"supported": True, "support_count": 1}
    ideas = agnes.get("/api/v1/feedback/ideas/").json()["results"]
    assert [(i["title"], i["support_count"], i["supported"], i["reporter"]) for i in ideas] == [
        ("Library", 1, True, None)]
    taken = post_json(agnes, f"/api/v1/feedback/{idea.pk}/support/")
    assert taken.json() == {"supported": False, "support_count": 0}
    with tenant_context(world.alpha):
        assert not Support.objects.exists()


def test_themes_and_dashboard_through_the_api(world: World, signed_in):  # noqa: ANN001
    alice, amir = signed_in("alpha", "alice"), signed_in("alpha", "amir")
    created = post_json(alice, "/api/v1/feedback/themes/", {"name": "Garden"})
    assert created.status_code == 201
    theme_id = created.json()["id"]
    assert post_json(alice, "/api/v1/feedback/themes/", {"name": "garden"}).status_code == 400
    assert post_json(amir, "/api/v1/feedback/themes/", {"name": "Mine"}).status_code == 404
    assert patch_json(amir, f"/api/v1/feedback/themes/{theme_id}/",
                      {"archived": True}).status_code == 404
    renamed = patch_json(alice, f"/api/v1/feedback/themes/{theme_id}/",
                         {"name": "Gardens", "archived": True})
    assert renamed.json() == {"id": theme_id, "name": "Gardens", "archived": True}
    assert amir.get("/api/v1/feedback/themes/").json() == []
    assert [t["name"] for t in alice.get("/api/v1/feedback/themes/").json()] == ["Gardens"]
    with tenant_context(world.alpha):
        Theme.objects.filter(pk=theme_id).update(archived_at=None)
        for hours in (1, 3):
            item = report(world, theme_id=theme_id).item
            created_at = timezone.now() - timedelta(days=2)
            FeedbackItem.objects.filter(pk=item.pk).update(
                created_at=created_at, first_answered_at=created_at + timedelta(hours=hours),
                status=ItemStatus.ANSWERED)
    board = signed_in("alpha", "arthur").get("/api/v1/feedback/dashboard/").json()
    assert board["median_seconds_to_answer"] == 2 * 3600
    assert board["open_total"] == 2 and board["answered_count"] == 2
    assert board["open_by_theme"] == [{"key": "Gardens", "label": "Gardens", "count": 2}]
    assert {r["key"]: r["count"] for r in board["by_status"]}["answered"] == 2
    assert amir.get("/api/v1/feedback/dashboard/").status_code == 404


def test_another_association_gets_404_through_the_api(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        item = report(world, "amir").item
    bob = signed_in("beta", "bob")
    for url in (f"/api/v1/feedback/{item.pk}/", f"/api/v1/feedback/{item.pk}/notes/",
                f"/api/v1/feedback/{item.pk}/answers/"):
        assert bob.get(url).status_code == 404, url
    assert post_json(bob, f"/api/v1/feedback/{item.pk}/status/",
                     {"status": "closed"}).status_code == 404


def test_feedback_endpoints_are_in_the_schema_without_warnings(world: World):
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(urlconf="cercle.urls_tenants").get_schema(request=None, public=True)
    paths = {p for p in schema["paths"] if p.startswith("/api/v1/feedback/")}
    assert paths == {
        "/api/v1/feedback/", "/api/v1/feedback/ideas/", "/api/v1/feedback/inbox/",
        "/api/v1/feedback/dashboard/", "/api/v1/feedback/themes/",
        "/api/v1/feedback/themes/{id}/", "/api/v1/feedback/settings/",
        "/api/v1/feedback/attachments/{id}/", "/api/v1/feedback/{id}/",
        "/api/v1/feedback/{id}/assign/", "/api/v1/feedback/{id}/status/",
        "/api/v1/feedback/{id}/notes/", "/api/v1/feedback/{id}/answers/",
        "/api/v1/feedback/{id}/merge/", "/api/v1/feedback/{id}/support/",
    }
    assert "multipart/form-data" in schema["paths"]["/api/v1/feedback/"]["post"][
        "requestBody"]["content"]
    ours = [
        message for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if "feedback" in message.lower()
    ]
    assert ours == []
