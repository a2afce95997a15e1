"""Invitations (one or many, signed links expiring after 14 days, resend, revoke, accept with a
new or an existing account, an expired link asking for a new one) and requests to join."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from shared_apps.members.models import (
    Invitation,
    InvitationStatus,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    MembershipStatus,
    Role,
)
from shared_apps.members.services import (
    InviteEntry,
    MembershipError,
    invitation_token,
    invitations_create,
    join_request_approve,
    members_settings_update,
)
from shared_apps.notifications.models import Notification
from tenants.accounts.models import User
from tenants.models import Affiliation, Association

from .world import PASSWORD, email_of

# Messages are checked in English, the source language.
pytestmark = pytest.mark.usefixtures("english")

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def delivered() -> list:
    """The invitation emails sent so far. Emails leave after commit and the test's transaction
    never commits, so run what waits for it (in order, as a commit would). Notification emails
    (the notifications app's business, by each member's preferences) are left out."""
    while connection.run_on_commit:
        _savepoints, callback, _robust = connection.run_on_commit.pop(0)
        callback()
    return [m for m in mail.outbox if re.search(r"/members/invitations/[^/\s]+/", m.body)]


def invite(world, *emails: str, role: str = Role.MEMBER, by: str = "alice", send: bool = True):  # noqa: ANN001, ANN201
    with tenant_context(world.alpha):
        inviter = Membership.objects.get(user=world.users[by])
        return invitations_create(
            entries=[InviteEntry(email=e, role=role) for e in emails], invited_by=inviter,
            send=send,
        )


def link_of(message) -> str:  # noqa: ANN001
    found = re.search(r"https?://[^\s]+/members/invitations/([^/\s]+)/", message.body)
    assert found, message.body
    return found.group(1)


def text_of(response) -> str:  # noqa: ANN001
    return response.content.decode().split('id="main"', 1)[-1]


def set_language(world, language: str) -> None:  # noqa: ANN001
    Association.objects.filter(pk=world.alpha.pk).update(language=language)


# --- Inviting ------------------------------------------------------------------------------------


def test_board_invites_many_pasted_at_once(world, signed_in):  # noqa: ANN001
    set_language(world, "en")
    response = signed_in("alpha", "alice").post("/members/invitations/", {
        "emails": "Zoe@new.test, yann@new.test\n\n xavier@new.test;zoe@new.test",
        "role": "volunteer", "title": "Cuisine",
    })
    assert response.status_code == 302
    assert mail.outbox == []  # nothing leaves before the commit
    with tenant_context(world.alpha):
        rows = Invitation.objects.order_by("email")
        assert [(i.email, i.role, i.title, i.status) for i in rows] == [
            (e, "volunteer", "Cuisine", "pending")
            for e in ("xavier@new.test", "yann@new.test", "zoe@new.test")
        ]
        assert all(i.expires_at - i.sent_at == timedelta(days=14) for i in rows)
        assert all(i.invited_by_id == world.users["alice"].pk for i in rows)
    assert sorted(m.to[0] for m in delivered()) == [
        "xavier@new.test", "yann@new.test", "zoe@new.test"
    ]
    message = delivered()[0]
    assert message.subject == "You are invited to join Alpha on Cercle"
    assert "Alice Board invites you to join Alpha" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_invitation_email_follows_the_association_language(world):  # noqa: ANN001
    set_language(world, "fr")
    world.alpha.refresh_from_db()
    invite(world, "fr@new.test")
    with translation.override("fr"):
        expected = translation.gettext("You are invited to join %(name)s on Cercle") % {
            "name": "Alpha"
        }
    assert delivered()[0].subject == expected.replace("%(name)s", "Alpha")


def test_invalid_addresses_are_named_and_nothing_is_sent(world, signed_in):  # noqa: ANN001
    response = signed_in("alpha", "alice").post("/members/invitations/", {
        "emails": "good@new.test, not-an-email, also@bad", "role": "member",
    }, **EN)
    assert response.status_code == 400
    text = text_of(response)
    assert "not-an-email" in text and "also@bad" in text and "Not valid email" in text
    with tenant_context(world.alpha):
        assert not Invitation.objects.exists()
    assert not delivered()


def test_members_and_pending_invitations_are_refused(world, signed_in):  # noqa: ANN001
    invite(world, "once@new.test")
    client = signed_in("alpha", "alice")
    for emails, error in [
        (email_of("amir"), "is already a member"),
        ("once@new.test", "is already invited"),
    ]:
        response = client.post("/members/invitations/", {"emails": emails, "role": "member"}, **EN)
        assert response.status_code == 400 and error in text_of(response)
    with tenant_context(world.alpha):
        assert Invitation.objects.count() == 1


def test_who_may_invite(world, signed_in):  # noqa: ANN001
    for key, expected in [("agnes", 404), ("amir", 404), ("arthur", 200), ("alice", 200)]:
        assert signed_in("alpha", key).get("/members/invitations/").status_code == expected
    # Staff invite, but only the board makes board administrators.
    staff = signed_in("alpha", "arthur")
    response = staff.post("/members/invitations/", {"emails": "x@new.test", "role": "board"})
    assert response.status_code == 400
    api = staff.post("/api/v1/members/invitations/", {"emails": ["x@new.test"], "role": "board"},
                     content_type="application/json")
    assert api.status_code == 400
    with tenant_context(world.alpha), pytest.raises(MembershipError):
        invitations_create(
            entries=[InviteEntry(email="x@new.test", role=Role.BOARD)],
            invited_by=Membership.objects.get(user=world.users["arthur"]),
        )


# --- Accepting -----------------------------------------------------------------------------------


def test_accept_with_a_new_account(world, client_for):  # noqa: ANN001
    invite(world, "newbie@new.test", role=Role.VOLUNTEER)
    token = link_of(delivered()[0])
    client = client_for(world.alpha)
    page = client.get(f"/members/invitations/{token}/", **EN)
    assert page.status_code == 200 and "Create your account" in text_of(page)
    weak = client.post(f"/members/invitations/{token}/", {"full_name": "N", "password": "123"})
    assert weak.status_code == 400
    before = Association.objects.get(pk=world.alpha.pk).member_count
    response = client.post(
        f"/members/invitations/{token}/", {"full_name": "Nina Newbie", "password": "A-good-pass-42"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email="newbie@new.test")
    assert user.full_name == "Nina Newbie" and user.check_password("A-good-pass-42")
    with tenant_context(world.alpha):
        membership = Membership.objects.get(user=user)
        assert (membership.role, membership.status) == (Role.VOLUNTEER, MembershipStatus.ACTIVE)
        assert Invitation.objects.get().status == InvitationStatus.ACCEPTED
        note = Notification.objects.get(user=world.users["alice"])
        assert note.category == "members" and "Nina Newbie" in note.text
    assert Affiliation.objects.get(user=user, association=world.alpha).is_active
    assert Association.objects.get(pk=world.alpha.pk).member_count == before + 1
    # Signed in at once.
    assert client.get("/").status_code == 200
    # The link is spent.
    assert client_for(world.alpha).get(f"/members/invitations/{token}/").status_code == 302


def test_accept_with_an_existing_account_asks_for_its_password(world, client_for, fresh_limits):  # noqa: ANN001
    invite(world, email_of("bella"))
    token = link_of(delivered()[0])
    client = client_for(world.alpha)
    page = client.get(f"/members/invitations/{token}/", **EN)
    assert "enter its password" in text_of(page)
    wrong = client.post(f"/members/invitations/{token}/", {"password": "nope"}, **EN)
    assert wrong.status_code == 400 and "This password is not right" in text_of(wrong)
    with tenant_context(world.alpha):
        assert not Membership.objects.filter(user=world.users["bella"]).exists()
    right = client.post(f"/members/invitations/{token}/", {"password": PASSWORD})
    assert right.status_code == 302
    assert client.get("/").wsgi_request.user.pk == world.users["bella"].pk
    with tenant_context(world.alpha):
        assert Membership.objects.get(user=world.users["bella"]).is_active
    # Still a member at beta too.
    assert world.membership("beta", "bella").is_active


def test_someone_signed_in_with_another_account_is_told(world, signed_in):  # noqa: ANN001
    invite(world, "other@new.test")
    token = link_of(delivered()[0])
    response = signed_in("alpha", "amir").get(f"/members/invitations/{token}/", **EN)
    assert response.status_code == 403 and "for someone else" in text_of(response)


def test_expired_link_says_so_and_asks_the_board(world, client_for):  # noqa: ANN001
    invite(world, "late@new.test")
    token = link_of(delivered()[0])
    with tenant_context(world.alpha):
        Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client = client_for(world.alpha)
    page = client.get(f"/members/invitations/{token}/", **EN)
    assert page.status_code == 410 and "This invitation has expired" in text_of(page)
    assert "Ask for a new invitation" in text_of(page)
    refused = client.post(f"/members/invitations/{token}/", {"full_name": "L", "password": "x"})
    assert refused.status_code == 410 and not User.objects.filter(email="late@new.test").exists()
    asked = client.post(f"/members/invitations/{token}/renew/", **EN)
    assert asked.status_code == 200 and "Request sent" in text_of(asked)
    client.post(f"/members/invitations/{token}/renew/")  # twice: told once
    with tenant_context(world.alpha):
        notes = Notification.objects.filter(category="members")
        assert sorted(n.user_id for n in notes) == sorted(
            world.users[k].pk for k in ("alice", "arthur")
        )
        assert "late@new.test" in notes[0].text
        assert Invitation.objects.get().renewal_requested_at is not None


def test_resend_replaces_the_link_and_revoke_kills_it(world, signed_in, client_for):  # noqa: ANN001
    [invitation] = invite(world, "twice@new.test")
    old = link_of(delivered()[0])
    board = signed_in("alpha", "arthur")
    assert board.post(f"/members/invitations/{invitation.pk}/resend/").status_code == 302
    assert len(delivered()) == 2
    new = link_of(delivered()[1])
    assert new != old
    visitor = client_for(world.alpha)
    assert visitor.get(f"/members/invitations/{old}/").status_code == 404
    assert visitor.get(f"/members/invitations/{new}/").status_code == 200
    assert board.post(f"/members/invitations/{invitation.pk}/revoke/").status_code == 302
    assert visitor.get(f"/members/invitations/{new}/", **EN).status_code == 404
    assert board.post(f"/members/invitations/{invitation.pk}/resend/").status_code == 404


def test_tampered_and_foreign_links_do_not_work(world, client_for):  # noqa: ANN001
    [invitation] = invite(world, "safe@new.test")
    with tenant_context(world.alpha):
        token = invitation_token(Invitation.objects.get(pk=invitation.pk))
    visitor = client_for(world.alpha)
    assert visitor.get(f"/members/invitations/{token}/").status_code == 200
    assert visitor.get(f"/members/invitations/{token[:-2]}xx/").status_code == 404
    # The same link at beta: signed for alpha's schema only.
    response = client_for(world.beta).get(f"/members/invitations/{token}/")
    assert response.status_code == 404
    assert "safe@new.test" not in response.content.decode()


def test_invitation_saved_for_later_is_not_usable_until_sent(world, signed_in):  # noqa: ANN001
    [invitation] = invite(world, "later@new.test", send=False)
    assert not delivered() and invitation.sent_at is None
    board = signed_in("alpha", "alice")
    assert "not sent yet" in text_of(board.get("/members/invitations/", **EN))
    board.post(f"/members/invitations/{invitation.pk}/resend/")
    assert [m.to for m in delivered()] == [["later@new.test"]]


# --- API -----------------------------------------------------------------------------------------


def test_api_invitations(world, signed_in):  # noqa: ANN001
    client = signed_in("alpha", "arthur")
    created = client.post(
        "/api/v1/members/invitations/",
        {"emails": "a1@new.test\na2@new.test", "role": "member", "title": "Adhérent"},
        content_type="application/json",
    )
    assert created.status_code == 201 and len(created.json()) == 2
    assert len(delivered()) == 2
    listed = client.get("/api/v1/members/invitations/").json()
    assert listed["count"] == 2 and {i["email"] for i in listed["results"]} == {
        "a1@new.test", "a2@new.test"
    }
    pk = created.json()[0]["id"]
    assert client.post(f"/api/v1/members/invitations/{pk}/resend/").status_code == 200
    assert len(delivered()) == 3
    assert client.post(f"/api/v1/members/invitations/{pk}/revoke/").json()["status"] == "revoked"
    assert client.post(f"/api/v1/members/invitations/{pk}/revoke/").status_code == 404
    bad = client.post("/api/v1/members/invitations/", {"emails": ["ok@new.test", "nope"]},
                      content_type="application/json")
    assert bad.status_code == 400 and "nope" in str(bad.json())
    dup = client.post("/api/v1/members/invitations/", {"emails": ["a1@new.test"]},
                      content_type="application/json")
    assert dup.status_code == 201  # a1 was revoked: a new invitation is fine
    member = client.post("/api/v1/members/invitations/", {"emails": [email_of("amir")]},
                         content_type="application/json")
    assert member.status_code == 400 and "already a member" in member.json()["detail"]
    assert signed_in("alpha", "agnes").get("/api/v1/members/invitations/").status_code == 404
    assert len(delivered()) == 4


# --- Asking to join ------------------------------------------------------------------------------


def test_join_page_is_off_until_the_board_opens_it(world, signed_in, client_for):  # noqa: ANN001
    visitor = client_for(world.alpha)
    assert visitor.get("/members/join/").status_code == 404
    # Staff review requests but do not change the setting.
    staff = signed_in("alpha", "arthur")
    assert staff.post("/members/join-requests/", {"join_requests_open": "on"}).status_code == 404
    board = signed_in("alpha", "alice")
    assert board.post("/members/join-requests/", {"join_requests_open": "on"}).status_code == 302
    page = visitor.get("/members/join/", **EN)
    assert page.status_code == 200 and "Ask to join Alpha" in text_of(page)
    # The public page reveals no member.
    assert "Alice" not in page.content.decode() and email_of("alice") not in page.content.decode()


def test_join_request_notifies_and_is_approved_with_an_invitation(
    world, signed_in, client_for, fresh_limits  # noqa: ANN001
):
    with tenant_context(world.alpha):
        members_settings_update(join_requests_open=True)
    visitor = client_for(world.alpha)
    bad = visitor.post("/members/join/", {"full_name": "", "email": "nope"}, **EN)
    assert bad.status_code == 400 and "Enter a valid email address" in text_of(bad)
    sent = visitor.post("/members/join/", {
        "full_name": "Jo Joiner", "email": "Jo@Join.test", "message": "Je fais du pain.",
    }, **EN)
    assert sent.status_code == 200 and "Request sent" in text_of(sent)
    with tenant_context(world.alpha):
        request = JoinRequest.objects.get()
        assert (request.email, request.status) == ("jo@join.test", JoinRequestStatus.PENDING)
        assert sorted(Notification.objects.values_list("user_id", flat=True)) == sorted(
            world.users[k].pk for k in ("alice", "arthur")
        )
    reviewer = signed_in("alpha", "arthur")
    listing = reviewer.get("/members/join-requests/", **EN)
    assert "Jo Joiner" in text_of(listing) and "Je fais du pain." in text_of(listing)
    assert signed_in("alpha", "agnes").get("/members/join-requests/").status_code == 404
    assert reviewer.post(f"/members/join-requests/{request.pk}/approve/").status_code == 302
    with tenant_context(world.alpha):
        request.refresh_from_db()
        assert request.status == JoinRequestStatus.APPROVED
        assert request.invitation.email == "jo@join.test"
        assert request.invitation.full_name == "Jo Joiner"
    assert [m.to for m in delivered()] == [["jo@join.test"]]
    # Already answered.
    again = reviewer.post(f"/members/join-requests/{request.pk}/decline/", **EN)
    assert again.status_code == 302
    with tenant_context(world.alpha):
        request.refresh_from_db()
        assert request.status == JoinRequestStatus.APPROVED


def test_join_requests_api(world, signed_in, client_for, fresh_limits):  # noqa: ANN001
    with tenant_context(world.alpha):
        members_settings_update(join_requests_open=True)
    client_for(world.alpha).post("/members/join/", {"full_name": "A", "email": "a@join.test"})
    client_for(world.alpha).post("/members/join/", {"full_name": "B", "email": "b@join.test"})
    api = signed_in("alpha", "alice")
    rows = api.get("/api/v1/members/join-requests/").json()["results"]
    assert {r["email"] for r in rows} == {"a@join.test", "b@join.test"}
    by_email = {r["email"]: r["id"] for r in rows}
    declined = api.post(f"/api/v1/members/join-requests/{by_email['b@join.test']}/decline/")
    assert declined.json()["status"] == "declined"
    approved = api.post(f"/api/v1/members/join-requests/{by_email['a@join.test']}/approve/")
    assert approved.json()["status"] == "approved"
    again = api.post(f"/api/v1/members/join-requests/{by_email['a@join.test']}/approve/")
    assert again.status_code == 400
    assert api.post("/api/v1/members/join-requests/999999/approve/").status_code == 404
    assert signed_in("alpha", "amir").get("/api/v1/members/join-requests/").status_code == 404
    assert api.get("/api/v1/members/join-requests/").json()["count"] == 0


def test_approving_someone_already_member_sends_nothing(world):  # noqa: ANN001
    with tenant_context(world.alpha):
        members_settings_update(join_requests_open=True)
        request = JoinRequest.objects.create(full_name="Amir", email=email_of("amir"))
        join_request_approve(
            join_request=request, by=Membership.objects.get(user=world.users["alice"])
        )
        assert not Invitation.objects.exists()
    assert not delivered()


# --- Public forms are throttled ------------------------------------------------------------------


@pytest.fixture
def fresh_limits(world):  # noqa: ANN001
    """The counters live in the shared cache for 15 minutes: start and end from zero."""
    def clear() -> None:
        with tenant_context(world.alpha):
            cache.delete("members:join:127.0.0.1")
            for pk in Invitation.objects.values_list("pk", flat=True):
                cache.delete(f"members:accept:{pk}")

    clear()
    yield clear
    clear()


def test_join_requests_are_throttled(world, client_for, fresh_limits):  # noqa: ANN001
    with tenant_context(world.alpha):
        members_settings_update(join_requests_open=True)
    visitor = client_for(world.alpha)
    for i in range(5):
        ok = visitor.post("/members/join/", {"full_name": "S", "email": f"s{i}@spam.test"})
        assert ok.status_code == 200
    refused = visitor.post("/members/join/", {"full_name": "S", "email": "s9@spam.test"}, **EN)
    assert refused.status_code == 400 and "Too many requests" in text_of(refused)
    with tenant_context(world.alpha):
        assert JoinRequest.objects.count() == 5


def test_password_guessing_on_an_invitation_is_throttled(world, client_for, fresh_limits):  # noqa: ANN001
    invite(world, email_of("bella"))
    token = link_of(delivered()[0])
    client = client_for(world.alpha)
    for _ in range(5):
        wrong = client.post(f"/members/invitations/{token}/", {"password": "guess"})
        assert wrong.status_code == 400
    right = client.post(f"/members/invitations/{token}/", {"password": PASSWORD}, **EN)
    assert right.status_code == 400 and "Too many tries" in text_of(right)
    with tenant_context(world.alpha):
        assert not Membership.objects.filter(user=world.users["bella"]).exists()
    fresh_limits()


def test_members_settings_api_is_for_the_board(world, signed_in, client_for):  # noqa: ANN001
    board = signed_in("alpha", "alice")
    assert board.get("/api/v1/members/settings/").json() == {"join_requests_open": False}
    opened = board.patch("/api/v1/members/settings/", {"join_requests_open": True},
                         content_type="application/json")
    assert opened.status_code == 200 and opened.json() == {"join_requests_open": True}
    assert client_for(world.alpha).get("/members/join/").status_code == 200
    bad = board.patch("/api/v1/members/settings/", {"join_requests_open": "perhaps"},
                      content_type="application/json")
    assert bad.status_code == 400
    for key in ("arthur", "amir"):
        assert signed_in("alpha", key).patch(
            "/api/v1/members/settings/", {"join_requests_open": False},
            content_type="application/json",
        ).status_code == 404
    assert client_for(world.alpha).get("/members/join/").status_code == 200
