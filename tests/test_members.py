"""Memberships: the permission policy, ending a membership, who may sign in where, and the
base domain's "my associations"."""

from __future__ import annotations

import itertools
import re

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from shared_apps.members.models import Membership, MembershipStatus, Role
from shared_apps.members.policy import RULES, UnknownAction, can
from shared_apps.members.services import membership_create, membership_end
from tenants.models import Affiliation, Association

from .world import PASSWORD, email_of

B, S, V, M = Role.BOARD, Role.STAFF, Role.VOLUNTEER, Role.MEMBER

# Written out by hand, not derived from RULES: who may do what. A new action in RULES fails
# the test below until it is added here, on purpose.
EXPECTED: dict[str, set[str]] = {
    "workspace.view": {B, S, V, M},
    "association.manage": {B},
    "billing.manage": {B},
    "members.view_directory": {B, S, V, M},
    "members.invite": {B, S},
    "members.import": {B, S},
    "members.review_join_requests": {B, S},
    "members.change_role": {B},
    "members.end": {B},
    "members.erase": {B},
    "members.export": {B},
    "spaces.create": {B, S},
    "spaces.manage_any": {B, S},
    "news.publish_everyone": {B, S},
    "news.view_receipts_any": {B},
    "discussions.moderate_any": {B, S},
    "documents.manage_any": {B, S},
    "events.create_everyone": {B, S},
    "events.view_attendees_any": {B},
    "surveys.create_everyone": {B, S},
    "surveys.view_results_any": {B},
    "polls.create_everyone": {B, S},
    "feedback.report": {B, S, V, M},
    "feedback.support": {B, S, V, M},
    "feedback.handle": {B, S},
    "feedback.dashboard": {B, S},
    "feedback.configure": {B},
}


@pytest.mark.parametrize(("action", "role"), itertools.product(sorted(RULES), list(Role)))
def test_policy_table(action: str, role: Role) -> None:
    if action not in EXPECTED:
        pytest.fail(f"{action!r} is in the policy but not in this test's table")
    membership = Membership(role=role, status=MembershipStatus.ACTIVE)
    assert can(membership, action) is (role in EXPECTED[action])


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_every_expected_action_exists(action: str) -> None:
    assert action in RULES


@pytest.mark.parametrize(
    ("action", "status"),
    itertools.product(sorted(RULES), [MembershipStatus.INVITED, MembershipStatus.ENDED]),
)
def test_inactive_membership_may_do_nothing(action: str, status: str) -> None:
    assert can(Membership(role=Role.BOARD, status=status), action) is False
    assert can(None, action) is False


@pytest.mark.parametrize("action", ["members.fly", "", "workspace", "WORKSPACE.VIEW"])
def test_unknown_action_raises(action: str) -> None:
    with pytest.raises(UnknownAction):
        can(Membership(role=Role.BOARD, status=MembershipStatus.ACTIVE), action)
    with pytest.raises(UnknownAction):
        can(None, action)


# --- Ending a membership --------------------------------------------------------------------


def member_count(association: Association) -> int:
    return Association.objects.get(pk=association.pk).member_count


def affiliation_active(user_key: str, association: Association, world) -> bool:  # noqa: ANN001
    return Affiliation.objects.get(user=world.users[user_key], association=association).is_active


def test_membership_end_revokes_access_at_once(world, signed_in) -> None:
    alpha = world.alpha
    amir = signed_in("alpha", "amir")
    assert amir.get("/").status_code == 200
    assert member_count(alpha) == 5
    assert affiliation_active("amir", alpha, world)

    with tenant_context(alpha):
        membership_end(membership=Membership.objects.get(user=world.users["amir"]))
    connection.set_schema_to_public()
    assert member_count(alpha) == 4
    assert not affiliation_active("amir", alpha, world)

    response = amir.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "You are not a member of this association" in response.content.decode()
    # Signed out: the next request is anonymous.
    again = amir.get("/")
    assert again.status_code == 302 and again["Location"].startswith("/accounts/login/")
    # The others are unaffected; Amir's record is kept.
    assert signed_in("alpha", "agnes").get("/").status_code == 200
    with tenant_context(alpha):
        assert Membership.objects.get(user=world.users["amir"]).status == MembershipStatus.ENDED

    # Reactivating restores the counts and the index.
    with tenant_context(alpha):
        membership_create(user=world.users["amir"], role=Role.MEMBER)
    connection.set_schema_to_public()
    assert member_count(alpha) == 5
    assert affiliation_active("amir", alpha, world)
    assert signed_in("alpha", "amir").get("/").status_code == 200


