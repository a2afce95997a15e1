"""Read-only mode, over every route of the workspace URLconf.

While alpha's billing has lapsed, every write (POST, PUT, PATCH, DELETE) to every workspace route
is refused with 403 and a clear message, for the board as for members, except the explicit
allowlist (signing in and out, language, handoff, billing itself). Reads keep working and show
the read-only banner; resubscribing restores writes at once; nothing is deleted.

Routes are listed by walking the resolver (as the isolation test does); a route missing from
READ_ONLY below, or listed there but gone, fails the suite.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Literal
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tenants.utils import tenant_context

from billing import middleware as read_only_middleware
from billing import stripe_gateway
from billing.middleware import read_only_message
from billing.models import StripeStatus, Subscription
from billing.services import access_recompute
from shared_apps.members.models import Membership, MembershipStatus
from tenants.accounts.models import User
from tenants.models import Association
from tenants.routing import routing_cache_clear
from tenants.services import handoff_create

from .test_isolation import AlphaIds, Route, tenant_routes, url_for
from .world import World

Outcome = Literal["refused", "allowed"]

# The allowlist, as the issue states it: what still accepts writes while read-only.
ALLOWLIST = (
    "/accounts/",
    "/i18n/",
    "/auth/handoff/",
    "/billing/",
    "/api/v1/billing/",
    "/notifications/unsubscribe/",
)

# Every route of the workspace and what a write gets while read-only.
READ_ONLY: dict[str, Outcome] = {
    "": "refused",
    "me/": "refused",
    "manifest.webmanifest": "refused",
    "sw.js": "refused",
    "offline/": "refused",
    "api/v1/me/": "refused",
    "api/schema/": "refused",
    "billing/": "allowed",
    "billing/status/": "allowed",
    "billing/checkout/": "allowed",
    "billing/portal/": "allowed",
    "api/v1/billing/": "allowed",
    "api/v1/billing/checkout/": "allowed",
    "api/v1/billing/portal/": "allowed",
    "auth/handoff/<str:token>/": "allowed",
    "i18n/setlang/": "allowed",
    "accounts/login/": "allowed",
    "accounts/logout/": "allowed",
    "accounts/inactive/": "allowed",
    "accounts/signup/": "allowed",
    "accounts/reauthenticate/": "allowed",
    "accounts/reauthenticate/code/": "allowed",
    "accounts/reauthenticate/code/confirm/": "allowed",
    "accounts/email/": "allowed",
    "accounts/confirm-email/": "allowed",
    "accounts/password/change/": "allowed",
    "accounts/password/set/": "allowed",
    "accounts/password/reset/": "allowed",
    "accounts/login/code/confirm/": "allowed",
    r"accounts/confirm-email/(?P<key>[-:\w]+)/$": "allowed",
    "accounts/password/reset/key/done/": "allowed",
    r"accounts/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": "allowed",
    "accounts/password/reset/done/": "allowed",
    # Members (issue 4): nothing changes while read-only, invitations and joining included.
    "members/": "refused",
    "members/me/": "refused",
    "members/export/": "refused",
    "members/<int:pk>/": "refused",
    "members/<int:pk>/role/": "refused",
    "members/<int:pk>/end/": "refused",
    "members/<int:pk>/erase/": "refused",
    "members/invitations/": "refused",
    "members/invitations/<int:pk>/resend/": "refused",
    "members/invitations/<int:pk>/revoke/": "refused",
    "members/invitations/<str:token>/": "refused",
    "members/invitations/<str:token>/renew/": "refused",
    "members/import/": "refused",
    "members/import/preview/": "refused",
    "members/join/": "refused",
    "members/join-requests/": "refused",
    "members/join-requests/<int:pk>/approve/": "refused",
    "members/join-requests/<int:pk>/decline/": "refused",
    "api/v1/members/": "refused",
    "api/v1/members/me/": "refused",
    "api/v1/members/export/": "refused",
    "api/v1/members/settings/": "refused",
    "api/v1/members/<int:pk>/": "refused",
    "api/v1/members/<int:pk>/role/": "refused",
    "api/v1/members/<int:pk>/end/": "refused",
    "api/v1/members/<int:pk>/erase/": "refused",
    "api/v1/members/invitations/": "refused",
    "api/v1/members/invitations/<int:pk>/resend/": "refused",
    "api/v1/members/invitations/<int:pk>/revoke/": "refused",
    "api/v1/members/join-requests/": "refused",
    "api/v1/members/join-requests/<int:pk>/approve/": "refused",
    "api/v1/members/join-requests/<int:pk>/decline/": "refused",
    # Spaces (issue 4): no space is created, joined, left or changed while read-only.
    "spaces/": "refused",
    "spaces/new/": "refused",
    "spaces/settings/": "refused",
    "spaces/<slug:slug>/": "refused",
    "spaces/<slug:slug>/edit/": "refused",
    "spaces/<slug:slug>/archive/": "refused",
    "spaces/<slug:slug>/join/": "refused",
    "spaces/<slug:slug>/leave/": "refused",
    "spaces/<slug:slug>/request/": "refused",
    "spaces/<slug:slug>/requests/<int:pk>/approve/": "refused",
    "spaces/<slug:slug>/requests/<int:pk>/decline/": "refused",
    "spaces/<slug:slug>/members/add/": "refused",
    "spaces/<slug:slug>/members/<int:pk>/remove/": "refused",
    "spaces/<slug:slug>/members/<int:pk>/moderator/": "refused",
    "api/v1/spaces/": "refused",
    "api/v1/spaces/settings/": "refused",
    "api/v1/spaces/<slug:slug>/": "refused",
    "api/v1/spaces/<slug:slug>/archive/": "refused",
    "api/v1/spaces/<slug:slug>/join/": "refused",
    "api/v1/spaces/<slug:slug>/leave/": "refused",
    "api/v1/spaces/<slug:slug>/request/": "refused",
    "api/v1/spaces/<slug:slug>/requests/": "refused",
    "api/v1/spaces/<slug:slug>/requests/<int:pk>/approve/": "refused",
    "api/v1/spaces/<slug:slug>/requests/<int:pk>/decline/": "refused",
    "api/v1/spaces/<slug:slug>/members/": "refused",
    "api/v1/spaces/<slug:slug>/members/<int:pk>/remove/": "refused",
    "api/v1/spaces/<slug:slug>/members/<int:pk>/moderator/": "refused",
    # Discussions: no thread, reply, edit, reaction or upload while read-only (reading is fine).
    "discussions/": "refused",
    "discussions/s/<slug:slug>/": "refused",
    "discussions/s/<slug:slug>/new/": "refused",
    "discussions/t/<int:pk>/": "refused",
    "discussions/t/<int:pk>/reply/": "refused",
    "discussions/t/<int:pk>/subscription/": "refused",
    "discussions/m/<int:pk>/edit/": "refused",
    "discussions/m/<int:pk>/delete/": "refused",
    "discussions/m/<int:pk>/hide/": "refused",
    "discussions/m/<int:pk>/react/": "refused",
    "discussions/files/<int:pk>/": "refused",
    "api/v1/discussions/threads/": "refused",
    "api/v1/discussions/spaces/<slug:slug>/threads/": "refused",
    "api/v1/discussions/spaces/<slug:slug>/mentionable/": "refused",
    "api/v1/discussions/threads/<int:pk>/": "refused",
    "api/v1/discussions/threads/<int:pk>/messages/": "refused",
    "api/v1/discussions/threads/<int:pk>/subscription/": "refused",
    "api/v1/discussions/threads/<int:pk>/read/": "refused",
    "api/v1/discussions/messages/<int:pk>/": "refused",
    "api/v1/discussions/messages/<int:pk>/hide/": "refused",
    "api/v1/discussions/messages/<int:pk>/reactions/": "refused",
    "api/v1/discussions/messages/<int:pk>/attachments/": "refused",
    # Documents: no upload or change while read-only (downloads are reads).
    "documents/": "refused",
    "documents/s/<slug:slug>/": "refused",
    "documents/s/<slug:slug>/f/<int:pk>/": "refused",
    "documents/s/<slug:slug>/upload/": "refused",
    "documents/s/<slug:slug>/folders/new/": "refused",
    "documents/s/<slug:slug>/trash/": "refused",
    "documents/folders/<int:pk>/edit/": "refused",
    "documents/folders/<int:pk>/delete/": "refused",
    "documents/<int:pk>/": "refused",
    "documents/<int:pk>/download/": "refused",
    "documents/<int:pk>/preview/": "refused",
    "documents/<int:pk>/rename/": "refused",
    "documents/<int:pk>/move/": "refused",
    "documents/<int:pk>/trash/": "refused",
    "documents/<int:pk>/restore/": "refused",
    "api/v1/documents/": "refused",
    "api/v1/documents/quota/": "refused",
    "api/v1/documents/trash/": "refused",
    "api/v1/documents/folders/": "refused",
    "api/v1/documents/folders/<int:pk>/": "refused",
    "api/v1/documents/<int:pk>/": "refused",
    "api/v1/documents/<int:pk>/rename/": "refused",
    "api/v1/documents/<int:pk>/move/": "refused",
    "api/v1/documents/<int:pk>/trash/": "refused",
    "api/v1/documents/<int:pk>/restore/": "refused",
    "api/v1/documents/<int:pk>/download/": "refused",
    "news/": "refused",
    "news/new/": "refused",
    "news/<int:pk>/": "refused",
    "news/<int:pk>/edit/": "refused",
    "news/<int:pk>/delete/": "refused",
    "news/<int:pk>/pin/": "refused",
    "news/<int:pk>/receipts/": "refused",
    "news/<int:pk>/acknowledge/": "refused",
    "news/<int:pk>/comments/": "refused",
    "news/<int:pk>/react/": "refused",
    "news/comments/<int:pk>/edit/": "refused",
    "news/comments/<int:pk>/delete/": "refused",
    "news/files/<int:pk>/": "refused",
    "news/files/<int:pk>/delete/": "refused",
    "news/ack/<str:token>/": "refused",
    "api/v1/news/": "refused",
    "api/v1/news/<int:pk>/": "refused",
    "api/v1/news/<int:pk>/pin/": "refused",
    "api/v1/news/<int:pk>/receipts/": "refused",
    "api/v1/news/<int:pk>/acknowledge/": "refused",
    "api/v1/news/<int:pk>/comments/": "refused",
    "api/v1/news/<int:pk>/reactions/": "refused",
    "api/v1/news/<int:pk>/attachments/": "refused",
    "api/v1/news/comments/<int:pk>/": "refused",
    "api/v1/news/attachments/<int:pk>/": "refused",
    "notifications/": "refused",
    "notifications/<int:pk>/read/": "refused",
    "notifications/read-all/": "refused",
    "notifications/preferences/": "refused",
    "notifications/unsubscribe/<str:token>/": "allowed",
    "api/v1/feed/": "refused",
    "api/v1/notifications/": "refused",
    "api/v1/notifications/<int:pk>/read/": "refused",
    "api/v1/notifications/read-all/": "refused",
    "api/v1/notifications/unread-count/": "refused",
    "api/v1/notifications/preferences/": "refused",
    # --- events routes (add below) ---
    "events/": "refused",
    "events/month/": "refused",
    "events/week/": "refused",
    "events/new/": "refused",
    "events/calendar/": "refused",
    "events/calendar/rotate/": "refused",
    "events/feed/<str:token>.ics": "refused",
    "events/answer/<str:token>/": "refused",
    "events/<int:pk>/": "refused",
    "events/<int:pk>/edit/": "refused",
    "events/<int:pk>/cancel/": "refused",
    "events/<int:pk>/delete/": "refused",
    "events/<int:pk>/rsvp/": "refused",
    "events/<int:pk>/attendees/": "refused",
    "events/<int:pk>/attendees.csv": "refused",
    "events/<int:pk>/check-in/": "refused",
    "events/<int:pk>/event.ics": "refused",
    "api/v1/events/": "refused",
    "api/v1/events/calendar/": "refused",
    "api/v1/events/<int:pk>/": "refused",
    "api/v1/events/<int:pk>/cancel/": "refused",
    "api/v1/events/<int:pk>/rsvp/": "refused",
    "api/v1/events/<int:pk>/attendees/": "refused",
    "api/v1/events/<int:pk>/check-in/": "refused",
    # --- polls routes (add below) ---
    "polls/": "refused",
    "polls/new/": "refused",
    "polls/<int:pk>/": "refused",
    "polls/<int:pk>/vote/": "refused",
    "polls/<int:pk>/edit/": "refused",
    "polls/<int:pk>/close/": "refused",
    "polls/<int:pk>/delete/": "refused",
    "polls/<int:pk>/event/": "refused",
    "polls/vote/<str:token>/": "refused",
    "surveys/respond/<str:token>/": "refused",
    "api/v1/polls/": "refused",
    "api/v1/polls/<int:pk>/": "refused",
    "api/v1/polls/<int:pk>/vote/": "refused",
    "api/v1/polls/<int:pk>/close/": "refused",
    "api/v1/polls/<int:pk>/results/": "refused",
    "api/v1/polls/<int:pk>/event/": "refused",
    # --- surveys routes (add below) ---
    "surveys/": "refused",
    "surveys/new/": "refused",
    "surveys/<int:pk>/": "refused",
    "surveys/<int:pk>/edit/": "refused",
    "surveys/<int:pk>/questions/new/": "refused",
    "surveys/<int:pk>/open/": "refused",
    "surveys/<int:pk>/close/": "refused",
    "surveys/<int:pk>/delete/": "refused",
    "surveys/<int:pk>/results/": "refused",
    "surveys/<int:pk>/export/": "refused",
    "surveys/questions/<int:pk>/edit/": "refused",
    "surveys/questions/<int:pk>/delete/": "refused",
    "surveys/questions/<int:pk>/move/": "refused",
    "api/v1/surveys/": "refused",
    "api/v1/surveys/<int:pk>/": "refused",
    "api/v1/surveys/<int:pk>/open/": "refused",
    "api/v1/surveys/<int:pk>/close/": "refused",
    "api/v1/surveys/<int:pk>/questions/": "refused",
    "api/v1/surveys/<int:pk>/response/": "refused",
    "api/v1/surveys/<int:pk>/results/": "refused",
    "api/v1/surveys/<int:pk>/export/": "refused",
    "api/v1/surveys/questions/<int:pk>/": "refused",
    # --- feedback routes (add below) ---
    "feedback/": "refused",
    "feedback/new/": "refused",
    "feedback/inbox/": "refused",
    "feedback/dashboard/": "refused",
    "feedback/themes/": "refused",
    "feedback/themes/<int:pk>/": "refused",
    "feedback/settings/": "refused",
    "feedback/<int:pk>/": "refused",
    "feedback/<int:pk>/assign/": "refused",
    "feedback/<int:pk>/status/": "refused",
    "feedback/<int:pk>/notes/": "refused",
    "feedback/<int:pk>/answer/": "refused",
    "feedback/<int:pk>/merge/": "refused",
    "feedback/<int:pk>/support/": "refused",
    "feedback/files/<int:pk>/": "refused",
    "feedback/follow/<str:token>/": "refused",
    "api/v1/feedback/": "refused",
    "api/v1/feedback/ideas/": "refused",
    "api/v1/feedback/inbox/": "refused",
    "api/v1/feedback/dashboard/": "refused",
    "api/v1/feedback/themes/": "refused",
    "api/v1/feedback/themes/<int:pk>/": "refused",
    "api/v1/feedback/settings/": "refused",
    "api/v1/feedback/attachments/<int:pk>/": "refused",
    "api/v1/feedback/<int:pk>/": "refused",
    "api/v1/feedback/<int:pk>/assign/": "refused",
    "api/v1/feedback/<int:pk>/status/": "refused",
    "api/v1/feedback/<int:pk>/notes/": "refused",
    "api/v1/feedback/<int:pk>/answers/": "refused",
    "api/v1/feedback/<int:pk>/merge/": "refused",
    "api/v1/feedback/<int:pk>/support/": "refused",
    # --- search routes (add below) ---
    "search/": "refused",
    "api/v1/search/": "refused",
}

WRITE_METHODS = ("post", "put", "patch", "delete")
# A real profile change: if a refused write got through, Alice's name would change.
PROFILE = {"full_name": "Changed While Read Only", "language": "en"}


@pytest.fixture
def no_stripe(settings, monkeypatch) -> None:  # noqa: ANN001 — pytest fixtures
    """Billing on, and any call towards Stripe fails the test (none is expected here)."""
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a Stripe call was made during a read-only test")

    monkeypatch.setattr(stripe_gateway, "client", refuse)


def _recompute(association: Association) -> None:
    access_recompute(association_id=association.pk)
    routing_cache_clear()  # the routing cache holds Association objects with the old status


@pytest.fixture
def read_only_alpha(world: World, no_stripe: None) -> Association:
    """Alpha's free trial ended yesterday without a subscription."""
    Subscription.objects.filter(association=world.alpha).update(
        trial_ends_at=timezone.now() - timedelta(days=1)
    )
    _recompute(world.alpha)
    alpha = Association.objects.get(pk=world.alpha.pk)
    assert alpha.is_read_only()
    return alpha


