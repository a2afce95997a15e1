"""Billing in the operators' console: the list with plans, statuses and revenue (constant number
of queries), totals, trial extension, free grants, resync from Stripe, failed webhook events and
their replay, and the plans managed by operators."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone, translation

from billing.forms import PlanForm
from billing.models import Interval, Plan, StripeStatus, Subscription, WebhookEvent
from billing.selectors import billing_totals
from billing.services import access_recompute
from billing.templatetags.money import money
from tenants.accounts.models import User
from tenants.models import Association, AssociationStatus
from tenants.routing import routing_cache_clear

from .world import PASSWORD

FIXTURES = Path("/work/shared/data/stripe/fixtures3.json")
FORBIDDEN_WORDS = ("member", "seat", "user", "quantity")


# --- Helpers -----------------------------------------------------------------------------------


@pytest.fixture
def operator(world) -> User:  # noqa: ANN001
    return User.objects.create_user(
        email="billing.operator@cercle.test", password=PASSWORD, full_name="Otto Operator",
        is_operator=True,
    )


@pytest.fixture
def plan(world) -> Plan:  # noqa: ANN001
    return Plan.objects.create(
        code="essentiel", name="Essentiel", price_monthly_cents=900, price_yearly_cents=9000,
        stripe_price_monthly="price_ess_month", stripe_price_yearly="price_ess_year",
    )


@pytest.fixture
def billing_on(settings) -> Any:  # noqa: ANN001
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    return settings


def at_base(user: User | None = None, language: str = "en") -> Client:
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        connection.set_schema_to_public()  # base sessions live in the public schema
        client.force_login(user)
    return client


def fresh(association: Association) -> Association:
    return Association.objects.get(pk=association.pk)


def sub_of(association: Association) -> Subscription:
    return Subscription.objects.get(association=association)


def toasts(response) -> list[str]:  # noqa: ANN001
    return [str(m) for m in response.context["messages"]] if response.context else []


def bare_association(slug: str, **sub_fields: Any) -> Association:
    """An association row with its subscription and no schema: the console reads only the
    public schema, so the rows are enough (and much cheaper than provisioning)."""
    association = Association.objects.create(
        name=slug.capitalize(), slug=slug, schema_name="a_" + slug.replace("-", "_")
    )
    sub_fields.setdefault("trial_ends_at", timezone.now() + timedelta(days=30))
    Subscription.objects.create(association=association, **sub_fields)
    return association


def row_of(body: str, association: Association) -> str:
    rows = [row for row in body.split("<tr>") if association.host in row]
    assert len(rows) == 1, f"{association.slug} should have exactly one row"
    return rows[0]


# --- Who may use it ----------------------------------------------------------------------------


def _routes(world, plan: Plan, event: WebhookEvent) -> list[tuple[str, str, dict[str, str]]]:  # noqa: ANN001
    pk = world.alpha.pk
    return [
        ("get", f"/ops/associations/{pk}/subscription/", {}),
        ("post", f"/ops/associations/{pk}/subscription/trial/", {"days": "30"}),
        ("post", f"/ops/associations/{pk}/subscription/grant/", {"plan": plan.code, "note": "x"}),
        ("post", f"/ops/associations/{pk}/subscription/grant/withdraw/", {}),
        ("post", f"/ops/associations/{pk}/subscription/resync/", {}),
        ("get", "/ops/webhooks/", {}),
        ("post", f"/ops/webhooks/{event.pk}/replay/", {}),
        ("get", "/ops/plans/", {}),
        ("get", "/ops/plans/new/", {}),
        ("post", "/ops/plans/new/", _plan_data(code="sneaky")),
        ("get", f"/ops/plans/{plan.pk}/", {}),
        ("post", f"/ops/plans/{plan.pk}/", _plan_data(code=plan.code, name="Hacked")),
    ]


def _failed_event(type_: str = "customer.created", event_id: str = "evt_failed_1") -> WebhookEvent:
    return WebhookEvent.objects.create(
        stripe_event_id=event_id,
        type=type_,
        payload={"id": event_id, "object": "event", "type": type_, "data": {"object": {}}},
        state=WebhookEvent.State.FAILED,
        attempts=3,
        error="StripeUnavailable: connection refused",
    )


def test_non_operators_get_404_on_every_route_and_nothing_changes(world, plan) -> None:
    event = _failed_event()
    trial_end = sub_of(world.alpha).trial_ends_at
    for user_key in ("alice", "sam"):  # a board administrator is no operator
        client = at_base(world.users[user_key])
        for method, url, data in _routes(world, plan, event):
            response = getattr(client, method)(url, data)
            assert response.status_code == 404, (user_key, method, url)
    sub = sub_of(world.alpha)
    assert sub.trial_ends_at == trial_end and not sub.granted
    assert Plan.objects.get(pk=plan.pk).name == "Essentiel"
    assert not Plan.objects.filter(code="sneaky").exists()
    assert WebhookEvent.objects.get(pk=event.pk).state == WebhookEvent.State.FAILED


def test_anonymous_people_are_sent_to_sign_in(world, plan) -> None:
    event = _failed_event()
    client = at_base()
    for method, url, data in _routes(world, plan, event):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith("/accounts/login/?next=/ops/")
    assert not sub_of(world.alpha).granted


def test_actions_refuse_get_and_unknown_association_is_404(world, operator) -> None:
    ops = at_base(operator)
    assert ops.get(f"/ops/associations/{world.alpha.pk}/subscription/trial/").status_code == 405
    response = ops.post("/ops/associations/999999/subscription/trial/", {"days": "3"})
    assert response.status_code == 404
    assert ops.get("/ops/associations/999999/subscription/").status_code == 404


def test_actions_need_the_csrf_token(world, operator) -> None:
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    client.force_login(operator)
    before = sub_of(world.alpha).trial_ends_at
    response = client.post(f"/ops/associations/{world.alpha.pk}/subscription/trial/", {"days": "9"})
    assert response.status_code == 403
    assert sub_of(world.alpha).trial_ends_at == before


# --- The console list and the totals -----------------------------------------------------------


def test_console_shows_plan_status_trial_end_renewal_and_revenue(world, operator, plan) -> None:
    renewal = timezone.now() + timedelta(days=20)
    paying = bare_association(
        "payante", plan=plan, interval=Interval.YEAR, stripe_status=StripeStatus.ACTIVE,
        stripe_subscription_id="sub_pay", amount_cents=9000, current_period_end=renewal,
    )
    response = at_base(operator).get("/ops/")
    assert response.status_code == 200
    body = response.content.decode()
    with translation.override("en"):
        row = row_of(body, paying)
        assert "Essentiel" in row
        assert "Active" in row
        assert formats.date_format(timezone.localtime(renewal), "SHORT_DATE_FORMAT") in row
        assert money(750) in row  # 90 € a year is 7.50 € a month
        assert f"/ops/associations/{paying.pk}/subscription/" in row
        alpha = row_of(body, world.alpha)
        trial_end = sub_of(world.alpha).trial_ends_at
        assert formats.date_format(timezone.localtime(trial_end), "SHORT_DATE_FORMAT") in alpha
        assert "Free trial" in alpha
        assert money(0) in alpha
    # The existing columns are still there.
    assert f"<td>{world.alpha.member_count}</td>" in row_of(body, world.alpha)


def _console_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/ops/")
    assert response.status_code == 200
    return len(queries)


def test_console_runs_a_constant_number_of_queries(world, operator, plan) -> None:
    client = at_base(operator)
    bare_association("third", plan=plan, stripe_status=StripeStatus.ACTIVE, amount_cents=900)
    assert Association.objects.exclude(schema_name="public").count() == 3
    client.get("/ops/")  # warm the per-process caches (routing, site) first
    few = _console_queries(client)
    for n in range(10):
        bare_association(
            f"extra{n}", plan=plan, stripe_status=StripeStatus.ACTIVE, amount_cents=900 + n,
            interval=Interval.MONTH, current_period_end=timezone.now() + timedelta(days=n),
        )
    assert Association.objects.exclude(schema_name="public").count() == 13
    body = client.get("/ops/").content.decode()
    assert body.count("/subscription/") == 13  # every row is on the page
    assert _console_queries(client) == few


def test_totals_are_computed_from_the_subscriptions(world, operator, plan, billing_on) -> None:
    now = timezone.now()
    before = billing_totals()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    created = [
        bare_association("monthly", plan=plan, interval=Interval.MONTH,
                         stripe_status=StripeStatus.ACTIVE, amount_cents=900),
        bare_association("yearly", plan=plan, interval=Interval.YEAR,
                         stripe_status=StripeStatus.ACTIVE, amount_cents=9000),
        bare_association("late", plan=plan, interval=Interval.MONTH,
                         stripe_status=StripeStatus.PAST_DUE, amount_cents=900,
                         past_due_since=now - timedelta(days=2)),
        bare_association("gone", plan=plan, interval=Interval.MONTH,
                         stripe_status=StripeStatus.CANCELED, amount_cents=900, canceled_at=now),
        bare_association("gone-before", plan=plan, interval=Interval.MONTH,
                         stripe_status=StripeStatus.CANCELED, amount_cents=900,
                         canceled_at=month_start - timedelta(days=3)),
        # Granted: full access, no revenue, even with a Stripe price on record.
        bare_association("partner", plan=plan, granted=True, amount_cents=900,
                         interval=Interval.MONTH, stripe_status=StripeStatus.ACTIVE),
        bare_association("newcomer"),  # our own trial, no card yet
    ]
    for association in created:
        access_recompute(association_id=association.pk, now=now)
    after = billing_totals(now)

    assert after.mrr_cents - before.mrr_cents == 900 + 750 + 900
    assert after.active - before.active == 3  # monthly, yearly, partner (granted)
    assert after.trialing - before.trialing == 1
    assert after.past_due - before.past_due == 1
    assert after.read_only - before.read_only == 2  # both canceled ones
    assert after.churned_this_month - before.churned_this_month == 1

    page = at_base(operator, language="fr").get("/ops/").content.decode()
    with translation.override("fr"):
        assert f'<dd id="total-mrr">{money(after.mrr_cents)}</dd>' in page
    assert f'<dd id="total-active">{after.active}</dd>' in page
    assert f'<dd id="total-trialing">{after.trialing}</dd>' in page
    assert f'<dd id="total-past-due">{after.past_due}</dd>' in page
    assert f'<dd id="total-read-only">{after.read_only}</dd>' in page
    assert f'<dd id="total-churned">{after.churned_this_month}</dd>' in page
    with translation.override("fr"):
        assert money(750) == "7,50\xa0€"  # the yearly plan, per month, as a French reader sees it
        assert money(750) in row_of(page, created[1])
        assert money(0) in row_of(page, created[5])


# --- Trial extension ---------------------------------------------------------------------------


def test_extend_the_trial_moves_its_end(world, operator) -> None:
    before = sub_of(world.alpha).trial_ends_at
    ops = at_base(operator)
    started = timezone.now()
    response = ops.post(
        f"/ops/associations/{world.alpha.pk}/subscription/trial/", {"days": "10"}, follow=True
    )
    finished = timezone.now()
    assert response.status_code == 200
    after = sub_of(world.alpha).trial_ends_at
    # Ten days from the later of the old end and now.
    assert max(before, started) + timedelta(days=10) <= after
    assert after <= max(before, finished) + timedelta(days=10)
    with translation.override("en"):
        shown = formats.date_format(timezone.localtime(after), "SHORT_DATE_FORMAT")
    assert any("Alpha" in toast and shown in toast for toast in toasts(response))
    assert f'<dd id="sub-trial-end">{shown}</dd>' in response.content.decode()


def test_extending_an_expired_trial_restores_access(world, operator, billing_on,
                                                    django_capture_on_commit_callbacks) -> None:
    Subscription.objects.filter(association=world.alpha).update(
        trial_ends_at=timezone.now() - timedelta(days=2)
    )
    access_recompute(association_id=world.alpha.pk)
    assert fresh(world.alpha).is_read_only()
    with django_capture_on_commit_callbacks(execute=True):
        at_base(operator).post(
            f"/ops/associations/{world.alpha.pk}/subscription/trial/", {"days": "7"}
        )
    alpha = fresh(world.alpha)
    assert alpha.status == AssociationStatus.TRIAL and not alpha.is_read_only()
    assert sub_of(world.alpha).trial_ends_at > timezone.now() + timedelta(days=6)


@pytest.mark.parametrize("days", ["0", "1000", "-3", "abc", ""])
def test_bad_number_of_days_is_refused_and_changes_nothing(world, operator, days) -> None:
    before = sub_of(world.alpha).trial_ends_at
    response = at_base(operator).post(
        f"/ops/associations/{world.alpha.pk}/subscription/trial/", {"days": days}
    )
    assert response.status_code == 400
    assert "Enter a number of days between 1 and 365." in response.content.decode()
    assert sub_of(world.alpha).trial_ends_at == before


@pytest.fixture
def french_catalogue(settings, tmp_path: Path) -> None:  # noqa: ANN001
    """The French .po as it is now, compiled (the .mo in the tree may be stale or absent)."""
    po = Path(__file__).resolve().parent.parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    out = tmp_path / "fr" / "LC_MESSAGES" / "django.mo"
    out.parent.mkdir(parents=True)
    with po.open("rb") as source, out.open("wb") as handle:
        write_mo(handle, read_po(source, locale="fr"))
    settings.LOCALE_PATHS = [tmp_path]  # Django reloads its translations on this change


def test_form_errors_are_in_french_for_a_french_operator(
    world, operator, french_catalogue
) -> None:
    response = at_base(operator, language="fr").post(
        f"/ops/associations/{world.alpha.pk}/subscription/trial/", {"days": "1000"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Saisissez un nombre de jours entre 1 et 365." in body
    assert "Prolonger l’essai" in body
    assert "Enter a number of days" not in body


# --- Free grants -------------------------------------------------------------------------------


def test_grant_restores_access_after_the_trial_and_withdraw_takes_it_back(
    world, operator, plan, billing_on, signed_in, django_capture_on_commit_callbacks
) -> None:
    Subscription.objects.filter(association=world.alpha).update(
        trial_ends_at=timezone.now() - timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        access_recompute(association_id=world.alpha.pk)
    assert fresh(world.alpha).status == AssociationStatus.READ_ONLY
    alice = signed_in("alpha", "alice")
    refused = alice.post("/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403 and "read-only" in refused.content.decode()

    ops = at_base(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = ops.post(
            f"/ops/associations/{world.alpha.pk}/subscription/grant/",
            {"plan": plan.code, "note": "Partenaire régional"},
            follow=True,
        )
    assert response.status_code == 200
    sub = sub_of(world.alpha)
    assert sub.granted and sub.plan == plan and sub.grant_note == "Partenaire régional"
    alpha = fresh(world.alpha)
    assert alpha.status == AssociationStatus.ACTIVE and not alpha.is_read_only()
    assert any("Essentiel" in toast for toast in toasts(response))
    assert "Granted free of charge" in response.content.decode()
    routing_cache_clear()
    allowed = alice.post("/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert allowed.status_code != 403  # the read-only guard lets writes through again

    with django_capture_on_commit_callbacks(execute=True):
        ops.post(f"/ops/associations/{world.alpha.pk}/subscription/grant/withdraw/")
    sub = sub_of(world.alpha)
    assert not sub.granted and sub.grant_note == ""
    assert fresh(world.alpha).status == AssociationStatus.READ_ONLY  # the trial is still over
    routing_cache_clear()
    assert alice.post("/me/", HTTP_ACCEPT_LANGUAGE="en").status_code == 403


def test_grant_of_an_unknown_plan_is_refused(world, operator, plan) -> None:
    response = at_base(operator).post(
        f"/ops/associations/{world.alpha.pk}/subscription/grant/", {"plan": "platine", "note": ""}
    )
    assert response.status_code == 400
    assert "Choose one of the existing plans." in response.content.decode()
    sub = sub_of(world.alpha)
    assert not sub.granted and sub.plan is None


# --- Resync from Stripe ------------------------------------------------------------------------


class _StripeStandIn(BaseHTTPRequestHandler):
    """Answers GET /v1/subscriptions?customer=… with the subscriptions given to the server."""

    def do_GET(self) -> None:  # noqa: N802 — the http.server API
        server: Any = self.server
        server.requests.append(self.path)
        if server.fail:
            self._answer(500, {"error": {"type": "api_error", "message": "down"}})
            return
        url = urlparse(self.path)
        customer = parse_qs(url.query).get("customer", [""])[0]
        data = [s for s in server.subscriptions if s["customer"] == customer]
        self._answer(200, {"object": "list", "data": data, "has_more": False,
                           "url": "/v1/subscriptions"})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("Request-Id", "req_standin")
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def stripe_standin(billing_on) -> Iterator[Any]:  # noqa: ANN001
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _StripeStandIn)
    server.requests, server.subscriptions, server.fail = [], [], False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    billing_on.STRIPE_API_BASE = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _stripe_subscription(customer: str, price_id: str, status: str, period_end: datetime) -> dict:
    data = copy.deepcopy(json.loads(FIXTURES.read_text())["resources"]["subscription"])
    item = data["items"]["data"][0]
    data.update(id="sub_resync_1", customer=customer, status=status, created=1_700_000_000,
                current_period_end=int(period_end.timestamp()), cancel_at_period_end=False,
                ended_at=None, canceled_at=None, metadata={})
    item["price"].update(id=price_id, unit_amount=900, currency="eur",
                         recurring={**item["price"]["recurring"], "interval": "month"})
    item["quantity"] = 1
    item["current_period_end"] = int(period_end.timestamp())
    return data


def test_resync_reads_stripe_and_restores_access(
    world, operator, plan, stripe_standin, django_capture_on_commit_callbacks
) -> None:
    Subscription.objects.filter(association=world.alpha).update(
        stripe_customer_id="cus_alpha", trial_ends_at=timezone.now() - timedelta(days=1)
    )
    access_recompute(association_id=world.alpha.pk)
    assert fresh(world.alpha).status == AssociationStatus.READ_ONLY
    period_end = datetime.now(tz=UTC).replace(microsecond=0) + timedelta(days=25)
    stripe_standin.subscriptions.append(
        _stripe_subscription("cus_alpha", plan.stripe_price_monthly, "active", period_end)
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = at_base(operator).post(
            f"/ops/associations/{world.alpha.pk}/subscription/resync/", follow=True
        )
    assert response.status_code == 200
    assert any(path.startswith("/v1/subscriptions?") for path in stripe_standin.requests)
    sub = sub_of(world.alpha)
    assert sub.stripe_status == StripeStatus.ACTIVE and sub.plan == plan
    assert sub.amount_cents == 900 and sub.current_period_end == period_end
    assert fresh(world.alpha).status == AssociationStatus.ACTIVE
    assert any("resynced" in toast for toast in toasts(response))


def test_resync_when_stripe_fails_changes_nothing(world, operator, stripe_standin) -> None:
    Subscription.objects.filter(association=world.alpha).update(stripe_customer_id="cus_alpha")
    stripe_standin.fail = True
    before = Subscription.objects.filter(association=world.alpha).values().get()
    status_before = fresh(world.alpha).status
    response = at_base(operator).post(
        f"/ops/associations/{world.alpha.pk}/subscription/resync/", follow=True
    )
    assert response.status_code == 200
    assert stripe_standin.requests  # Stripe was asked, and failed
    assert any("Stripe could not be reached" in toast for toast in toasts(response))
    assert Subscription.objects.filter(association=world.alpha).values().get() == before
    assert fresh(world.alpha).status == status_before


def test_resync_when_billing_is_off_says_so_and_changes_nothing(world, operator) -> None:
    before = Subscription.objects.filter(association=world.alpha).values().get()
    response = at_base(operator).post(
        f"/ops/associations/{world.alpha.pk}/subscription/resync/", follow=True
    )
    assert any("Billing is off" in toast for toast in toasts(response))
    assert Subscription.objects.filter(association=world.alpha).values().get() == before


# --- Failed webhook events ---------------------------------------------------------------------


def test_failed_events_are_listed_and_replayed(
    world, operator, django_capture_on_commit_callbacks
) -> None:
    failed = _failed_event()
    done = WebhookEvent.objects.create(
        stripe_event_id="evt_done", type="invoice.paid", payload={}, state="processed"
    )
    ops = at_base(operator)
    page = ops.get("/ops/webhooks/").content.decode()
    assert "evt_failed_1" in page and "customer.created" in page
    assert "StripeUnavailable: connection refused" in page
    assert "<td>3</td>" in page  # attempts
    assert f"/ops/webhooks/{failed.pk}/replay/" in page
    assert "evt_done" not in page

    with django_capture_on_commit_callbacks(execute=True):
        response = ops.post(f"/ops/webhooks/{failed.pk}/replay/", follow=True)
    assert response.status_code == 200
    event = WebhookEvent.objects.get(pk=failed.pk)
    assert event.state == WebhookEvent.State.PROCESSED
    assert event.attempts == 4 and event.error == ""
    assert any("evt_failed_1" in toast for toast in toasts(response))
    assert "evt_failed_1" not in ops.get("/ops/webhooks/").content.decode()  # off the list

    # A processed event is not replayed.
    with django_capture_on_commit_callbacks(execute=True):
        response = ops.post(f"/ops/webhooks/{done.pk}/replay/", follow=True)
    assert any("nothing to replay" in toast for toast in toasts(response))
    assert WebhookEvent.objects.get(pk=done.pk).attempts == 0


# --- Plans -------------------------------------------------------------------------------------


def _plan_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Association+", "code": "association-plus", "description": "Pour grandir",
        "price_monthly": "12,50", "price_yearly": "125", "stripe_price_monthly": "price_m",
        "stripe_price_yearly": "price_y", "storage_quota_mb": "20000",
        "features_text": "Stockage 20 Go\n\n  Support prioritaire  \n", "is_active": "on",
        "sort_order": "2",
    }
    data.update(overrides)
    return data


def test_plans_have_no_field_about_members() -> None:
    model_fields = [field.name for field in Plan._meta.get_fields()]
    form_fields = list(PlanForm().fields)
    for name in model_fields + form_fields:
        assert not any(word in name.lower() for word in FORBIDDEN_WORDS), name
    assert "price_monthly" in form_fields and "storage_quota_mb" in model_fields  # sees fields


def test_create_a_plan_stores_cents_and_features(world, operator) -> None:
    ops = at_base(operator)
    assert ops.get("/ops/plans/new/").status_code == 200
    response = ops.post("/ops/plans/new/", _plan_data(), follow=True)
    assert response.status_code == 200
    plan = Plan.objects.get(code="association-plus")
    assert plan.price_monthly_cents == 1250 and plan.price_yearly_cents == 12500
    assert plan.features == ["Stockage 20 Go", "Support prioritaire"]
    assert plan.storage_quota_mb == 20000 and plan.is_active and plan.sort_order == 2
    assert plan.stripe_price_monthly == "price_m" and plan.stripe_price_yearly == "price_y"
    body = response.content.decode()
    assert "Association+" in body and money(1250) in body
    # On the public pricing page straight away.
    assert "Association+" in Client(HTTP_HOST="localhost").get("/pricing/").content.decode()


def test_edit_a_plan_round_trips_euros(world, operator, plan) -> None:
    ops = at_base(operator)
    page = ops.get(f"/ops/plans/{plan.pk}/").content.decode()
    assert 'value="9.00"' in page and 'value="90.00"' in page  # cents shown as euros
    form = PlanForm(instance=plan)
    data = {name: form[name].value() for name in form.fields}
    data = {
        key: "on" if value is True else "" if value is None or value is False else str(value)
        for key, value in data.items()
    }
    data.update(price_monthly="9.99", features_text="Un\nDeux")
    response = ops.post(f"/ops/plans/{plan.pk}/", data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.price_monthly_cents == 999 and plan.price_yearly_cents == 9000
    assert plan.features == ["Un", "Deux"] and plan.code == "essentiel"
    edit = PlanForm(instance=plan)
    assert edit.initial["price_monthly"] == Decimal("9.99")
    assert edit.initial["features_text"] == "Un\nDeux"


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("price_monthly", "abc", "Enter an amount in euros, for example 9.50."),
        ("price_yearly", "-5", "Enter an amount in euros, for example 9.50."),
        ("price_monthly", "9.999", "Enter an amount in euros, for example 9.50."),
        ("stripe_price_monthly", "prod_123", "A Stripe price id starts with price_."),
        ("code", "pas un code", "slug"),
    ],
)
def test_bad_plan_input_is_refused(world, operator, plan, field, value, error) -> None:
    ops = at_base(operator)
    response = ops.post("/ops/plans/new/", _plan_data(**{field: value}))
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Plan.objects.filter(code__in=["association-plus", "pas un code"]).exists()
    response = ops.post(f"/ops/plans/{plan.pk}/", _plan_data(**{"code": plan.code, field: value}))
    assert response.status_code == 400
    plan.refresh_from_db()
    assert plan.name == "Essentiel" and plan.price_monthly_cents == 900


def test_plan_codes_are_unique(world, operator, plan) -> None:
    response = at_base(operator).post("/ops/plans/new/", _plan_data(code=plan.code))
    assert response.status_code == 400
    assert Plan.objects.filter(code=plan.code).count() == 1


def test_plan_list_shows_every_plan_and_links_to_edit(world, operator, plan) -> None:
    Plan.objects.create(code="ancien", name="Ancien", is_active=False)
    page = at_base(operator).get("/ops/plans/").content.decode()
    assert "Essentiel" in page and "Ancien" in page
    assert f"/ops/plans/{plan.pk}/" in page
    with translation.override("en"):
        assert money(900) in page