def test_member_count_and_affiliations_follow_new_members(world) -> None:
    from tenants.accounts.models import User

    newcomer = User.objects.create_user(email="newcomer@world.test", password=PASSWORD)
    with tenant_context(world.beta):
        membership_create(user=newcomer, role=Role.VOLUNTEER)
    connection.set_schema_to_public()
    assert member_count(world.beta) == 6
    assert member_count(world.alpha) == 5
    assert list(
        Affiliation.objects.filter(user=newcomer).values_list("association__slug", "is_active")
    ) == [("beta", True)]
    # Invited is not active: the index says so and the count does not move.
    invited = User.objects.create_user(email="invited@world.test", password=PASSWORD)
    with tenant_context(world.beta):
        membership_create(user=invited, status=MembershipStatus.INVITED)
    connection.set_schema_to_public()
    assert member_count(world.beta) == 6
    assert not Affiliation.objects.get(user=invited).is_active


# --- Signing in at a workspace --------------------------------------------------------------


def sign_in(association: Association, user_key: str) -> tuple[Client, object]:
    client = Client(HTTP_HOST=association.host, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/accounts/login/", {"login": email_of(user_key), "password": PASSWORD}
    )
    return client, response


def test_sign_in_where_not_a_member_shows_a_clear_page(world) -> None:
    client, response = sign_in(world.beta, "alice")
    assert response.status_code == 403
    body = response.content.decode()
    assert "You are not a member of this association" in body
    assert "Beta" in body
    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith("/accounts/login/")


def test_sign_in_where_a_member_works(world) -> None:
    client, response = sign_in(world.alpha, "alice")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_sign_in_after_membership_ended_is_refused(world) -> None:
    with tenant_context(world.beta):
        membership_end(membership=Membership.objects.get(user=world.users["sam"]))
    connection.set_schema_to_public()
    _client, response = sign_in(world.beta, "sam")
    assert response.status_code == 403
    _client, response = sign_in(world.alpha, "sam")
    assert response.status_code == 302


# --- "My associations" at the base domain ---------------------------------------------------


def at_base(user_key: str, world) -> Client:  # noqa: ANN001
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en")
    connection.set_schema_to_public()  # base sessions live in the public schema
    client.force_login(world.users[user_key])
    return client


def listed_slugs(body: str) -> set[str]:
    return set(re.findall(r'action="/associations/([a-z0-9-]+)/go/"', body))


@pytest.mark.parametrize("path", ["/associations/", "/"])
def test_my_associations_lists_exactly_mine(world, path: str) -> None:
    response = at_base("sam", world).get(path)
    assert response.status_code == 200
    assert listed_slugs(response.content.decode()) == {"alpha", "beta"}
    assert listed_slugs(at_base("alice", world).get(path).content.decode()) == {"alpha"}
    assert listed_slugs(at_base("bella", world).get(path).content.decode()) == {"beta"}


def test_my_associations_needs_sign_in(world) -> None:
    response = Client(HTTP_HOST="localhost").get("/associations/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_go_hands_off_to_my_association_only(world, client_for) -> None:
    sam = at_base("sam", world)
    response = sam.post("/associations/beta/go/")
    assert response.status_code == 302
    assert re.match(r"^http://beta\.localhost:8000/auth/handoff/[^/]+/$", response["Location"])
    assert sam.get("/associations/beta/go/").status_code == 405

    alice = at_base("alice", world)
    assert alice.post("/associations/beta/go/").status_code == 404
    assert alice.post("/associations/nowhere/go/").status_code == 404


def test_ended_membership_leaves_my_associations(world) -> None:
    with tenant_context(world.beta):
        membership_end(membership=Membership.objects.get(user=world.users["sam"]))
    sam = at_base("sam", world)
    assert listed_slugs(sam.get("/associations/").content.decode()) == {"alpha"}
    assert sam.post("/associations/beta/go/").status_code == 404


def test_an_account_that_belongs_somewhere_cannot_be_deleted(world) -> None:
    """The association's tables refer to accounts without a database constraint; the public
    affiliation is what keeps an account that was ever a member from vanishing under them."""
    from django.db.models import ProtectedError

    from tenants.accounts.models import User

    ended = world.users["amir"]
    with tenant_context(world.alpha):
        membership_end(membership=Membership.objects.get(user=ended))
    connection.set_schema_to_public()
    with pytest.raises(ProtectedError):
        User.objects.filter(pk=ended.pk).delete()
    assert User.objects.filter(pk=ended.pk).exists()
    # An account that never joined anything can go.
    loner = User.objects.create_user(email="loner@world.test", password=PASSWORD)
    User.objects.filter(pk=loner.pk).delete()
    assert not User.objects.filter(pk=loner.pk).exists()
