"""Polls REST API: list, create, detail, edit, delete, vote (named, anonymous, date), close,
results, date poll → event — the same permissions as the pages, 404 for what a member may not
see, and the endpoints in the OpenAPI schema without warnings."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from shared_apps.polls.models import Ballot, Poll
from shared_apps.spaces.models import Visibility

from .test_polls import EN, ask, date_poll, make_space, option_ids
from .world import World

pytestmark = pytest.mark.usefixtures("english")
JSON = "application/json"


def post_json(client, url: str, data: dict):  # noqa: ANN001, ANN201
    return client.post(url, json.dumps(data), content_type=JSON, **EN)


def patch_json(client, url: str, data: dict):  # noqa: ANN001, ANN201
    return client.patch(url, json.dumps(data), content_type=JSON, **EN)


def test_create_vote_results_close_delete(world: World, signed_in):  # noqa: ANN001
    alice, amir = signed_in("alpha", "alice"), signed_in("alpha", "amir")
    refused = post_json(alice, "/api/v1/polls/", {"kind": "multiple", "question": "Q",
                                                  "options": ["a", "b"], "min_choices": 3,
                                                  "max_choices": 2})
    assert refused.status_code == 400 and "max_choices" in refused.json()
    created = post_json(alice, "/api/v1/polls/", {
        "kind": "multiple", "question": "Which tasks?", "options": ["Cook", "Clean", "Sing"],
        "min_choices": 1, "max_choices": 2, "results_visibility": "after_vote",
    })
    assert created.status_code == 201, created.content
    poll = created.json()
    cook, clean, sing = (o["id"] for o in poll["options"])
    assert post_json(amir, "/api/v1/polls/", {"kind": "single", "question": "Q",
                                              "options": ["a", "b"]}).status_code == 404
    assert amir.get(f"/api/v1/polls/{poll['id']}/results/").status_code == 404  # not voted
    too_many = post_json(amir, f"/api/v1/polls/{poll['id']}/vote/",
                         {"choices": [cook, clean, sing]})
    assert too_many.status_code == 400
    assert too_many.json() == {"choices": ["Choose between 1 and 2 options."]}
    vote = post_json(amir, f"/api/v1/polls/{poll['id']}/vote/", {"choices": [cook, sing]})
    assert vote.json() == {"changed": False, "receipt": None}
    detail = amir.get(f"/api/v1/polls/{poll['id']}/").json()
    assert detail["my_choices"] == [cook, sing] and detail["has_voted"] is True
    assert detail["can_manage"] is False and detail["can_vote"] is True
    results = amir.get(f"/api/v1/polls/{poll['id']}/results/").json()
    assert results["counting_method"] == "plurality" and results["voter_count"] == 1
    assert [(o["label"], o["votes"]) for o in results["options"]] == [
        ("Cook", 1), ("Clean", 0), ("Sing", 1)]
    listing = amir.get("/api/v1/polls/").json()
    assert [r["question"] for r in listing["results"]] == ["Which tasks?"]
    assert listing["results"][0]["has_voted"] is True
    assert patch_json(amir, f"/api/v1/polls/{poll['id']}/", {"question": "X"}).status_code == 404
    edited = patch_json(alice, f"/api/v1/polls/{poll['id']}/", {"question": "Which jobs?"})
    assert edited.json()["question"] == "Which jobs?"
    locked = patch_json(alice, f"/api/v1/polls/{poll['id']}/", {"options": ["x", "y"]})
    assert locked.status_code == 400
    assert post_json(amir, f"/api/v1/polls/{poll['id']}/close/", {}).status_code == 404
    closed = post_json(alice, f"/api/v1/polls/{poll['id']}/close/", {})
    assert closed.json()["is_closed"] is True
    assert amir.get("/api/v1/polls/?state=closed").json()["count"] == 1
    late = post_json(amir, f"/api/v1/polls/{poll['id']}/vote/", {"choices": [clean]})
    assert late.status_code == 400 and "closed" in late.content.decode()
    assert amir.delete(f"/api/v1/polls/{poll['id']}/").status_code == 404
    assert alice.delete(f"/api/v1/polls/{poll['id']}/").status_code == 204
    with tenant_context(world.alpha):
        assert not Poll.objects.exists()


def test_anonymous_vote_and_ranked_results_through_the_api(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        poll = ask(world, kind="ranked", options=["A", "B", "C"], anonymous=True)
        a, b, c = option_ids(poll)
    amir = signed_in("alpha", "amir")
    url = f"/api/v1/polls/{poll.pk}/vote/"
    first = post_json(amir, url, {"choices": [c, b]}).json()
    assert first["receipt"] and first["changed"] is False
    assert post_json(amir, url, {"choices": [a]}).status_code == 400
    second = post_json(amir, url, {"choices": [b], "receipt": first["receipt"]}).json()
    assert second["changed"] is True
    assert amir.get(f"/api/v1/polls/{poll.pk}/").json()["my_choices"] is None
    post_json(signed_in("alpha", "sam"), url, {"choices": [a, b]})
    post_json(signed_in("alpha", "agnes"), url, {"choices": [c, b]})
    results = amir.get(f"/api/v1/polls/{poll.pk}/results/").json()
    assert results["counting_method"] == "instant_runoff"
    # Round 1: A1 B1 C1 — all level, never differed: a three-way tie.
    assert results["rounds"][0]["counts"] == {str(a): 1, str(b): 1, str(c): 1}
    assert sorted(results["winners"]) == sorted([a, b, c])
    with tenant_context(world.alpha):
        assert not Ballot.objects.filter(user__isnull=False).exists()


def test_date_poll_through_the_api_and_event(world: World, signed_in):  # noqa: ANN001
    alice, amir = signed_in("alpha", "alice"), signed_in("alpha", "amir")
    start = (timezone.now() + timedelta(days=7)).replace(microsecond=0)
    created = post_json(alice, "/api/v1/polls/", {
        "kind": "date", "question": "Picnic day?",
        "slots": [{"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2))
                   .isoformat()},
                  {"starts_at": (start + timedelta(days=1)).isoformat(),
                   "ends_at": (start + timedelta(days=1, hours=2)).isoformat()}],
    })
    assert created.status_code == 201, created.content
    poll = created.json()
    first, second = (o["id"] for o in poll["options"])
    bad = post_json(amir, f"/api/v1/polls/{poll['id']}/vote/", {"answers": {str(first): "?"}})
    assert bad.status_code == 400
    post_json(amir, f"/api/v1/polls/{poll['id']}/vote/",
              {"answers": {str(first): "maybe", str(second): "yes"}})
    results = amir.get(f"/api/v1/polls/{poll['id']}/results/").json()
    assert results["counting_method"] == "date_slots" and results["winners"] == [second]
    assert amir.get(f"/api/v1/polls/{poll['id']}/").json()["my_answers"] == {
        str(first): "maybe", str(second): "yes"}
    assert post_json(amir, f"/api/v1/polls/{poll['id']}/event/", {}).status_code == 404
    made = post_json(alice, f"/api/v1/polls/{poll['id']}/event/", {})
    assert made.status_code == 201
    assert alice.get(f"/api/v1/polls/{poll['id']}/").json()["event_id"] == made.json()[
        "event_id"]


def test_private_space_and_other_association(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        secret = make_space(world, "secret", Visibility.PRIVATE, ["agnes"], ["agnes"])
        hidden = date_poll(world, "agnes", secret)
    sam = signed_in("alpha", "sam")
    assert sam.get("/api/v1/polls/?space=secret").status_code == 404
    assert post_json(sam, f"/api/v1/polls/{hidden.pk}/vote/", {"answers": {}}).status_code == 404
    assert post_json(sam, "/api/v1/polls/", {"space": "secret", "kind": "single",
                                             "question": "Q", "options": ["a", "b"]}
                     ).status_code == 400
    assert signed_in("alpha", "agnes").get(f"/api/v1/polls/{hidden.pk}/").status_code == 200
    bob = signed_in("beta", "bob")
    assert bob.get(f"/api/v1/polls/{hidden.pk}/", HTTP_HOST=world.alpha.host).status_code in (
        403, 404)


def test_polls_endpoints_are_in_the_schema_without_warnings(world: World):
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(urlconf="cercle.urls_tenants").get_schema(request=None, public=True)
    paths = schema["paths"]
    assert {p for p in paths if p.startswith("/api/v1/polls/")} == {
        "/api/v1/polls/", "/api/v1/polls/{id}/", "/api/v1/polls/{id}/vote/",
        "/api/v1/polls/{id}/close/", "/api/v1/polls/{id}/results/", "/api/v1/polls/{id}/event/",
    }
    assert set(paths["/api/v1/polls/{id}/"]) == {"get", "patch", "delete"}
    ours = [
        message for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if "poll" in message.lower()
    ]
    assert ours == []