@pytest.fixture
def alpha_ids(world: World) -> AlphaIds:
    return AlphaIds(
        membership_pk=world.membership("alpha", "alice").pk,
        user_pk=world.users["alice"].pk,
        beta_ticket=handoff_create(user=world.users["bob"], association=world.beta).split("/")[
            -2
        ],
    )


def _routes() -> Iterator[Route]:
    yield from tenant_routes()


def _body(response) -> str:  # noqa: ANN001 — a test-client response
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return html.unescape(raw.decode("utf-8", "replace"))


def _message(language: str = "fr") -> str:
    with translation.override(language):
        return read_only_message()


def is_read_only_refusal(response, url: str) -> bool:  # noqa: ANN001
    if response.status_code != 403:
        return False
    message = _message(response.wsgi_request.LANGUAGE_CODE)  # in the reader's language
    if url.startswith("/api/"):
        data = json.loads(response.content)
        return data.get("code") == "read_only" and data.get("detail") == message
    return message in _body(response)


def _send(client: Client, method: str, url: str, body: dict[str, str]) -> object:
    if method == "post":
        return client.post(url, body)
    # PUT, PATCH and DELETE carry the same form body, encoded by hand.
    return getattr(client, method)(
        url, urlencode(body), content_type="application/x-www-form-urlencoded"
    )


