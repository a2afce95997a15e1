"""In-app notifications: the service, the list page (newest first, unread highlighted), mark
one/all read (web and API), the unread count (API and the bell in the top bar), preferences
(page and API, bad input), and visibility: a private space's notifications vanish for someone
who left it, and nothing of alpha reaches beta."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.notifications.models import Category, Notification, Preference
from shared_apps.notifications.selectors import notifications_unread_count, unread_count_forget
from shared_apps.notifications.services import notify
from shared_apps.spaces.models import Space, SpaceMembership, SpaceMembershipStatus, Visibility

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def uid(world, key: str) -> int:  # noqa: ANN001
    return world.users[key].pk


@pytest.fixture
def clean(world):  # noqa: ANN001
    """No notifications, and no unread count cached by another test (rolled-back rows)."""
    everyone = [user.pk for user in world.users.values()]
    for association in world.associations.values():
        with tenant_context(association):
            Notification.objects.all().delete()
            unread_count_forget(everyone)
    yield world
    for association in world.associations.values():
        with tenant_context(association):
            unread_count_forget(everyone)


def send(world, to: tuple[str, ...], text: str, category: str = Category.ANNOUNCEMENT,  # noqa: ANN001
         actor: str | None = "alice", space: Space | None = None,
         association: str = "alpha") -> list[Notification]:
    with tenant_context(world.associations[association]):
        return notify(
            user_ids=[uid(world, k) for k in to], category=category, text=text, url="/news/1/",
            actor_id=uid(world, actor) if actor else None, space_id=space.pk if space else None,
        )


def private_space(world, members: tuple[str, ...]) -> Space:  # noqa: ANN001
    with tenant_context(world.alpha):
        space = Space.objects.create(name="Bureau", slug="bureau", visibility=Visibility.PRIVATE)
        for key in members:
            SpaceMembership.objects.create(
                space=space, user_id=uid(world, key), status=SpaceMembershipStatus.ACTIVE
            )
        return space


def test_notify_skips_the_actor_and_duplicates(clean):  # noqa: ANN001
    created = send(clean, ("alice", "amir", "amir", "agnes"), "Hello")
    assert sorted(n.user_id for n in created) == sorted([uid(clean, "amir"), uid(clean, "agnes")])


def test_list_is_newest_first_with_unread_highlighted(clean, signed_in):  # noqa: ANN001
    old = send(clean, ("amir",), "Older news")[0]
    send(clean, ("amir",), "Newer news")
    with tenant_context(clean.alpha):
        Notification.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - timedelta(hours=2), read_at=timezone.now()
        )
    response = signed_in("alpha", "amir").get("/notifications/", **EN)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Newer news") < html.index("Older news")
    newer_row = html[html.rindex("<li", 0, html.index("Newer news")):html.index("Newer news")]
    assert 'class="list-row unread"' in newer_row and "Unread:" in newer_row
    assert html.count("list-row unread") == 1


def test_mark_one_read_on_the_web_and_open_it(clean, signed_in):  # noqa: ANN001
    notification = send(clean, ("amir",), "Read me")[0]
    client = signed_in("alpha", "amir")
    response = client.post(f"/notifications/{notification.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/news/1/"
    with tenant_context(clean.alpha):
        assert Notification.objects.get(pk=notification.pk).read_at is not None
    # htmx gets the row back, without the button.
    other = send(clean, ("amir",), "Another")[0]
    row = client.post(f"/notifications/{other.pk}/read/", HTTP_HX_REQUEST="true", **EN)
    assert row.status_code == 200 and "Mark as read" not in row.content.decode()


def test_someone_elses_notification_cannot_be_marked(clean, signed_in):  # noqa: ANN001
    notification = send(clean, ("agnes",), "Not for Amir")[0]
    client = signed_in("alpha", "amir")
    assert client.post(f"/notifications/{notification.pk}/read/").status_code == 404
    assert client.post(f"/api/v1/notifications/{notification.pk}/read/").status_code == 404
    with tenant_context(clean.alpha):
        assert Notification.objects.get(pk=notification.pk).read_at is None


def test_mark_all_read_web_and_api(clean, signed_in):  # noqa: ANN001
    send(clean, ("amir", "agnes"), "One")
    send(clean, ("amir",), "Two")
    client = signed_in("alpha", "amir")
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 2}
    assert client.post("/notifications/read-all/")["Location"] == "/notifications/"
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}
    with tenant_context(clean.alpha):
        # Agnes's copy is untouched.
        assert Notification.objects.filter(read_at__isnull=True).count() == 1
    send(clean, ("amir",), "Three")
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}


def test_api_list_and_mark_read(clean, signed_in):  # noqa: ANN001
    first = send(clean, ("amir",), "First", category=Category.MENTION)[0]
    send(clean, ("amir",), "Second")
    client = signed_in("alpha", "amir")
    body = client.get("/api/v1/notifications/").json()
    assert [r["text"] for r in body["results"]] == ["Second", "First"]
    assert body["results"][1]["category"] == "mention" and body["results"][1]["unread"] is True
    marked = client.post(f"/api/v1/notifications/{first.pk}/read/").json()
    assert marked["unread"] is False and marked["read_at"]
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}


def test_bell_shows_the_unread_count_and_links_to_the_list(clean, signed_in):  # noqa: ANN001
    client = signed_in("alpha", "amir")
    html = client.get("/me/", **EN).content.decode()
    assert 'class="bell" href="/notifications/"' in html and "data-unread" not in html
    send(clean, ("amir",), "Ping")
    send(clean, ("amir",), "Pong")
    html = client.get("/me/", **EN).content.decode()
    assert 'data-unread="2"' in html and "2 unread notifications" in html
    client.post("/notifications/read-all/")
    assert "data-unread" not in client.get("/me/", **EN).content.decode()


def test_bell_count_is_cached(clean, signed_in):  # noqa: ANN001
    send(clean, ("amir",), "Ping")
    with tenant_context(clean.alpha):
        assert notifications_unread_count(user_id=uid(clean, "amir")) == 1
        with CaptureQueriesContext(connection) as ctx:
            assert notifications_unread_count(user_id=uid(clean, "amir")) == 1
        assert len(ctx.captured_queries) == 0
    # The key carries the schema: Sam's count at beta is not alpha's.
    send(clean, ("sam",), "Alpha ping")
    with tenant_context(clean.alpha):
        assert notifications_unread_count(user_id=uid(clean, "sam")) == 1
    with tenant_context(clean.beta):
        assert notifications_unread_count(user_id=uid(clean, "sam")) == 0


def test_no_bell_for_anonymous_visitors(clean, client_for):  # noqa: ANN001
    html = client_for(clean.alpha).get("/accounts/login/", **EN).content.decode()
    assert 'class="bell"' not in html


def test_private_space_notifications_vanish_for_former_members(clean, signed_in):  # noqa: ANN001
    space = private_space(clean, members=("agnes",))
    notification = send(clean, ("agnes",), "Secret agenda", space=space)[0]
    client = signed_in("alpha", "agnes")
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}
    with tenant_context(clean.alpha):
        SpaceMembership.objects.filter(space=space).delete()
        unread_count_forget([uid(clean, "agnes")])  # the cached count lives at most a minute
    assert "Secret agenda" not in client.get("/notifications/", **EN).content.decode()
    assert client.get("/api/v1/notifications/").json()["results"] == []
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}
    assert client.post(f"/api/v1/notifications/{notification.pk}/read/").status_code == 404


def test_beta_gets_nothing_of_alpha(clean, signed_in):  # noqa: ANN001
    alpha_one = send(clean, ("sam",), "Alpha secret")[0]
    send(clean, ("sam",), "Beta hello", actor="bob", association="beta")
    sam_beta = signed_in("beta", "sam")
    assert [r["text"] for r in sam_beta.get("/api/v1/notifications/").json()["results"]] == [
        "Beta hello"
    ]
    assert "Alpha secret" not in sam_beta.get("/notifications/", **EN).content.decode()
    with tenant_context(clean.beta):
        exists_at_beta = Notification.objects.filter(pk=alpha_one.pk, text="Alpha secret").exists()
    assert not exists_at_beta


def test_list_page_queries_do_not_grow(clean, signed_in):  # noqa: ANN001
    client = signed_in("alpha", "amir")

    def count(total: int) -> int:
        with tenant_context(clean.alpha):
            Notification.objects.all().delete()
        for n in range(total):
            send(clean, ("amir",), f"N{n}")
        client.get("/notifications/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/notifications/").status_code == 200
        return len(ctx.captured_queries)

    assert count(3) == count(25)


def test_preferences_page_shows_defaults_and_saves(clean, signed_in):  # noqa: ANN001
    client = signed_in("alpha", "amir")
    page = client.get("/notifications/preferences/", **EN)
    assert page.status_code == 200
    form = page.context["form"]
    assert form["mention"].value() == "immediate" and form["activity"].value() == "weekly"
    data = {c.value: "daily" for c in Category} | {"mention": "never"}
    assert client.post("/notifications/preferences/", data)["Location"] == (
        "/notifications/preferences/"
    )
    with tenant_context(clean.alpha):
        chosen = dict(Preference.objects.filter(user_id=uid(clean, "amir")).values_list(
            "category", "channel"))
    assert chosen["mention"] == "never" and chosen["reply"] == "daily"
    bad = client.post("/notifications/preferences/", data | {"reply": "hourly"}, **EN)
    assert bad.status_code == 400
    assert "Select a valid choice" in bad.content.decode()


def test_preferences_api(clean, signed_in):  # noqa: ANN001
    client = signed_in("alpha", "amir")
    assert client.get("/api/v1/notifications/preferences/").json()["reply"] == "immediate"
    response = client.put(
        "/api/v1/notifications/preferences/", {"reply": "weekly"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["reply"] == "weekly"
    assert response.json()["mention"] == "immediate"
    bad = client.put("/api/v1/notifications/preferences/", {"reply": "hourly", "spam": "never"},
                     content_type="application/json", **EN)
    assert bad.status_code == 400
    assert bad.json()["spam"] == ["There is no such kind of notification."]
    bad = client.put("/api/v1/notifications/preferences/", {"reply": "hourly"},
                     content_type="application/json", **EN)
    assert bad.status_code == 400 and "reply" in bad.json()
    assert client.get("/api/v1/notifications/preferences/").json()["reply"] == "weekly"


def test_api_requires_a_member(clean, client_for, signed_in):  # noqa: ANN001
    anonymous = client_for(clean.alpha)
    for path in ("/api/v1/notifications/", "/api/v1/notifications/unread-count/",
                 "/api/v1/notifications/preferences/"):
        assert anonymous.get(path).status_code in (401, 403)
    assert anonymous.get("/notifications/")["Location"].startswith("/accounts/login/")


def test_openapi_schema_has_the_notification_endpoints(clean, signed_in):  # noqa: ANN001
    response = signed_in("alpha", "amir").get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/feed/", "/api/v1/notifications/", "/api/v1/notifications/{id}/read/",
                 "/api/v1/notifications/unread-count/", "/api/v1/notifications/preferences/"):
        assert path in paths, path


def test_each_member_reads_a_notification_in_their_own_language(world, signed_in):  # noqa: ANN001
    """Written once, read by people who speak different languages: each gets it in their
    account's language, else the association's — not in the language of whoever acted."""
    from tenants.accounts.models import User

    User.objects.filter(pk=uid(world, "amir")).update(language="en")
    User.objects.filter(pk=uid(world, "agnes")).update(language="")  # none chosen: alpha's
    from shared_apps.spaces.selectors import space_default

    with tenant_context(world.alpha):
        everyone = space_default().pk
    # Alice publishes from an English browser.
    response = signed_in("alpha", "alice").post("/news/new/", {
        "title": "Assemblée générale", "body": "Le 12 mars.", "space": everyone,
    }, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    with tenant_context(world.alpha):
        texts = dict(Notification.objects.filter(category=Category.ANNOUNCEMENT)
                     .values_list("user_id", "text"))
    assert texts[uid(world, "amir")] == "Assemblée générale — new announcement"
    assert texts[uid(world, "agnes")] == "Assemblée générale — nouvelle annonce"
