"""Field feedback: reporting (named and anonymous), the anonymity of anonymous items in the data,
themes and settings, the inbox's actions (assign, status transitions, internal notes, answers,
merge), supports on and off, the dashboard's figures (median computed in SQL), uploads checked
by content, the permission table, search entries, pages, and isolation between associations."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.feedback import policy, services
from shared_apps.feedback.models import (
    Answer,
    Attachment,
    FeedbackItem,
    InternalNote,
    ItemKind,
    ItemStatus,
    Support,
    Theme,
)
from shared_apps.feedback.selectors import dashboard, feedback_settings, items_readable
from shared_apps.members.models import Membership
from shared_apps.notifications.models import Activity, Notification
from shared_apps.search.models import SearchEntry

from .test_news import (
    EXE,
    PDF,
    media,  # noqa: F401 — a fixture
    png_bytes,
    upload,
    uploaded_file,
)
from .world import World

pytestmark = pytest.mark.usefixtures("english")

ALPHA_KEYS = ["alice", "arthur", "agnes", "amir"]
SECRET_NOTE = "Zanzibar-internal-remark"


def uid(world: World, key: str) -> int:
    return world.users[key].pk


def membership(world: World, key: str) -> Membership:
    return Membership.objects.get(user_id=uid(world, key))


def report(world: World, key: str = "amir", **kwargs: object) -> services.Reported:
    defaults = {"kind": ItemKind.PROBLEM, "title": "Leaking tap",
                "description": "The tap in the hall leaks.", "place": "Main hall"}
    return services.item_report(reporter_id=uid(world, key), **{**defaults, **kwargs})


def entry_of(item: FeedbackItem) -> SearchEntry | None:
    return SearchEntry.objects.filter(kind="feedback", object_id=item.pk).first()


def supports_on(on: bool = True) -> None:
    services.settings_update(supports_enabled=on)


# --- The permission table ----------------------------------------------------------------------

ACTIONS = {
    # action: roles of alpha's people allowed (alice board, arthur staff, agnes volunteer, amir)
    "feedback.report": {"alice", "arthur", "agnes", "amir"},
    "feedback.support": {"alice", "arthur", "agnes", "amir"},
    "feedback.handle": {"alice", "arthur"},
    "feedback.dashboard": {"alice", "arthur"},
    "feedback.configure": {"alice"},
}


@pytest.mark.parametrize("key", ALPHA_KEYS)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_role_action_table(world: World, key: str, action: str):
    from shared_apps.members.policy import can

    with tenant_context(world.alpha):
        assert can(membership(world, key), action) is (key in ACTIONS[action])


PAGES = {
    # page: who gets 200 (the others 404)
    "/feedback/": {"alice", "arthur", "agnes", "amir"},
    "/feedback/new/": {"alice", "arthur", "agnes", "amir"},
    "/feedback/inbox/": {"alice", "arthur"},
    "/feedback/dashboard/": {"alice", "arthur"},
    "/feedback/themes/": {"alice"},
    "/feedback/settings/": {"alice"},
    "/api/v1/feedback/inbox/": {"alice", "arthur"},
    "/api/v1/feedback/dashboard/": {"alice", "arthur"},
}


@pytest.mark.parametrize("key", ALPHA_KEYS)
def test_pages_by_role(world: World, signed_in, key: str):  # noqa: ANN001
    client = signed_in("alpha", key)
    for url, allowed in PAGES.items():
        expected = 200 if key in allowed else 404
        assert client.get(url).status_code == expected, (key, url)


@pytest.mark.parametrize(
    ("key", "inbox_action_ok"),
    [("alice", True), ("arthur", True), ("agnes", False), ("amir", False)],
)
def test_inbox_actions_by_role(world: World, signed_in, key: str, inbox_action_ok: bool):  # noqa: ANN001
    with tenant_context(world.alpha):
        item = report(world, "sam").item
    client = signed_in("alpha", key)
    posts = {
        f"/feedback/{item.pk}/status/": {"status": "in_progress"},
        f"/feedback/{item.pk}/notes/": {"note-body": "A note"},
        f"/feedback/{item.pk}/assign/": {"assignee": str(uid(world, "arthur"))},
        f"/feedback/{item.pk}/answer/": {"answer-body": "Thanks"},
    }
    for url, data in posts.items():
        response = client.post(url, data)
        assert response.status_code == (302 if inbox_action_ok else 404), (key, url)
    with tenant_context(world.alpha):
        item.refresh_from_db()
        changed = item.assignee_id is not None and InternalNote.objects.exists()
        assert changed is inbox_action_ok
        assert Answer.objects.filter(item=item).exists() is inbox_action_ok


# --- Reporting ---------------------------------------------------------------------------------


def test_a_named_report_is_stored_indexed_and_tells_the_board(world: World):
    with tenant_context(world.alpha):
        reported = report(world, "amir")
        item = reported.item
        assert reported.follow_token is None
        assert item.reporter_id == uid(world, "amir") and not item.is_anonymous
        assert item.status == ItemStatus.RECEIVED
        entry = entry_of(item)
        assert entry.roles == ["board", "staff"] and entry.user_ids == [uid(world, "amir")]
        assert entry.space_id is None and entry.url == f"/feedback/{item.pk}/"
        notified = Notification.objects.filter(category="feedback")
        assert set(notified.values_list("user_id", flat=True)) == {uid(world, "alice")}
        assert notified.get().actor_id == uid(world, "amir")
        # Not in the association's activity feed: reports are not for everyone.
        assert not Activity.objects.filter(target_id=item.pk, target_type__startswith="feedback")


def test_bad_input_is_refused_and_nothing_is_made(world: World):
    with tenant_context(world.alpha):
        garden = services.theme_create(name="Garden")
        cases = [
            ({"kind": "rumour"}, "kind"),
            ({"title": "  "}, "title"),
            ({"description": ""}, "description"),
            ({"title": "x" * 201}, "title"),
            ({"theme_id": None}, "theme"),  # themes exist: one must be chosen
            ({"theme_id": 999_999}, "theme"),
        ]
        for kwargs, field in cases:
            with pytest.raises(ValidationError) as caught:
                report(world, **{"theme_id": garden.pk, **kwargs})
            assert field in caught.value.message_dict, kwargs
        services.theme_archive(theme=garden, archived=True)
        with pytest.raises(ValidationError) as caught:
            report(world, theme_id=garden.pk)
        assert "theme" in caught.value.message_dict
        assert not FeedbackItem.objects.exists() and not SearchEntry.objects.filter(
            kind="feedback").exists()
        # No active theme left: the theme is optional again.
        assert report(world).item.theme is None


def test_anonymous_reports_can_be_refused_by_the_board(world: World):
    with tenant_context(world.alpha):
        services.settings_update(anonymous_allowed=False)
        with pytest.raises(ValidationError) as caught:
            report(world, anonymous=True)
        assert caught.value.message_dict["anonymous"] == [
            "The association does not accept anonymous reports."]
        assert not FeedbackItem.objects.exists()


# --- Anonymity in the data ---------------------------------------------------------------------


def _user_columns() -> list[tuple[type, str]]:
    """Every column of the feedback tables that points at an account."""
    from django.apps import apps
    from django.conf import settings

    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    return [
        (model, field.attname)
        for model in apps.get_app_config("feedback").get_models()
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is user_model
    ]


def test_an_anonymous_report_links_to_its_reporter_nowhere(world: World, media: Path):  # noqa: F811
    with tenant_context(world.alpha):
        supports_on()
        amir = uid(world, "amir")
        reported = report(world, "amir", anonymous=True, kind=ItemKind.IDEA,
                          uploads=[upload("photo.png", png_bytes())])
        item, token = reported.item, reported.follow_token
        # Answered, noted, supported and assigned: still nothing names the reporter.
        services.answer_create(item=item, author_id=uid(world, "alice"), body="We will see.")
        services.note_add(item=item, author_id=uid(world, "arthur"), body="Probably Amir?")
        services.item_assign(item=item, assignee_id=uid(world, "arthur"),
                             actor_id=uid(world, "alice"))
        services.support_toggle(item=item, user_id=uid(world, "agnes"))
        assert token and len(token) >= 40
        row = FeedbackItem.objects.filter(pk=item.pk).values().get()
        assert row["reporter_id"] is None and row["is_anonymous"] is True
        # The token is not stored, only its hash.
        assert token not in str(row)
        assert row["follow_token_hash"] == hashlib.sha256(token.encode()).hexdigest()
        # Every account column of every feedback table: the reporter appears in none.
        columns = _user_columns()
        assert {(m.__name__, c) for m, c in columns} >= {
            ("FeedbackItem", "reporter_id"), ("Answer", "author_id")}
        assert "Attachment" not in {m.__name__ for m, _c in columns}
        for model, column in columns:
            assert not model.objects.filter(**{column: amir}).exists(), (model, column)
        assert Attachment.objects.filter(item=item).count() == 1
        # Nor the search entry, the notifications or the activity feed.
        assert entry_of(item).user_ids == []
        assert not Notification.objects.filter(actor_id=amir).exists()
        assert not Notification.objects.filter(user_id=amir).exists()
        assert not Activity.objects.filter(actor_id=amir).exists()
        # The raw row holds neither the account's id as a reporter nor its email or name.
        with connection.cursor() as cursor:
            cursor.execute("SELECT row_to_json(t)::text FROM feedback_feedbackitem t "
                           "WHERE id = %s", [item.pk])
            raw = cursor.fetchone()[0]
        assert "amir@world.test" not in raw and "Amir" not in raw
        # Not among Amir's reports, and the item is closed to him as a reporter.
        assert item.pk not in set(
            FeedbackItem.objects.filter(reporter_id=amir).values_list("pk", flat=True))
        assert not policy.is_reporter(membership(world, "amir"), item)


def test_the_follow_up_link_shows_status_and_answers_without_names(world: World, client_for):  # noqa: ANN001
    with tenant_context(world.alpha):
        reported = report(world, "amir", anonymous=True, title="Broken lock")
        item = reported.item
        services.note_add(item=item, author_id=uid(world, "alice"), body=SECRET_NOTE)
        services.answer_create(item=item, author_id=uid(world, "alice"), body="Fixed on Monday.")
    client = client_for(world.alpha)  # no sign-in needed: the token is the key
    page = client.get(f"/feedback/follow/{reported.follow_token}/")
    text = page.content.decode()
    assert page.status_code == 200 and page["Referrer-Policy"] == "no-referrer"
    assert "Broken lock" in text and "Fixed on Monday." in text and "Answered" in text
    assert SECRET_NOTE not in text and "Alice Board" not in text
    assert client.get("/feedback/follow/not-the-token/").status_code == 404
    # Another association does not know the token.
    assert client_for(world.beta).get(
        f"/feedback/follow/{reported.follow_token}/").status_code == 404
    # A named item has no follow-up link.
    with tenant_context(world.alpha):
        assert report(world, "amir").follow_token is None


def test_the_board_sees_names_of_named_reports_only(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        named = report(world, "amir", title="Named one").item
        anonymous = report(world, "agnes", title="Hidden one", anonymous=True).item
    alice = signed_in("alpha", "alice")
    inbox = alice.get("/feedback/inbox/").content.decode()
    assert "Named one" in inbox and "Hidden one" in inbox and "Amir Member" in inbox
    assert "Agnès Volunteer" not in inbox and "Agn\\u00e8s" not in inbox
    page = alice.get(f"/feedback/{anonymous.pk}/").content.decode()
    assert "Anonymous report" in page and "Agnès" not in page
    assert "Reported by Amir Member" in alice.get(f"/feedback/{named.pk}/").content.decode()


# --- Themes and settings -----------------------------------------------------------------------


def test_themes_create_rename_archive(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        garden = services.theme_create(name="Garden")
        with pytest.raises(ValidationError) as caught:
            services.theme_create(name=" garden ")
        assert caught.value.message_dict["name"] == ["A theme with this name already exists."]
        services.theme_create(name="Hall")
        services.theme_rename(theme=garden, name="Gardens")
        with pytest.raises(ValidationError):
            services.theme_rename(theme=garden, name="HALL")
        services.theme_archive(theme=garden, archived=True)
        assert Theme.objects.get(pk=garden.pk).name == "Gardens"
    amir = signed_in("alpha", "amir")
    form = amir.get("/feedback/new/").content.decode()
    assert "Hall" in form and "Gardens" not in form
    alice = signed_in("alpha", "alice")
    assert alice.post("/feedback/themes/", {"name": "Kitchen"}).status_code == 302
    response = alice.post(f"/feedback/themes/{garden.pk}/", {"archive": "0"})
    assert response.status_code == 302
    with tenant_context(world.alpha):
        assert Theme.objects.get(pk=garden.pk).archived_at is None
        assert Theme.objects.filter(name="Kitchen").exists()
    # Members cannot manage themes.
    assert amir.post("/feedback/themes/", {"name": "Mine"}).status_code == 404
    assert amir.post(f"/feedback/themes/{garden.pk}/", {"name": "Taken"}).status_code == 404


# --- Status, assignment, answers, notes --------------------------------------------------------

MOVES = [
    (ItemStatus.RECEIVED, ItemStatus.IN_PROGRESS, True),
    (ItemStatus.RECEIVED, ItemStatus.CLOSED, True),
    (ItemStatus.RECEIVED, ItemStatus.ANSWERED, False),  # answering does that
    (ItemStatus.IN_PROGRESS, ItemStatus.RECEIVED, False),
    (ItemStatus.IN_PROGRESS, ItemStatus.CLOSED, True),
    (ItemStatus.ANSWERED, ItemStatus.RECEIVED, False),
    (ItemStatus.ANSWERED, ItemStatus.IN_PROGRESS, True),
    (ItemStatus.ANSWERED, ItemStatus.CLOSED, True),
    (ItemStatus.CLOSED, ItemStatus.IN_PROGRESS, True),
    (ItemStatus.CLOSED, ItemStatus.ANSWERED, False),
    (ItemStatus.CLOSED, ItemStatus.RECEIVED, False),
]


@pytest.mark.parametrize(("start", "target", "allowed"), MOVES)
def test_status_transitions(world: World, start: str, target: str, allowed: bool):
    with tenant_context(world.alpha):
        item = report(world).item
        FeedbackItem.objects.filter(pk=item.pk).update(status=start)
        item.refresh_from_db()
        if allowed:
            services.item_set_status(item=item, status=target, actor_id=uid(world, "alice"))
            item.refresh_from_db()
            assert item.status == target
            assert (item.closed_at is not None) is (target == ItemStatus.CLOSED)
        else:
            with pytest.raises(ValidationError) as caught:
                services.item_set_status(item=item, status=target, actor_id=uid(world, "alice"))
            assert "status" in caught.value.message_dict
            item.refresh_from_db()
            assert item.status == start


def test_in_progress_to_answered_needs_an_answer(world: World):
    with tenant_context(world.alpha):
        item = report(world).item
        alice = uid(world, "alice")
        services.item_set_status(item=item, status=ItemStatus.IN_PROGRESS, actor_id=alice)
        with pytest.raises(ValidationError):
            services.item_set_status(item=item, status=ItemStatus.ANSWERED, actor_id=alice)
        with pytest.raises(ValidationError):
            services.item_set_status(item=item, status="lost", actor_id=alice)


def test_assign_to_board_or_staff_only_and_tell_them(world: World):
    with tenant_context(world.alpha):
        item = report(world).item
        alice = uid(world, "alice")
        with pytest.raises(ValidationError) as caught:
            services.item_assign(item=item, assignee_id=uid(world, "agnes"), actor_id=alice)
        assert "assignee" in caught.value.message_dict
        services.item_assign(item=item, assignee_id=uid(world, "arthur"), actor_id=alice)
        assert FeedbackItem.objects.get(pk=item.pk).assignee_id == uid(world, "arthur")
        told = Notification.objects.get(user_id=uid(world, "arthur"))
        assert told.category == "feedback" and told.url == f"/feedback/{item.pk}/"
        services.item_assign(item=item, assignee_id=None, actor_id=alice)
        assert FeedbackItem.objects.get(pk=item.pk).assignee_id is None


def test_an_answer_notifies_the_reporter_and_marks_the_item_answered(world: World):
    with tenant_context(world.alpha):
        item = report(world, "amir").item
        before = timezone.now()
        services.answer_create(item=item, author_id=uid(world, "arthur"), body="On it.")
        item.refresh_from_db()
        assert item.status == ItemStatus.ANSWERED and item.first_answered_at >= before
        first = item.first_answered_at
        told = Notification.objects.get(user_id=uid(world, "amir"))
        assert told.category == "feedback" and "has an answer" in told.text
        services.answer_create(item=item, author_id=uid(world, "alice"), body="Done.")
        item.refresh_from_db()
        assert item.first_answered_at == first  # the first answer's time is kept
        with pytest.raises(ValidationError):
            services.answer_create(item=item, author_id=uid(world, "alice"), body="  ")
        services.item_set_status(item=item, status=ItemStatus.CLOSED, actor_id=uid(world, "alice"))
        with pytest.raises(ValidationError) as caught:
            services.answer_create(item=item, author_id=uid(world, "alice"), body="Late")
        assert caught.value.message_dict["body"] == ["This item is closed: reopen it to answer."]
        assert Answer.objects.filter(item=item).count() == 2


def test_an_anonymous_item_can_be_answered_without_notifying_anyone(world: World):
    with tenant_context(world.alpha):
        item = report(world, "amir", anonymous=True).item
        Notification.objects.all().delete()
        services.answer_create(item=item, author_id=uid(world, "alice"), body="Noted.")
        assert not Notification.objects.exists()
        assert FeedbackItem.objects.get(pk=item.pk).status == ItemStatus.ANSWERED


def test_internal_notes_never_reach_the_reporter(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        item = report(world, "amir", title="Noisy neighbours").item
        services.note_add(item=item, author_id=uid(world, "alice"), body=SECRET_NOTE)
        services.answer_create(item=item, author_id=uid(world, "alice"), body="We talked.")
        # Never indexed.
        assert not SearchEntry.objects.filter(body__contains=SECRET_NOTE).exists()
        assert not SearchEntry.objects.filter(title__contains=SECRET_NOTE).exists()
    amir = signed_in("alpha", "amir")
    for url in ["/feedback/", f"/feedback/{item.pk}/", "/api/v1/feedback/",
                f"/api/v1/feedback/{item.pk}/", f"/api/v1/feedback/{item.pk}/answers/"]:
        response = amir.get(url)
        assert response.status_code == 200, url
        assert SECRET_NOTE not in response.content.decode(), url
    assert "We talked." in amir.get(f"/feedback/{item.pk}/").content.decode()
    assert amir.get(f"/api/v1/feedback/{item.pk}/notes/").status_code == 404
    assert amir.post(f"/feedback/{item.pk}/notes/", {"note-body": "mine"}).status_code == 404
    # Those who handle feedback do see them.
    assert SECRET_NOTE in signed_in("alpha", "arthur").get(f"/feedback/{item.pk}/").content.decode()


# --- Merge -------------------------------------------------------------------------------------


def test_merge_moves_supporters_and_closes_the_duplicate(world: World):
    with tenant_context(world.alpha):
        supports_on()
        kept = report(world, "amir", kind=ItemKind.IDEA, title="Bike racks").item
        duplicate = report(world, "agnes", kind=ItemKind.IDEA, title="Racks for bikes").item
        for key in ("alice", "sam"):
            services.support_toggle(item=duplicate, user_id=uid(world, key))
        services.support_toggle(item=kept, user_id=uid(world, "sam"))  # supports both
        Notification.objects.all().delete()
        services.item_merge(duplicate=duplicate, kept=kept, actor_id=uid(world, "alice"))
        duplicate.refresh_from_db()
        assert duplicate.duplicate_of_id == kept.pk and duplicate.status == ItemStatus.CLOSED
        assert duplicate.closed_at is not None
        assert set(Support.objects.filter(item=kept).values_list("user_id", flat=True)) == {
            uid(world, "alice"), uid(world, "sam")}
        assert not Support.objects.filter(item=duplicate).exists()
        assert entry_of(duplicate) is None and entry_of(kept) is not None
        assert Notification.objects.get().user_id == uid(world, "agnes")
        # No second merge, no merge into a duplicate, no merge into itself, no reopening.
        third = report(world, "sam", kind=ItemKind.IDEA).item
        with pytest.raises(ValidationError):
            services.item_merge(duplicate=duplicate, kept=third, actor_id=uid(world, "alice"))
        with pytest.raises(ValidationError):
            services.item_merge(duplicate=third, kept=duplicate, actor_id=uid(world, "alice"))
        with pytest.raises(ValidationError):
            services.item_merge(duplicate=third, kept=third, actor_id=uid(world, "alice"))
        with pytest.raises(ValidationError):
            services.item_set_status(item=duplicate, status=ItemStatus.IN_PROGRESS,
                                     actor_id=uid(world, "alice"))
        # The merged-away idea is no longer offered to members.
        ids = set(items_readable(membership=membership(world, "sam"))
                  .values_list("pk", flat=True))
        assert kept.pk in ids and duplicate.pk not in ids


def test_merge_from_the_page(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        kept = report(world, "amir").item
        duplicate = report(world, "agnes").item
    alice = signed_in("alpha", "alice")
    assert alice.post(f"/feedback/{duplicate.pk}/merge/", {"into": "999999"}).status_code == 302
    response = alice.post(f"/feedback/{duplicate.pk}/merge/", {"into": str(kept.pk)})
    assert response.status_code == 302
    with tenant_context(world.alpha):
        assert FeedbackItem.objects.get(pk=duplicate.pk).duplicate_of_id == kept.pk
    # The reporter of the duplicate still sees their item, closed, without the other one.
    page = signed_in("alpha", "agnes").get(f"/feedback/{duplicate.pk}/").content.decode()
    assert "merged this report with a similar one" in page
    assert signed_in("alpha", "agnes").get(f"/feedback/{kept.pk}/").status_code == 404


# --- Supports ----------------------------------------------------------------------------------


def test_supports_off_ideas_stay_board_only(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        idea = report(world, "amir", kind=ItemKind.IDEA, title="Solar panels").item
        assert not feedback_settings().supports_enabled  # off by default
        with pytest.raises(ValidationError):
            services.support_toggle(item=idea, user_id=uid(world, "agnes"))
        assert entry_of(idea).roles == ["board", "staff"]
    agnes = signed_in("alpha", "agnes")
    assert agnes.get(f"/feedback/{idea.pk}/").status_code == 404
    assert "Solar panels" not in agnes.get("/feedback/").content.decode()
    assert agnes.post(f"/feedback/{idea.pk}/support/").status_code == 404
    assert agnes.get("/api/v1/feedback/ideas/").json()["count"] == 0


def test_supports_on_open_ideas_are_shown_and_supported_once(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        named = report(world, "amir", kind=ItemKind.IDEA, title="Solar panels").item
        anonymous = report(world, "sam", kind=ItemKind.IDEA, title="Rain barrels",
                           anonymous=True).item
        problem = report(world, "amir", title="Not an idea").item
        supports_on()
        assert entry_of(named).roles == [] and entry_of(anonymous).user_ids == []
        assert entry_of(problem).roles == ["board", "staff"]
    agnes = signed_in("alpha", "agnes")
    home = agnes.get("/feedback/").content.decode()
    assert "Solar panels" in home and "Rain barrels" in home and "Not an idea" not in home
    page = agnes.get(f"/feedback/{anonymous.pk}/").content.decode()
    assert "Sam Both" not in page and "Amir Member" not in page
    assert "Amir Member" not in agnes.get(f"/feedback/{named.pk}/").content.decode()
    assert agnes.get(f"/feedback/{problem.pk}/").status_code == 404
    assert agnes.post(f"/feedback/{named.pk}/support/").status_code == 302
    assert agnes.post(f"/feedback/{named.pk}/support/").status_code == 302  # taken back
    assert agnes.post(f"/feedback/{named.pk}/support/").status_code == 302
    with tenant_context(world.alpha):
        assert Support.objects.filter(item=named).count() == 1
        assert services.support_toggle(item=named, user_id=uid(world, "agnes")) is False
        assert services.support_toggle(item=named, user_id=uid(world, "agnes")) is True
        assert Support.objects.filter(item=named, user_id=uid(world, "agnes")).count() == 1
        # A closed idea is no longer open to support.
        services.item_set_status(item=named, status=ItemStatus.CLOSED, actor_id=uid(world, "alice"))
        with pytest.raises(ValidationError):
            services.support_toggle(item=named, user_id=uid(world, "amir"))
        assert entry_of(named).roles == ["board", "staff"]
        # Supports turned off again: open ideas go back to board-only in search too.
        supports_on(False)
        assert entry_of(anonymous).roles == ["board", "staff"]
    assert agnes.get(f"/feedback/{anonymous.pk}/").status_code == 404


# --- Dashboard ---------------------------------------------------------------------------------


def _answered_after(world: World, hours: float, theme: Theme | None = None) -> FeedbackItem:
    item = report(world, theme_id=theme.pk if theme else None).item
    created = timezone.now() - timedelta(days=10)
    FeedbackItem.objects.filter(pk=item.pk).update(
        created_at=created, first_answered_at=created + timedelta(hours=hours),
        status=ItemStatus.ANSWERED,
    )
    return item


def test_dashboard_counts_and_median_time_to_answer(world: World):
    with tenant_context(world.alpha):
        board = dashboard()
        assert board.median_time_to_answer is None and board.open_total == 0
        garden = services.theme_create(name="Garden")
        hall = services.theme_create(name="Hall")
        for hours in (1, 2, 3, 10):
            _answered_after(world, hours, garden)
        report(world, theme_id=hall.pk)
        closed = report(world, theme_id=hall.pk).item
        services.item_set_status(item=closed, status=ItemStatus.CLOSED,
                                 actor_id=uid(world, "alice"))
        # A merged duplicate with a very long time is not counted.
        dup = _answered_after(world, 500, hall)
        kept = report(world, theme_id=hall.pk).item
        services.item_merge(duplicate=dup, kept=kept, actor_id=uid(world, "alice"))
        board = dashboard()
        assert board.median_time_to_answer == timedelta(hours=2, minutes=30)
        assert board.answered_count == 4
        assert board.by_theme == [("Garden", 4), ("Hall", 2)]
        assert board.open_total == 6
        statuses = {status: count for status, _label, count in board.by_status}
        assert statuses == {"received": 2, "in_progress": 0, "answered": 4, "closed": 1}
        _answered_after(world, 100, garden)
        assert dashboard().median_time_to_answer == timedelta(hours=3)


def test_the_median_is_computed_by_the_database(world: World):
    from django.test.utils import CaptureQueriesContext

    with tenant_context(world.alpha), CaptureQueriesContext(connection) as queries:
        dashboard()
    assert any("percentile_cont(0.5) WITHIN GROUP" in q["sql"] for q in queries.captured_queries)


def test_dashboard_page(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        _answered_after(world, 26)
    text = signed_in("alpha", "alice").get("/feedback/dashboard/").content.decode()
    assert "1 day 2 hours" in text


# --- Uploads -----------------------------------------------------------------------------------


def test_uploads_are_checked_by_content(world: World, media: Path):  # noqa: F811
    with tenant_context(world.alpha):
        for name, data in [("notes.pdf", EXE), ("photo.png", PDF), ("run.exe", EXE)]:
            with pytest.raises(ValidationError) as caught:
                report(world, uploads=[upload("ok.pdf", PDF), upload(name, data)])
            assert "files" in caught.value.message_dict
        assert not FeedbackItem.objects.exists() and not Attachment.objects.exists()
        assert not list(media.rglob("*.*")) and not [p for p in media.rglob("*") if p.is_file()]
        with pytest.raises(ValidationError):
            report(world, uploads=[upload(f"{i}.pdf", PDF) for i in range(6)])
        item = report(world, uploads=[upload("plan.pdf", PDF)]).item
        attachment = Attachment.objects.get(item=item)
        assert attachment.content_type == "application/pdf" and attachment.name == "plan.pdf"
        assert "plan" not in attachment.file.name


def test_attachments_are_served_to_the_reporter_and_handlers_only(
    world: World, signed_in, media: Path  # noqa: ANN001, F811
):
    with tenant_context(world.alpha):
        supports_on()
        item = report(world, "amir", kind=ItemKind.IDEA,
                      uploads=[upload("plan.pdf", PDF)]).item
        anonymous = report(world, "amir", anonymous=True,
                           uploads=[upload("photo.png", png_bytes())]).item
        named_file = Attachment.objects.get(item=item).pk
        anon_file = Attachment.objects.get(item=anonymous).pk
    for key, url, expected in [
        ("amir", f"/feedback/files/{named_file}/", 200),
        ("alice", f"/feedback/files/{named_file}/", 200),
        ("arthur", f"/api/v1/feedback/attachments/{named_file}/", 200),
        ("agnes", f"/feedback/files/{named_file}/", 404),  # sees the idea, not its files
        ("agnes", f"/api/v1/feedback/attachments/{named_file}/", 404),
        ("amir", f"/feedback/files/{anon_file}/", 404),  # nothing ties it to Amir
        ("alice", f"/feedback/files/{anon_file}/", 200),
    ]:
        response = signed_in("alpha", key).get(url)
        assert response.status_code == expected, (key, url)
        if expected == 200:
            assert response["X-Content-Type-Options"] == "nosniff"


def test_the_report_form_with_a_file(world: World, signed_in, media: Path):  # noqa: ANN001, F811
    amir = signed_in("alpha", "amir")
    bad = amir.post("/feedback/new/", {
        "kind": "problem", "title": "Broken", "description": "It broke.",
        "files": [uploaded_file("scan.pdf", EXE)],
    })
    assert bad.status_code == 400 and "is not an accepted type" in bad.content.decode()
    good = amir.post("/feedback/new/", {
        "kind": "problem", "title": "Broken", "description": "It broke.", "place": "Hall",
        "files": [uploaded_file("scan.pdf", PDF)],
    })
    assert good.status_code == 302
    with tenant_context(world.alpha):
        item = FeedbackItem.objects.get()
        assert good["Location"] == f"/feedback/{item.pk}/"
        assert item.reporter_id == uid(world, "amir") and item.attachments.count() == 1
    assert "Broken" in amir.get("/feedback/").content.decode()


def test_the_anonymous_form_shows_the_private_link_once(world: World, signed_in):  # noqa: ANN001
    amir = signed_in("alpha", "amir")
    response = amir.post("/feedback/new/", {
        "kind": "question", "title": "Who pays?", "description": "For the trip.",
        "anonymous": "on",
    })
    assert response.status_code == 200
    text = response.content.decode()
    assert "/feedback/follow/" in text
    link = re.search(r'value="https?://[^/"]+(/feedback/follow/[^"]+/)"', text)[1]
    assert amir.get(link).status_code == 200
    with tenant_context(world.alpha):
        item = FeedbackItem.objects.get()
        assert item.is_anonymous and item.reporter_id is None
    assert "Who pays?" not in amir.get("/feedback/").content.decode()
    assert amir.get(f"/feedback/{item.pk}/").status_code == 404


# --- Search and deletion -----------------------------------------------------------------------


def test_search_entry_follows_the_item(world: World):
    with tenant_context(world.alpha):
        item = report(world, "amir", title="Flooded cellar", place="Rue Haute").item
        entry = entry_of(item)
        assert entry.title == "Flooded cellar" and "Rue Haute" in entry.body
        services.answer_create(item=item, author_id=uid(world, "alice"), body="Pumped out.")
        assert "Pumped out." not in entry_of(item).body  # answers are not indexed
        services.item_delete(item=item)
        assert entry_of(item) is None and not FeedbackItem.objects.filter(pk=item.pk).exists()
        other = report(world, "amir").item
        assert services.feedback_search_rebuild() == 1 and entry_of(other) is not None


# --- Isolation ---------------------------------------------------------------------------------


def test_another_associations_member_gets_404(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        item = report(world, "amir", title="Alpha only").item
    # Sam belongs to both: at beta, alpha's item does not exist.
    sam_at_beta = signed_in("beta", "sam")
    assert sam_at_beta.get(f"/feedback/{item.pk}/").status_code == 404
    assert sam_at_beta.get(f"/api/v1/feedback/{item.pk}/").status_code == 404
    bob_at_beta = signed_in("beta", "bob")  # beta's board
    assert bob_at_beta.get(f"/feedback/{item.pk}/").status_code == 404
    assert "Alpha only" not in bob_at_beta.get("/feedback/inbox/").content.decode()
    assert bob_at_beta.get("/api/v1/feedback/inbox/").json()["count"] == 0
    # Bob's beta session at alpha's address: not signed in there.
    client = signed_in("beta", "bob")
    response = client.get(f"/feedback/{item.pk}/", HTTP_HOST=world.alpha.host)
    assert response.status_code in (302, 404) and "Alpha only" not in response.content.decode()


def test_a_former_member_sees_nothing(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        item = report(world, "amir").item
    client = signed_in("alpha", "amir")
    with tenant_context(world.alpha):
        Membership.objects.filter(user_id=uid(world, "amir")).update(status="ended")
    assert client.get(f"/feedback/{item.pk}/").status_code in (302, 403, 404)


# --- Lists stay N+1-free; pages render in French -----------------------------------------------


def test_the_inbox_makes_the_same_queries_whatever_the_number_of_items(
    world: World, signed_in  # noqa: ANN001
):
    from django.test.utils import CaptureQueriesContext

    alice = signed_in("alpha", "alice")

    def queries_for_inbox() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert alice.get("/feedback/inbox/").status_code == 200
        return len(queries.captured_queries)

    with tenant_context(world.alpha):
        theme = services.theme_create(name="Garden")
        report(world, "amir", theme_id=theme.pk)
    queries_for_inbox()  # warm the per-request caches (session, unread count)
    few = queries_for_inbox()
    with tenant_context(world.alpha):
        for key in ("agnes", "sam", "arthur", "amir"):
            item = report(world, key, theme_id=theme.pk).item
            services.item_assign(item=item, assignee_id=uid(world, "arthur"),
                                 actor_id=uid(world, "alice"))
    queries_for_inbox()  # new notifications reset the bell's cached count
    assert queries_for_inbox() == few


def test_handler_pages_render_in_french(world: World, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        kept = report(world, "amir").item
        duplicate = report(world, "agnes", anonymous=True).item
        services.item_merge(duplicate=duplicate, kept=kept, actor_id=uid(world, "alice"))
        services.note_add(item=kept, author_id=uid(world, "alice"), body="Vu.")
    alice = signed_in("alpha", "alice")
    french = {"HTTP_ACCEPT_LANGUAGE": "fr"}
    for url in (f"/feedback/{kept.pk}/", f"/feedback/{duplicate.pk}/", "/feedback/inbox/",
                "/feedback/dashboard/", "/feedback/themes/", "/feedback/settings/",
                "/feedback/", "/feedback/new/"):
        response = alice.get(url, **french)
        assert response.status_code == 200, url
        assert '<html lang="fr">' in response.content.decode(), url