# --- The route list ----------------------------------------------------------------------------


def test_every_workspace_route_is_classified_for_read_only():
    walked = {route.pattern for route in _routes()}
    unlisted = sorted(walked - set(READ_ONLY))
    gone = sorted(set(READ_ONLY) - walked)
    assert not unlisted, f"new routes, say what read-only mode does to them: {unlisted}"
    assert not gone, f"routes listed in READ_ONLY that no longer exist: {gone}"


def test_allowlist_is_exactly_the_issues():
    # Widening the middleware's allowlist must be a deliberate change of this test.
    assert read_only_middleware.ALLOWED_PREFIXES == ALLOWLIST
    for pattern, outcome in READ_ONLY.items():
        allowed = ("/" + pattern).startswith(ALLOWLIST)
        assert (outcome == "allowed") == allowed, pattern


# --- Writes while read-only --------------------------------------------------------------------


@pytest.mark.parametrize("user_key", ["alice", "amir"])
def test_every_write_is_refused_while_read_only(
    world: World, read_only_alpha: Association, alpha_ids: AlphaIds, signed_in, user_key: str  # noqa: ANN001
):
    failures: list[str] = []
    probes = 0
    for route in _routes():
        outcome = READ_ONLY[route.pattern]
        url = url_for(route, alpha_ids)
        for method in WRITE_METHODS:
            # A fresh session per probe: an allowed write may sign the person out.
            client = signed_in("alpha", user_key)
            # Writes that must be refused carry a real change; allowed ones carry nothing, so
            # they cannot change the session or account the next probes rely on.
            body = PROFILE if outcome == "refused" else {}
            response = _send(client, method, url, body)
            probes += 1
            refused = is_read_only_refusal(response, url)
            if refused != (outcome == "refused"):
                failures.append(
                    f"{method.upper()} {url} [{outcome}] → {response.status_code} "
                    f"{_body(response)[:120]!r}"
                )
    assert not failures, "\n".join(failures)
    assert probes == len(READ_ONLY) * len(WRITE_METHODS)
    # No refused write changed anything.
    assert User.objects.get(pk=world.users["alice"].pk).full_name == "Alice Board"


