"""Association signup at the base domain: validation, provisioning all or nothing, the welcome
emails, the sign-in handoff to the new workspace, the address check, races and failures."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.db.models import F
from django_tenants.utils import tenant_context

from shared_apps.members.models import Membership, MembershipStatus, Role
from tenants.accounts.models import User
from tenants.models import Affiliation, Association, Domain, LoginHandoff
from tenants.services import (
    AddressTaken,
    Signup,
    association_provision,
    handoff_create,
    signup_association,
)

from .world import PASSWORD, email_of

HANDOFF_URL = re.compile(r"^http://(?P<slug>[a-z0-9-]+)\.localhost:8000/auth/handoff/[^/]+/$")


def schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def state() -> tuple[int, int, int, int, int]:
    """What a failed signup must leave untouched."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'a\\_%%'")
        (schemas,) = cursor.fetchone()
    return (
        Association.objects.count(),
        Domain.objects.count(),
        Affiliation.objects.count(),
        User.objects.count(),
        schemas,
    )


def signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Les Amis du Vélo",
        "slug": "amis-du-velo",
        "full_name": "Véronique Vélo",
        "email": "veronique@example.test",
        "password": "un-velo-rouge-42",
        "accept_terms": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def client_for(client_for):  # noqa: ANN001 — wraps conftest's fixture
    """Clients that ask for English: messages are asserted as their source strings."""

    def make(association: Association | None):  # noqa: ANN202
        client = client_for(association)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def path_of(url: str) -> str:
    return urlsplit(url).path


