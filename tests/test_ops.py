"""The operators' console at /ops/ on the base domain, suspension, and create_operator."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import formats, timezone, translation
from django_tenants.utils import tenant_context

from shared_apps.members.models import Membership
from tenants.accounts.models import User
from tenants.models import Association, AssociationStatus

from .world import PASSWORD, email_of


@pytest.fixture
def operator(world) -> User:  # noqa: ANN001
    return User.objects.create_user(
        email="operator@cercle.test", password=PASSWORD, full_name="Olga Operator",
        is_operator=True,
    )


def at_base(user: User | None = None) -> Client:
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        # A workspace request leaves the connection on that schema; base sessions are public.
        connection.set_schema_to_public()
        client.force_login(user)
    return client


def row_of(body: str, association: Association) -> str:
    rows = [row for row in body.split("<tr>") if association.host in row]
    assert len(rows) == 1, f"{association.slug} should have exactly one row"
    return rows[0]


def test_anonymous_is_sent_to_sign_in(world) -> None:
    response = at_base().get("/ops/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/ops/")


def test_signed_in_non_operator_gets_404(world) -> None:
    client = at_base(world.users["alice"])
    assert client.get("/ops/").status_code == 404
    response = client.post(f"/ops/associations/{world.alpha.pk}/suspend/", {"reason": "x"})
    assert response.status_code == 404
    assert Association.objects.get(pk=world.alpha.pk).status != AssociationStatus.SUSPENDED


def test_operator_sees_every_association(world, operator) -> None:
    response = at_base(operator).get("/ops/")
    assert response.status_code == 200
    body = response.content.decode()
    for association in Association.objects.exclude(schema_name="public"):
        row = row_of(body, association)
        assert association.name in row
        assert association.get_status_display() in row or association.status in row
        assert f"<td>{association.member_count}</td>" in row
        with translation.override("en"):
            created = formats.date_format(
                timezone.localtime(association.created_at), "SHORT_DATE_FORMAT"
            )
        assert created in row
    # The world's counts, kept by the members services: four people each, plus Sam.
    assert "<td>5</td>" in row_of(body, world.alpha)
    assert "<td>5</td>" in row_of(body, world.beta)


def test_operator_filters_by_status_and_name(world, operator) -> None:
    client = at_base(operator)
    body = client.get("/ops/", {"q": "alp"}).content.decode()
    assert world.alpha.host in body and world.beta.host not in body
    body = client.get("/ops/", {"status": "suspended"}).content.decode()
    assert world.alpha.host not in body and world.beta.host not in body


def test_suspend_then_reactivate(
    world, operator, signed_in, django_capture_on_commit_callbacks
) -> None:
    alpha = world.alpha
    previous = Association.objects.get(pk=alpha.pk).status
    alice = signed_in("alpha", "alice")
    assert alice.get("/").status_code == 200
    with tenant_context(alpha):
        memberships_before = list(Membership.objects.order_by("pk").values_list("pk", "status"))
    ops = at_base(operator)

    # Routing caches associations and is invalidated on commit.
    with django_capture_on_commit_callbacks(execute=True):
        response = ops.post(f"/ops/associations/{alpha.pk}/suspend/", {"reason": "Unpaid"})
    assert response.status_code == 302 and response["Location"] == "/ops/"
    suspended = Association.objects.get(pk=alpha.pk)
    assert suspended.status == AssociationStatus.SUSPENDED
    assert suspended.status_before_suspension == previous
    assert suspended.suspension_reason == "Unpaid"

    page = alice.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 403
    assert "This workspace is suspended" in page.content.decode()
    assert "Nothing has been deleted" in page.content.decode()
    assert signed_in("alpha", "sam").get("/me/").status_code == 403
    # Beta is untouched.
    assert signed_in("beta", "bob").get("/").status_code == 200
    with tenant_context(alpha):
        memberships = list(Membership.objects.order_by("pk").values_list("pk", "status"))
    assert memberships == memberships_before  # nothing deleted or ended

    console = ops.get("/ops/").content.decode()
    assert f"/ops/associations/{alpha.pk}/reactivate/" in row_of(console, alpha)

    with django_capture_on_commit_callbacks(execute=True):
        response = ops.post(f"/ops/associations/{alpha.pk}/reactivate/")
    assert response.status_code == 302
    restored = Association.objects.get(pk=alpha.pk)
    assert restored.status == previous
    assert restored.suspended_at is None and restored.suspension_reason == ""
    assert alice.get("/").status_code == 200


def test_suspend_with_cleared_routing_cache(world, operator, signed_in) -> None:
    from tenants.routing import routing_cache_clear

    at_base(operator).post(f"/ops/associations/{world.beta.pk}/suspend/")
    routing_cache_clear()  # what the on-commit invalidation does for every process
    assert signed_in("beta", "bella").get("/").status_code == 403


def test_suspend_get_is_refused_and_unknown_pk_is_404(world, operator) -> None:
    ops = at_base(operator)
    assert ops.get(f"/ops/associations/{world.alpha.pk}/suspend/").status_code == 405
    assert ops.post("/ops/associations/999999/suspend/").status_code == 404


# --- create_operator ------------------------------------------------------------------------


def test_create_operator_creates_an_account(world) -> None:
    call_command("create_operator", email="New.Op@Cercle.test", password="long-enough-1", name="N")
    user = User.objects.get(email="new.op@cercle.test")
    assert user.is_operator
    assert user.check_password("long-enough-1")
    assert at_base(user).get("/ops/").status_code == 200


def test_create_operator_promotes_an_existing_account(world) -> None:
    sam = world.user("sam")
    assert not sam.is_operator
    call_command("create_operator", email=email_of("sam"))
    sam.refresh_from_db()
    assert sam.is_operator
    assert sam.check_password(PASSWORD)  # untouched
    assert User.objects.filter(email=email_of("sam")).count() == 1


@pytest.mark.parametrize(
    ("email", "password"), [("not-an-email", "long-enough-1"), ("short@cercle.test", "short")]
)
def test_create_operator_rejects_bad_input(world, email: str, password: str) -> None:
    before = User.objects.count()
    with pytest.raises(CommandError):
        call_command("create_operator", email=email, password=password)
    assert User.objects.count() == before