def test_refusal_is_clear_in_html_and_json(
    world: World, read_only_alpha: Association, signed_in  # noqa: ANN001
):
    alice = signed_in("alpha", "alice")
    page = alice.post("/me/", PROFILE)
    assert page.status_code == 403
    assert page["Content-Type"].startswith("text/html")
    text = _body(page)
    assert _message() in text
    assert "/billing/" in text  # the board is shown how to subscribe again
    api = alice.patch("/api/v1/me/", {"full_name": "X"}, content_type="application/json")
    assert api.status_code == 403
    assert api.json() == {"detail": _message(), "code": "read_only"}
    # In English for an English reader.
    english = alice.post("/me/", PROFILE, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 403 and _message("en") in _body(english)
    # A member is not offered the subscribe button.
    amir_page = signed_in("alpha", "amir").post("/me/", PROFILE)
    assert amir_page.status_code == 403 and "/billing/" not in _body(amir_page)


def test_reads_still_work_and_show_the_banner(
    world: World, read_only_alpha: Association, alpha_ids: AlphaIds, signed_in  # noqa: ANN001
):
    with translation.override("fr"):
        banner = gettext("This workspace is read-only.")
    for user_key in ("alice", "amir"):
        client = signed_in("alpha", user_key)
        for url in ("/", "/me/"):
            response = client.get(url)
            assert response.status_code == 200, (user_key, url)
            assert "banner-read_only" in response.content.decode()
            assert banner in _body(response)
        api = client.get("/api/v1/me/")
        assert api.status_code == 200 and api.json()["email"] == world.users[user_key].email
        # No read anywhere gets the read-only refusal.
        for route in _routes():
            url = url_for(route, alpha_ids)
            for method in ("get", "head", "options"):
                response = getattr(signed_in("alpha", user_key), method)(url)
                assert not is_read_only_refusal(response, url), (user_key, method, url)


def test_resubscribing_restores_writes_at_once(
    world: World, read_only_alpha: Association, signed_in  # noqa: ANN001
):
    alice = signed_in("alpha", "alice")
    assert alice.post("/me/", PROFILE).status_code == 403
    Subscription.objects.filter(association=world.alpha).update(
        stripe_status=StripeStatus.ACTIVE, stripe_subscription_id="sub_alpha"
    )
    _recompute(world.alpha)
    response = alice.post("/me/", PROFILE)
    assert response.status_code == 302
    assert User.objects.get(pk=world.users["alice"].pk).full_name == PROFILE["full_name"]
    assert "banner-read_only" not in alice.get("/").content.decode()
    api = alice.patch("/api/v1/me/", {"full_name": "Alice Again"}, content_type="application/json")
    assert not is_read_only_refusal(api, "/api/v1/me/")


def test_nothing_is_deleted_by_read_only(world: World, no_stripe: None, signed_in):  # noqa: ANN001
    def memberships() -> list[tuple[int, str, str]]:
        with tenant_context(world.alpha):
            return sorted(Membership.objects.values_list("user_id", "role", "status"))

    before = memberships()
    assert len(before) == 5 and all(s == MembershipStatus.ACTIVE for _u, _r, s in before)
    Subscription.objects.filter(association=world.alpha).update(
        stripe_status=StripeStatus.CANCELED,
        stripe_subscription_id="sub_gone",
        canceled_at=timezone.now(),
    )
    _recompute(world.alpha)
    assert Association.objects.get(pk=world.alpha.pk).is_read_only()
    for user_key in ("alice", "amir"):
        signed_in("alpha", user_key).delete("/me/")
    assert memberships() == before
    assert Association.objects.get(pk=world.alpha.pk).member_count == 5
