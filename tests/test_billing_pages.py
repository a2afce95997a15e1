"""Billing as people see it: the pricing page and plans API at the base domain, the board's
billing page and banners in a workspace, and nothing about payment when billing is off.

No Stripe call: plans and subscriptions are set in the database directly.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from billing import stripe_gateway
from billing.models import Plan, StripeStatus, Subscription
from billing.services import access_recompute
from tenants.models import Association
from tenants.routing import routing_cache_clear

from .world import World

NBSP = ("\u00a0", "\u202f")  # Babel's non-breaking and narrow non-breaking spaces
SEAT_WORDS = ("per member", "per seat", "seat", "par membre", "par siège", "siège", "par personne")
PAYMENT_WORDS = (
    "billing", "subscription", "subscribe", "payment", "invoice", "€", "pricing",
    "abonnement", "abonner", "paiement", "facture", "tarif",
)


@pytest.fixture
def plans(db) -> list[Plan]:  # noqa: ANN001
    return [
        Plan.objects.create(
            code="essentiel", name="Essentiel", description="Pour bien démarrer",
            price_monthly_cents=900, price_yearly_cents=9000,
            stripe_price_monthly="price_ess_m", stripe_price_yearly="price_ess_y",
            storage_quota_mb=5_000, sort_order=1,
        ),
        Plan.objects.create(
            code="federation", name="Fédération",
            price_monthly_cents=2900, price_yearly_cents=29000,
            stripe_price_monthly="price_fed_m", stripe_price_yearly="price_fed_y",
            storage_quota_mb=50_000, features=["Espaces illimités"], sort_order=2,
        ),
        Plan.objects.create(
            code="ancien", name="Ancienne formule", price_monthly_cents=100, is_active=False
        ),
    ]


@pytest.fixture
def billing_on(settings, monkeypatch) -> None:  # noqa: ANN001 — pytest fixtures
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a Stripe call was made while showing a page")

    monkeypatch.setattr(stripe_gateway, "client", refuse)


def _text(response) -> str:  # noqa: ANN001 — a test-client response
    return html.unescape(response.content.decode())


def _assert_no_seat_wording(text: str) -> None:
    lowered = text.lower()
    found = [word for word in SEAT_WORDS if word in lowered]
    assert not found, found


# --- Pricing page and plans API (base domain) ---------------------------------------------------


def test_pricing_page_in_french(world: World, plans: list[Plan], client_for, settings):  # noqa: ANN001
    settings.BILLING_VAT_DISPLAY = "ttc"
    response = client_for(None).get("/pricing/")
    assert response.status_code == 200
    text = _text(response)
    # Whole euros, the sign after the amount, joined by a non-breaking space as Babel writes it.
    for amount in ("9", "90", "29", "290"):
        assert any(f"{amount}{space}€" in text for space in NBSP), amount
    assert "9,00" not in text and "9 €" not in text  # no decimals, no breakable space
    assert "Essentiel" in text and "Fédération" in text and "Pour bien démarrer" in text
    assert "Espaces illimités" in text
    assert "Ancienne formule" not in text  # inactive plans are not offered
    assert text.count("Membres illimités") == 2  # on every plan
    assert "TVA incluse" in text and "hors TVA" not in text
    assert any(f"5{space}Go" in text for space in NBSP)
    _assert_no_seat_wording(text)


def test_pricing_page_in_english(world: World, plans: list[Plan], client_for, settings):  # noqa: ANN001
    settings.BILLING_VAT_DISPLAY = "ht"
    text = _text(client_for(None).get("/pricing/", HTTP_ACCEPT_LANGUAGE="en"))
    for amount in ("€9", "€90", "€29", "€290"):
        assert amount in text
    assert "€9.00" not in text
    assert text.count("Unlimited members") == 2
    assert "excluding VAT" in text and "VAT included" not in text
    _assert_no_seat_wording(text)


def test_pricing_page_without_vat_label(world: World, plans: list[Plan], client_for, settings):  # noqa: ANN001
    settings.BILLING_VAT_DISPLAY = "none"  # associations not subject to VAT
    text = _text(client_for(None).get("/pricing/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "VAT" not in text and "€9" in text


def test_plans_api(world: World, plans: list[Plan], client_for):  # noqa: ANN001
    response = client_for(None).get("/api/v1/plans/")
    assert response.status_code == 200
    data = response.json()
    assert [plan["code"] for plan in data] == ["essentiel", "federation"]
    assert all(plan["unlimited_members"] is True for plan in data)
    assert data[0]["price_monthly_cents"] == 900 and data[0]["price_yearly_cents"] == 9000
    # Nothing in a plan counts people.
    keys = {key for plan in data for key in plan}
    counted = [key for key in keys - {"unlimited_members"} if "seat" in key or "member" in key]
    assert not counted


# --- The board's billing page (billing on) ------------------------------------------------------


def _set(world: World, **fields: object) -> None:
    Subscription.objects.filter(association=world.alpha).update(**fields)
    access_recompute(association_id=world.alpha.pk)
    routing_cache_clear()  # the routing cache holds Association objects with the old status


def test_billing_page_for_the_board(
    world: World, plans: list[Plan], billing_on: None, signed_in  # noqa: ANN001
):
    _set(world, trial_ends_at=datetime(2031, 3, 15, 12, 0, tzinfo=UTC))
    response = signed_in("alpha", "alice").get("/billing/")
    assert response.status_code == 200
    text = _text(response)
    assert "badge-trial" in text and "Essai" in text  # the status
    assert "15 mars 2031" in text  # the trial's end, in French
    for plan in ("essentiel", "federation"):
        assert f'name="plan" value="{plan}"' in text
    assert text.count('action="/billing/checkout/"') == 2
    assert text.count('name="interval" value="month"') == 2
    assert text.count('name="interval" value="year"') == 2
    assert "ancien" not in text
    assert any(f"9{space}€" in text for space in NBSP)
    _assert_no_seat_wording(text)

    api = signed_in("alpha", "alice").get("/api/v1/billing/")
    assert api.status_code == 200
    assert api.json()["status"] == "trial" and api.json()["read_only"] is False
    assert api.json()["trial_ends_at"].startswith("2031-03-15")


def test_trial_ending_banner_for_the_board(
    world: World, billing_on: None, signed_in  # noqa: ANN001
):
    _set(world, trial_ends_at=timezone.now() + timedelta(days=3))
    assert "banner-trial_ending" in signed_in("alpha", "alice").get("/").content.decode()
    assert "banner-" not in signed_in("alpha", "amir").get("/").content.decode()


def test_past_due_banner_shows_to_the_board_only(
    world: World, billing_on: None, signed_in  # noqa: ANN001
):
    _set(
        world,
        stripe_status=StripeStatus.PAST_DUE,
        stripe_subscription_id="sub_alpha",
        past_due_since=timezone.now() - timedelta(days=2),
    )
    assert Association.objects.get(pk=world.alpha.pk).status == "past_due"
    alice = signed_in("alpha", "alice").get("/")
    assert alice.status_code == 200
    page = alice.content.decode()
    assert "banner-past_due" in page and 'href="/billing/"' in page
    for user_key in ("amir", "arthur", "agnes"):
        page = signed_in("alpha", user_key).get("/").content.decode()
        assert "banner-" not in page, user_key
        assert "/billing/" not in page, user_key


ALL_BILLING_ROUTES = [
    ("get", "/billing/"),
    ("get", "/billing/status/"),
    ("post", "/billing/checkout/"),
    ("post", "/billing/portal/"),
    ("get", "/api/v1/billing/"),
    ("post", "/api/v1/billing/checkout/"),
    ("post", "/api/v1/billing/portal/"),
]


@pytest.mark.parametrize("user_key", ["amir", "arthur", "agnes"])
def test_billing_is_board_only(
    world: World, plans: list[Plan], billing_on: None, signed_in, user_key: str  # noqa: ANN001
):
    client = signed_in("alpha", user_key)
    for method, url in ALL_BILLING_ROUTES:
        response = getattr(client, method)(url, {"plan": "essentiel", "interval": "month"})
        assert response.status_code == 404, (user_key, method, url, response.status_code)
    # Control: the board does reach them.
    assert signed_in("alpha", "alice").get("/billing/").status_code == 200
    assert signed_in("alpha", "alice").get("/api/v1/billing/").status_code == 200


# --- Billing off --------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en"])
def test_billing_off_shows_nothing_about_payment(
    world: World, plans: list[Plan], signed_in, language: str  # noqa: ANN001
):
    # Even a trial long over and a failed payment mean nothing without Stripe keys.
    _set(
        world,
        trial_ends_at=timezone.now() - timedelta(days=60),
        stripe_status=StripeStatus.PAST_DUE,
        past_due_since=timezone.now() - timedelta(days=30),
    )
    for user_key in ("alice", "amir"):
        client = signed_in("alpha", user_key)
        for method, url in ALL_BILLING_ROUTES:
            assert getattr(client, method)(url).status_code == 404, (user_key, url)
        for url in ("/", "/me/"):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200
            lowered = _text(response).lower()
            found = [word for word in PAYMENT_WORDS if word in lowered]
            assert not found, (user_key, url, found)
        written = client.post("/me/", {"full_name": "Still Writable", "language": ""})
        assert written.status_code == 302  # never read-only without billing
