"""The activity feed (workspace home and GET /api/v1/feed/): only what the member may read
(private spaces never shown to non-members, nothing of another association), pinned first,
unread markers since the previous visit, cursor pagination (htmx "load more"), and a constant
number of queries per page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.notifications.models import Activity, FeedState
from shared_apps.notifications.selectors import feed_page
from shared_apps.notifications.services import activity_record, feed_visit
from shared_apps.spaces.models import Space, SpaceMembership, SpaceMembershipStatus, Visibility

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def uid(world, key: str) -> int:  # noqa: ANN001
    return world.users[key].pk


def space_with(world, slug: str, visibility: str, members: tuple[str, ...] = (),  # noqa: ANN001
               association: str = "alpha") -> Space:
    with tenant_context(world.associations[association]):
        space = Space.objects.create(name=slug.title(), slug=slug, visibility=visibility)
        for key in members:
            SpaceMembership.objects.create(
                space=space, user_id=uid(world, key), status=SpaceMembershipStatus.ACTIVE
            )
        return space


def record(world, summary: str, space: Space | None = None, actor: str = "alice",  # noqa: ANN001
           pinned: bool = False, association: str = "alpha", ago: int = 0) -> Activity:
    with tenant_context(world.associations[association]):
        activity = activity_record(
            verb="news.published", target_type="news.announcement", target_id=1,
            summary=summary, url="/news/1/", actor_id=uid(world, actor),
            space_id=space.pk if space else None, pinned=pinned,
        )
        if ago:
            Activity.objects.filter(pk=activity.pk).update(
                created_at=timezone.now() - timedelta(minutes=ago)
            )
        return activity


@pytest.fixture
def clean(world):  # noqa: ANN001
    for association in world.associations.values():
        with tenant_context(association):
            Activity.objects.all().delete()
            FeedState.objects.all().delete()
    return world


def summaries(client, path: str = "/api/v1/feed/") -> list[str]:  # noqa: ANN001
    response = client.get(path)
    assert response.status_code == 200
    return [item["summary"] for item in response.json()["results"]]


def test_private_space_activity_is_shown_only_to_its_members(clean, signed_in):  # noqa: ANN001
    world = clean
    secret = space_with(world, "bureau-secret", Visibility.PRIVATE, members=("alice", "agnes"))
    closed = space_with(world, "sur-demande", Visibility.ON_REQUEST, members=("agnes",))
    open_space = space_with(world, "ouvert", Visibility.OPEN)
    record(world, "Everyone hears this")
    record(world, "Budget draft", space=secret)
    record(world, "Request-only minutes", space=closed)
    record(world, "Open picnic", space=open_space)

    assert set(summaries(signed_in("alpha", "agnes"))) == {
        "Everyone hears this", "Budget draft", "Request-only minutes", "Open picnic"
    }
    amir = signed_in("alpha", "amir")
    assert set(summaries(amir)) == {"Everyone hears this", "Open picnic"}
    page = amir.get("/", **EN).content.decode()
    assert "Open picnic" in page and "Budget draft" not in page
    assert "Request-only minutes" not in page and "Bureau-Secret" not in page

    # Leaving the private space hides its activity at once, including what was there before.
    with tenant_context(world.alpha):
        SpaceMembership.objects.filter(space=secret, user_id=uid(world, "agnes")).delete()
    assert "Budget draft" not in summaries(signed_in("alpha", "agnes"))


def test_beta_sees_nothing_of_alpha(clean, signed_in):  # noqa: ANN001
    world = clean
    record(world, "Alpha only news")
    record(world, "Beta news", actor="bob", association="beta")
    assert summaries(signed_in("beta", "bella")) == ["Beta news"]
    # Sam belongs to both: each workspace shows its own.
    assert summaries(signed_in("alpha", "sam")) == ["Alpha only news"]
    assert summaries(signed_in("beta", "sam")) == ["Beta news"]
    assert "Alpha only news" not in signed_in("beta", "bob").get("/", **EN).content.decode()


def test_pinned_entries_come_first_then_newest(clean, signed_in):  # noqa: ANN001
    world = clean
    record(world, "Old pinned notice", pinned=True, ago=300)
    record(world, "Recent chatter", ago=1)
    record(world, "Older chatter", ago=60)
    assert summaries(signed_in("alpha", "amir")) == [
        "Old pinned notice", "Recent chatter", "Older chatter"
    ]
    html = signed_in("alpha", "amir").get("/", **EN).content.decode()
    assert html.index("Old pinned notice") < html.index("Recent chatter")
    assert "Pinned" in html


def test_unread_markers_follow_the_previous_visit(clean, signed_in):  # noqa: ANN001
    world = clean
    record(world, "Seen before", ago=30)
    amir = signed_in("alpha", "amir")
    first = amir.get("/", **EN)
    assert first.status_code == 200
    # First visit: no previous visit, nothing is marked new.
    assert first.context["feed"].items[0].is_unread is False
    with tenant_context(world.alpha):
        FeedState.objects.filter(user_id=uid(world, "amir")).update(
            seen_at=timezone.now() - timedelta(minutes=10)
        )
    record(world, "Fresh news", actor="alice")
    record(world, "My own post", actor="amir")
    feed = {i.summary: i.is_unread for i in amir.get("/", **EN).context["feed"].items}
    assert feed == {"Fresh news": True, "My own post": False, "Seen before": False}
    api = {i["summary"]: i["unread"] for i in amir.get("/api/v1/feed/").json()["results"]}
    assert api["Seen before"] is False
    # The visit was recorded: reloading shows nothing new any more.
    again = amir.get("/", **EN).context["feed"].items
    assert not any(item.is_unread for item in again)


def test_unread_markers_survive_load_more(clean, world):  # noqa: ANN001
    with tenant_context(clean.alpha):
        FeedState.objects.create(user_id=uid(clean, "amir"),
                                 seen_at=timezone.now() - timedelta(hours=1))
        previous = feed_visit(user_id=uid(clean, "amir"))
        state = FeedState.objects.get(user_id=uid(clean, "amir"))
        assert state.marker_at == previous and state.seen_at > previous


def test_pages_follow_each_other_without_gaps_or_repeats(clean, signed_in):  # noqa: ANN001
    world = clean
    for n in range(45):
        record(world, f"Item {n:02d}", pinned=n in (3, 40), ago=n)
    client = signed_in("alpha", "amir")
    seen: list[str] = []
    cursor = ""
    while True:
        body = client.get(f"/api/v1/feed/?cursor={cursor}").json()
        seen += [item["summary"] for item in body["results"]]
        if not body["next_cursor"]:
            break
        cursor = body["next_cursor"]
    assert len(seen) == 45 and len(set(seen)) == 45
    assert seen[:2] == ["Item 03", "Item 40"]
    assert seen[2:] == [f"Item {n:02d}" for n in range(45) if n not in (3, 40)]


def test_same_time_entries_are_not_lost_between_pages(clean, world):  # noqa: ANN001
    with tenant_context(clean.alpha):
        when = timezone.now()
        Activity.objects.bulk_create([
            Activity(verb="x", target_type="x", target_id=n, summary=f"Tie {n}", url="/",
                     created_at=when) for n in range(7)
        ])
        first = feed_page(user_id=uid(clean, "amir"), limit=3)
        second = feed_page(user_id=uid(clean, "amir"), cursor=first.next_cursor, limit=3)
        third = feed_page(user_id=uid(clean, "amir"), cursor=second.next_cursor, limit=3)
    ids = [a.pk for page in (first, second, third) for a in page.items]
    assert len(ids) == 7 == len(set(ids)) and third.next_cursor is None


def test_load_more_with_and_without_javascript(clean, signed_in):  # noqa: ANN001
    world = clean
    for n in range(25):
        record(world, f"Entry {n:02d}", ago=n)
    client = signed_in("alpha", "amir")
    html = client.get("/", **EN).content.decode()
    assert "Entry 19" in html and "Entry 20" not in html and "Load more" in html
    cursor = client.get("/", **EN).context["feed"].next_cursor
    # htmx asks for the rows only…
    partial = client.get(f"/?cursor={cursor}", HTTP_HX_REQUEST="true", **EN)
    assert "<html" not in partial.content.decode() and "Entry 24" in partial.content.decode()
    # …a browser without JavaScript follows the link to a full page.
    full = client.get(f"/?cursor={cursor}", **EN).content.decode()
    assert "<html" in full and "Entry 20" in full and "Entry 19" not in full


def test_bad_cursor_is_refused_clearly(clean, signed_in):  # noqa: ANN001
    client = signed_in("alpha", "amir")
    response = client.get("/api/v1/feed/?cursor=garbage", **EN)
    assert response.status_code == 400
    assert response.json() == {"cursor": ["This cursor is not valid."]}
    assert client.get("/?cursor=1-x-3", **EN)["Location"] == "/"


def test_feed_requires_membership(clean, client_for, signed_in):  # noqa: ANN001
    assert client_for(clean.alpha).get("/api/v1/feed/").status_code in (401, 403)
    bob = signed_in("beta", "bob")
    assert bob.get("/api/v1/feed/", HTTP_HOST=clean.alpha.host).status_code in (401, 403)


@pytest.mark.parametrize("path", ["/", "/api/v1/feed/"])
def test_constant_number_of_queries_per_page(clean, signed_in, path: str):  # noqa: ANN001
    world = clean
    secret = space_with(world, "prive", Visibility.PRIVATE, members=("amir",))
    client = signed_in("alpha", "amir")

    def count(total: int) -> int:
        with tenant_context(world.alpha):
            Activity.objects.all().delete()
        for n in range(total):
            record(world, f"Q{n}", space=secret if n % 2 else None,
                   actor=("alice", "arthur", "agnes")[n % 3], pinned=n == 2)
        client.get(path)  # warm (session, routing cache)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    few, many = count(5), count(50)
    assert few == many, f"{few} queries for 5 activities, {many} for 50"