# --- Validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"slug": "Bad Address!"}, "slug", "Use lowercase letters"),
        ({"slug": "pg-club"}, "slug", "cannot start with"),
        ({"slug": "alpha"}, "slug", "This address is already taken."),
        ({"slug": "admin"}, "slug", "This address is reserved."),
        ({"email": "alice@world.test"}, "email", "An account already uses this email address."),
        ({"email": "ALICE@World.test"}, "email", "An account already uses this email address."),
        ({"email": "not-an-email"}, "email", None),
        ({"password": "1234567890"}, "password", None),
        ({"password": "short"}, "password", None),
        ({"accept_terms": ""}, "accept_terms", "You must accept the terms"),
        ({"name": ""}, "name", None),
    ],
)
def test_signup_errors_are_shown_and_nothing_is_created(
    world, client_for, overrides: dict[str, str], field: str, message: str | None
) -> None:
    before = state()
    response = client_for(None).post("/signup/", signup_data(**overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    body = response.content.decode()
    for error in errors[field]:
        # Every error of the field is rendered in the form (next to it and in the summary).
        assert html.escape(error) in body
    if message is not None:
        assert any(message in error for error in errors[field]), errors[field]
    assert state() == before
    assert not mail.outbox


# --- Success --------------------------------------------------------------------------------


def test_signup_creates_everything_and_hands_off_to_the_workspace(
    world, client_for, django_capture_on_commit_callbacks
) -> None:
    before = state()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(None).post("/signup/", signup_data())
    assert response.status_code == 302
    match = HANDOFF_URL.match(response["Location"])
    assert match and match["slug"] == "amis-du-velo", response["Location"]

    association = Association.objects.get(slug="amis-du-velo")
    assert association.name == "Les Amis du Vélo"
    assert association.schema_name == "a_amis_du_velo"
    assert schema_exists("a_amis_du_velo")
    assert Domain.objects.filter(
        domain="amis-du-velo.localhost", tenant=association, is_primary=True
    ).exists()
    user = User.objects.get(email="veronique@example.test")
    assert user.full_name == "Véronique Vélo"
    assert user.check_password("un-velo-rouge-42")
    with tenant_context(association):
        membership = Membership.objects.get(user=user)
        assert membership.role == Role.BOARD
        assert membership.status == MembershipStatus.ACTIVE
        assert Membership.objects.count() == 1
    assert Affiliation.objects.filter(user=user, association=association, is_active=True).exists()
    association.refresh_from_db()
    assert association.member_count == 1
    a, d, f, u, s = before
    assert state() == (a + 1, d + 1, f + 1, u + 1, s + 1)

    # The welcome email and allauth's verification email, both to the new account.
    assert {tuple(message.to) for message in mail.outbox} == {("veronique@example.test",)}
    welcome = [m for m in mail.outbox if "Les Amis du Vélo" in m.subject]
    assert len(welcome) == 1
    assert "http://amis-du-velo.localhost:8000/" in welcome[0].body
    verification = [m for m in mail.outbox if "/accounts/confirm-email/" in m.body]
    assert len(verification) == 1

    # The handoff signs the person in at the new workspace, once.
    workspace = client_for(association)
    landed = workspace.get(path_of(response["Location"]))
    assert landed.status_code == 302 and landed["Location"] == "/"
    home = workspace.get("/")
    assert home.status_code == 200
    assert "Les Amis du Vélo" in home.content.decode()

    stranger = client_for(association)
    reused = stranger.get(path_of(response["Location"]))
    assert reused.status_code == 302
    assert reused["Location"].startswith("/accounts/login/")
    assert stranger.get("/").status_code == 302  # not signed in


def test_handoff_only_works_at_its_own_association(world, client_for) -> None:
    url = handoff_create(user=world.users["sam"], association=world.alpha)
    assert HANDOFF_URL.match(url) and url.startswith("http://alpha.localhost:8000/")

    at_beta = client_for(world.beta)
    refused = at_beta.get(path_of(url))
    assert refused.status_code == 302 and refused["Location"].startswith("/accounts/login/")
    assert at_beta.get("/").status_code == 302  # Sam is not signed in at beta

    # The attempt elsewhere did not spend the ticket: it still works where it belongs.
    at_alpha = client_for(world.alpha)
    assert at_alpha.get(path_of(url)).status_code == 302
    assert at_alpha.get("/").status_code == 200


def test_handoff_expires(world, client_for) -> None:
    url = handoff_create(user=world.users["alice"], association=world.alpha)
    ticket = LoginHandoff.objects.get(user=world.users["alice"], used_at__isnull=True)
    assert ticket.expires_at - ticket.created_at <= timedelta(seconds=61)
    # As if the ticket had been made 61 seconds ago.
    LoginHandoff.objects.filter(pk=ticket.pk).update(
        created_at=F("created_at") - timedelta(seconds=61),
        expires_at=F("expires_at") - timedelta(seconds=61),
    )
    client = client_for(world.alpha)
    response = client.get(path_of(url))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/").status_code == 302


def test_signed_in_person_creates_a_second_association(
    world, client_for, django_capture_on_commit_callbacks
) -> None:
    sam = world.users["sam"]
    client = client_for(None)
    client.force_login(sam)
    page = client.get("/signup/")
    assert page.status_code == 200
    assert 'name="email"' not in page.content.decode()
    assert 'name="password"' not in page.content.decode()
    users_before = User.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/signup/", {"name": "Chorale de Sam", "slug": "chorale-sam", "accept_terms": "on"}
        )
    assert response.status_code == 302
    assert HANDOFF_URL.match(response["Location"])["slug"] == "chorale-sam"
    assert User.objects.count() == users_before
    association = Association.objects.get(slug="chorale-sam")
    with tenant_context(association):
        assert Membership.objects.get(user=sam).role == Role.BOARD
    assert set(
        Affiliation.objects.filter(user=sam, is_active=True).values_list(
            "association__slug", flat=True
        )
    ) == {"alpha", "beta", "chorale-sam"}
    # The welcome email only: no verification email for an existing account.
    assert [m.to for m in mail.outbox] == [[sam.email]]
    assert "Chorale de Sam" in mail.outbox[0].subject


def test_signup_suggests_an_address_from_the_name(world, client_for) -> None:
    response = client_for(None).post("/signup/", signup_data(name="Théâtre de l'Étoile", slug=""))
    assert response.status_code == 302
    assert HANDOFF_URL.match(response["Location"])["slug"] == "theatre-de-l-etoile"
    assert Association.objects.filter(slug="theatre-de-l-etoile").exists()


# --- Address check (htmx) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("brand-new", "is available"),
        ("alpha", "This address is already taken."),
        ("beta", "This address is already taken."),
        ("admin", "This address is reserved."),
        ("a--b", "Use lowercase letters"),
        ("pg_x", "cannot start with"),
    ],
)
def test_address_check(world, client_for, slug: str, expected: str) -> None:
    response = client_for(None).get("/signup/address/", {"slug": slug}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert html.escape(expected) in body or expected in body, body
    assert ("status-ok" in body) == (expected == "is available")


def test_address_check_suggests_from_a_name(world, client_for) -> None:
    response = client_for(None).get("/signup/address/", {"name": "Les Joyeux Randonneurs"})
    assert 'data-slug="les-joyeux-randonneurs"' in response.content.decode()
    assert "status-ok" in response.content.decode()


# --- Races and failures (real commits) ------------------------------------------------------


def _in_thread(target: Callable[[], object], barrier: threading.Barrier) -> Callable[[], None]:
    results: list[object] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(target())
        except Exception as exc:  # noqa: BLE001 — the test inspects what each thread got
            results.append(exc)
        finally:
            connection.close()

    run.results = results  # type: ignore[attr-defined]
    return run


@pytest.mark.parametrize("via", ["signup", "provision"])
def test_concurrent_signups_for_the_same_address(committed, via: str) -> None:
    slug = "course-au-nom"
    barrier = threading.Barrier(2)
    connection.set_schema_to_public()
    if via == "provision":
        # Existing accounts: provisioning alone, no account created in the race.
        owners = [
            User.objects.create_user(email=f"rival{i}@example.test", password=PASSWORD)
            for i in range(2)
        ]

        def attempt(i: int) -> object:
            association = association_provision(name=f"Rival {i}", slug=slug, owner=owners[i])
            return Signup(association=association, user=owners[i], created_account=False)
    else:

        def attempt(i: int) -> object:
            return signup_association(
                name=f"Rival {i}", slug=slug, full_name=f"Rival {i}",
                email=f"rival{i}@example.test", password=PASSWORD,
            )

    runners = [_in_thread(lambda i=i: attempt(i), barrier) for i in range(2)]
    threads = [threading.Thread(target=runner) for runner in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    outcomes = [runner.results[0] for runner in runners]  # type: ignore[attr-defined]
    winners = [o for o in outcomes if not isinstance(o, Exception)]
    losers = [o for o in outcomes if isinstance(o, Exception)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert isinstance(losers[0], AddressTaken), repr(losers[0])

    connection.set_schema_to_public()
    association = Association.objects.get(slug=slug)
    assert association.pk == winners[0].association.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = %s", ["a_course_au_nom"])
        assert cursor.fetchall() == [("a_course_au_nom",)]
    assert Domain.objects.filter(domain=f"{slug}.localhost").count() == 1
    winner_email = winners[0].user.email
    loser_email = ({"rival0@example.test", "rival1@example.test"} - {winner_email}).pop()
    # The loser's new account is rolled back; an existing account is of course kept.
    assert User.objects.filter(email=loser_email).exists() == (via == "provision")
    assert not Affiliation.objects.filter(user__email=loser_email).exists()
    assert Affiliation.objects.filter(association=association).count() == 1
    assert Affiliation.objects.get(association=association).user.email == winner_email
    with tenant_context(association):
        assert list(Membership.objects.values_list("user__email", flat=True)) == [winner_email]


def test_concurrent_signups_for_different_addresses_both_succeed(committed) -> None:
    # Each signup creates an account, then clones a schema whose foreign keys reference the
    # accounts table: two at once must queue, not deadlock.
    barrier = threading.Barrier(3)
    runners = [
        _in_thread(
            lambda i=i: signup_association(
                name=f"Voisin {i}", slug=f"voisin-{i}", full_name=f"Voisin {i}",
                email=f"voisin{i}@example.test", password=PASSWORD,
            ),
            barrier,
        )
        for i in range(3)
    ]
    threads = [threading.Thread(target=runner) for runner in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    outcomes = [runner.results[0] for runner in runners]  # type: ignore[attr-defined]
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    connection.set_schema_to_public()
    for i in range(3):
        assert Association.objects.filter(slug=f"voisin-{i}").exists()
        assert schema_exists(f"a_voisin_{i}")


@pytest.mark.parametrize("failing", ["membership", "clone"])
def test_failure_half_way_leaves_nothing(committed, monkeypatch, failing: str) -> None:
    import shared_apps.members.services as members_services
    import tenants.services as tenants_services

    # Let the real step run (rows and schema are written), then fail: all must roll back.
    if failing == "membership":
        real = members_services.membership_create

        def broken(**kwargs: object) -> object:
            real(**kwargs)
            raise RuntimeError("membership failed")

        monkeypatch.setattr(members_services, "membership_create", broken)
    else:
        real_clone = tenants_services.schema_clone

        def broken(**kwargs: object) -> None:
            real_clone(**kwargs)
            assert schema_exists("a_moitie_faite")
            raise RuntimeError("clone failed")

        monkeypatch.setattr(tenants_services, "schema_clone", broken)

    connection.set_schema_to_public()
    before = state()
    with pytest.raises(RuntimeError):
        signup_association(
            name="Moitié faite", slug="moitie-faite", full_name="Half", email="half@example.test",
            password=PASSWORD,
        )
    connection.set_schema_to_public()
    assert not Association.objects.filter(slug="moitie-faite").exists()
    assert not Domain.objects.filter(domain="moitie-faite.localhost").exists()
    assert not schema_exists("a_moitie_faite")
    assert not User.objects.filter(email="half@example.test").exists()
    assert state() == before


def test_failure_for_an_existing_account_keeps_the_account_and_leaves_no_trace(
    committed, monkeypatch
) -> None:
    import shared_apps.members.services as members_services

    real = members_services.membership_create

    def broken(**kwargs: object) -> object:
        real(**kwargs)
        raise RuntimeError("membership failed")

    monkeypatch.setattr(members_services, "membership_create", broken)
    connection.set_schema_to_public()
    sam = User.objects.get(email=email_of("sam"))
    before = state()
    with pytest.raises(RuntimeError):
        signup_association(name="Sans Trace", slug="sans-trace", owner=sam)
    connection.set_schema_to_public()
    assert state() == before
    assert User.objects.filter(pk=sam.pk).exists()
    assert not Affiliation.objects.filter(user=sam, association__slug="sans-trace").exists()
