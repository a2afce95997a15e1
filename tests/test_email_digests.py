"""Notification emails: immediate categories go out once the transaction commits (never
before), digest categories wait for the daily or weekly digest, preferences are respected,
every email carries RFC 8058 one-click unsubscribe headers that work without signing in (and a
tampered token does not), the language is the member's, and digests scale to many members."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from shared_apps.members.models import Role
from shared_apps.members.services import membership_create
from shared_apps.notifications.models import Category, Notification, Preference
from shared_apps.notifications.services import notify, preferences_set, unsubscribe_token
from shared_apps.notifications.tasks import (
    notifications_digest_daily,
    notifications_digest_weekly,
)
from shared_apps.spaces.models import Space, SpaceMembership, SpaceMembershipStatus, Visibility
from tenants.accounts.models import User
from tenants.accounts.services import account_set_language

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def uid(world, key: str) -> int:  # noqa: ANN001
    return world.users[key].pk


@pytest.fixture
def clean(world):  # noqa: ANN001
    for association in world.associations.values():
        with tenant_context(association):
            Notification.objects.all().delete()
            Preference.objects.all().delete()
    mail.outbox.clear()
    return world


def send(world, to: tuple[str, ...], text: str, category: str, capture,  # noqa: ANN001
         space: Space | None = None, association: str = "alpha") -> None:
    """notify() in a transaction that commits: the on-commit callbacks run."""
    with tenant_context(world.associations[association]), capture(execute=True):
        notify(user_ids=[uid(world, k) for k in to], category=category, text=text,
               url="/discussions/7/", actor_id=uid(world, "alice"),
               space_id=space.pk if space else None)


def to(message) -> str:  # noqa: ANN001
    return message.to[0]


def html_of(message) -> str:  # noqa: ANN001
    return next(body for body, kind in message.alternatives if kind == "text/html")


def unsubscribe_path(message) -> str:  # noqa: ANN001
    url = re.fullmatch(r"<(https?://[^>]+)>", message.extra_headers["List-Unsubscribe"])[1]
    return "/" + url.split("/", 3)[3]


@pytest.mark.parametrize("category", [Category.MENTION, Category.REPLY, Category.ACKNOWLEDGEMENT])
def test_immediate_categories_go_out_after_commit(clean, django_capture_on_commit_callbacks,  # noqa: ANN001
                                                  category: str):
    with tenant_context(clean.alpha), django_capture_on_commit_callbacks() as callbacks:
        notify(user_ids=[uid(clean, "amir")], category=category, text="Alice mentioned you",
               url="/discussions/7/", actor_id=uid(clean, "alice"))
        assert mail.outbox == []  # nothing inside the transaction
    assert callbacks and mail.outbox == []
    with tenant_context(clean.alpha):
        for callback in callbacks:
            callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert to(message) == "amir@world.test"
    assert "Alpha" in message.subject and "Alice mentioned you" in message.subject
    assert "http://alpha.localhost" in message.body and "/discussions/7/" in message.body
    with tenant_context(clean.alpha):
        assert Notification.objects.get(user_id=uid(clean, "amir")).emailed_at is not None


def test_emails_are_html_and_text_with_one_click_unsubscribe_headers(clean,  # noqa: ANN001
                                                                     django_capture_on_commit_callbacks):
    send(clean, ("amir",), "Reply to your thread", Category.REPLY,
         django_capture_on_commit_callbacks)
    message = mail.outbox[0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://alpha\.localhost(:\d+)?/notifications/unsubscribe/[^/>]+/>",
                        message.extra_headers["List-Unsubscribe"])
    html = html_of(message)
    assert "<html" in html and 'href="http://alpha.localhost' in html
    assert "Reply to your thread" in html and "Alpha" in html
    raw = message.message().as_string()
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw


def test_one_click_post_unsubscribes_without_signing_in(clean, client_for,  # noqa: ANN001
                                                       django_capture_on_commit_callbacks):
    send(clean, ("amir",), "Mentioned", Category.MENTION, django_capture_on_commit_callbacks)
    path = unsubscribe_path(mail.outbox[0])
    anonymous = client_for(clean.alpha)
    anonymous.cookies.clear()
    # GET only asks for confirmation: nothing changes (mail scanners follow links).
    page = anonymous.get(path, **EN)
    assert page.status_code == 200 and "Stop these emails?" in page.content.decode()
    with tenant_context(clean.alpha):
        assert not Preference.objects.exists()
    # RFC 8058: a POST with "List-Unsubscribe=One-Click", no session, no CSRF token.
    client = type(anonymous)(HTTP_HOST=clean.alpha.host, enforce_csrf_checks=True)
    done = client.post(path, {"List-Unsubscribe": "One-Click"}, **EN)
    assert done.status_code == 200 and "You are unsubscribed" in done.content.decode()
    with tenant_context(clean.alpha):
        assert Preference.objects.get(user_id=uid(clean, "amir"), category="mention").channel == (
            "never"
        )
    mail.outbox.clear()
    send(clean, ("amir",), "Mentioned again", Category.MENTION,
         django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_tampered_or_foreign_token_is_refused(clean, client_for,  # noqa: ANN001
                                               django_capture_on_commit_callbacks):
    with tenant_context(clean.alpha):
        good = unsubscribe_token(user_id=uid(clean, "amir"), categories=["mention"])
    with tenant_context(clean.beta):
        beta_token = unsubscribe_token(user_id=uid(clean, "sam"), categories=["mention"])
    tampered = good.replace(good.split(":")[0], good.split(":")[0][:-2] + "xx")
    client = client_for(clean.alpha)
    for token in (tampered, good + "x", beta_token):
        response = client.post(f"/notifications/unsubscribe/{token}/", **EN)
        assert response.status_code == 400, token
        assert "This link does not work" in response.content.decode()
    with tenant_context(clean.alpha):
        assert not Preference.objects.exists()


@pytest.mark.parametrize("category", [Category.ANNOUNCEMENT, Category.MEMBERS])
def test_daily_categories_wait_for_the_daily_digest(clean, django_capture_on_commit_callbacks,  # noqa: ANN001
                                                     category: str):
    send(clean, ("amir", "agnes"), "Assemblée générale le 12", category,
         django_capture_on_commit_callbacks)
    send(clean, ("amir",), "Nouveau bénévole", category, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    with tenant_context(clean.alpha):
        assert notifications_digest_weekly() == 0
        assert notifications_digest_daily() == 2
    by_person = {to(m): m for m in mail.outbox}
    assert set(by_person) == {"amir@world.test", "agnes@world.test"}
    amir = by_person["amir@world.test"]
    assert "Assemblée générale le 12" in amir.body and "Nouveau bénévole" in amir.body
    assert amir.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Alpha" in amir.subject
    # Sent once: the next digest has nothing to say.
    mail.outbox.clear()
    with tenant_context(clean.alpha):
        assert notifications_digest_daily() == 0


def test_weekly_digest_and_preferences(clean, django_capture_on_commit_callbacks):  # noqa: ANN001
    with tenant_context(clean.alpha):
        preferences_set(user_id=uid(clean, "agnes"), channels={"activity": "never"})
        preferences_set(user_id=uid(clean, "arthur"), channels={"mention": "weekly"})
    send(clean, ("amir", "agnes"), "New document", Category.ACTIVITY,
         django_capture_on_commit_callbacks)
    send(clean, ("arthur",), "Mentioned Arthur", Category.MENTION,
         django_capture_on_commit_callbacks)
    assert mail.outbox == []  # Arthur chose weekly for mentions
    with tenant_context(clean.alpha):
        assert notifications_digest_daily() == 0
        assert notifications_digest_weekly() == 2
    assert sorted(to(m) for m in mail.outbox) == ["amir@world.test", "arthur@world.test"]
    with tenant_context(clean.alpha):
        # "never": nothing was sent to Agnès; her notification stays in the app.
        agnes = Notification.objects.get(user_id=uid(clean, "agnes"))
        assert agnes.emailed_at is None


def test_read_notifications_are_not_emailed_in_digests(clean,  # noqa: ANN001
                                                       django_capture_on_commit_callbacks):
    send(clean, ("amir",), "Already seen", Category.ANNOUNCEMENT,
         django_capture_on_commit_callbacks)
    with tenant_context(clean.alpha):
        Notification.objects.update(read_at="2026-01-01T00:00:00Z")
        assert notifications_digest_daily() == 0
    assert mail.outbox == []


def test_private_space_notifications_are_not_emailed_to_former_members(  # noqa: ANN001
    clean, django_capture_on_commit_callbacks
):
    with tenant_context(clean.alpha):
        space = Space.objects.create(name="Bureau", slug="bureau", visibility=Visibility.PRIVATE)
        for key in ("amir", "agnes"):
            SpaceMembership.objects.create(space=space, user_id=uid(clean, key),
                                           status=SpaceMembershipStatus.ACTIVE)
    send(clean, ("amir", "agnes"), "Secret budget", Category.ANNOUNCEMENT,
         django_capture_on_commit_callbacks, space=space)
    with tenant_context(clean.alpha):
        SpaceMembership.objects.filter(user_id=uid(clean, "agnes")).delete()
        assert notifications_digest_daily() == 1
    assert [to(m) for m in mail.outbox] == ["amir@world.test"]


def test_language_follows_the_member_then_the_association(clean,  # noqa: ANN001
                                                          django_capture_on_commit_callbacks):
    account_set_language(user=clean.user("amir"), language="en")
    try:
        send(clean, ("amir", "agnes"), "Réunion", Category.MENTION,
             django_capture_on_commit_callbacks)
    finally:
        account_set_language(user=clean.user("amir"), language="")
    by_person = {to(m): m for m in mail.outbox}
    assert "Hello Amir" in by_person["amir@world.test"].body
    assert "Stop these emails" in by_person["amir@world.test"].body
    # Agnès has no language of her own: the association's (French).
    agnes = by_person["agnes@world.test"]
    assert "Bonjour" in agnes.body and "Hello" not in agnes.body
    assert 'lang="fr"' in html_of(agnes)


def test_digest_for_many_members_one_email_each_in_constant_queries(  # noqa: ANN001
    clean, django_capture_on_commit_callbacks
):
    def members(count: int, start: int) -> list[int]:
        ids = []
        for n in range(start, start + count):
            user = User.objects.create_user(email=f"many{n}@world.test", password=None,
                                            full_name=f"Many {n}")
            with tenant_context(clean.alpha):
                membership_create(user=user, role=Role.MEMBER)
            ids.append(user.pk)
        return ids

    def digest(user_ids: list[int]) -> int:
        mail.outbox.clear()
        with tenant_context(clean.alpha), django_capture_on_commit_callbacks(execute=True):
            notify(user_ids=user_ids, category=Category.ANNOUNCEMENT, text="Fête annuelle",
                   url="/news/2/", actor_id=uid(clean, "alice"))
            notify(user_ids=user_ids, category=Category.MEMBERS, text="Nouveau membre",
                   url="/members/", actor_id=uid(clean, "alice"))
        with tenant_context(clean.alpha), CaptureQueriesContext(connection) as ctx:
            assert notifications_digest_daily() == len(user_ids)
        emails = User.objects.filter(pk__in=user_ids).values_list("email", flat=True)
        assert sorted(to(m) for m in mail.outbox) == sorted(emails)
        assert all("Fête annuelle" in m.body and "Nouveau membre" in m.body for m in mail.outbox)
        return len(ctx.captured_queries)

    few = digest(members(3, 0))
    many = digest(members(40, 3))
    assert len(mail.outbox) == 40
    assert few == many, f"{few} queries for 3 members, {many} for 40"


def test_beat_in_public_fans_out_to_each_association(clean,  # noqa: ANN001
                                                      django_capture_on_commit_callbacks):
    send(clean, ("amir",), "Alpha news", Category.ANNOUNCEMENT,
         django_capture_on_commit_callbacks)
    send(clean, ("bella",), "Beta news", Category.ANNOUNCEMENT,
         django_capture_on_commit_callbacks, association="beta")
    connection.set_schema_to_public()
    assert notifications_digest_daily() >= 2  # one task per association (eager here)
    assert sorted(to(m) for m in mail.outbox) == ["amir@world.test", "bella@world.test"]
    bella = next(m for m in mail.outbox if to(m) == "bella@world.test")
    assert "Beta" in bella.subject and "Beta news" in bella.body and "Alpha news" not in bella.body
    assert "http://beta.localhost" in bella.body


def test_beat_schedule_has_the_digests():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "shared_apps.notifications.tasks.notifications_digest_daily" in tasks
    assert "shared_apps.notifications.tasks.notifications_digest_weekly" in tasks
