"""The named world every test can rely on: two associations, "alpha" and "beta", with members
in every role, and Sam, who belongs to both. Built once per test session, committed."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.test import Client
from django_tenants.utils import tenant_context

from shared_apps.members.models import Membership, Role
from shared_apps.members.services import membership_create
from tenants.accounts.models import User
from tenants.models import Association
from tenants.services import association_provision

PASSWORD = "correct-horse-battery"

PEOPLE: dict[str, list[tuple[str, str, str]]] = {
    # association: [(key, full name, role)]
    "alpha": [
        ("alice", "Alice Board", Role.BOARD),
        ("arthur", "Arthur Staff", Role.STAFF),
        ("agnes", "Agnès Volunteer", Role.VOLUNTEER),
        ("amir", "Amir Member", Role.MEMBER),
    ],
    "beta": [
        ("bob", "Bob Board", Role.BOARD),
        ("berta", "Berta Staff", Role.STAFF),
        ("boris", "Boris Volunteer", Role.VOLUNTEER),
        ("bella", "Bella Member", Role.MEMBER),
    ],
}
# Sam belongs to both: a member of alpha, a volunteer at beta.
SHARED_PERSON = ("sam", "Sam Both", {"alpha": Role.MEMBER, "beta": Role.VOLUNTEER})


def email_of(key: str) -> str:
    return f"{key}@world.test"


@dataclass
class World:
    associations: dict[str, Association] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Association | User:
        return self.associations.get(key) or self.users[key]

    @property
    def alpha(self) -> Association:
        return self.associations["alpha"]

    @property
    def beta(self) -> Association:
        return self.associations["beta"]

    def user(self, key: str) -> User:
        return User.objects.get(pk=self.users[key].pk)

    def membership(self, association: str, key: str) -> Membership:
        with tenant_context(self.associations[association]):
            return Membership.objects.get(user=self.users[key])


def build_world() -> World:
    world = World()
    for key, name, _role in [p for people in PEOPLE.values() for p in people] + [
        SHARED_PERSON[:2] + ("",)
    ]:
        world.users[key] = User.objects.create_user(
            email=email_of(key), password=PASSWORD, full_name=name
        )
    for slug, people in PEOPLE.items():
        owner_key = people[0][0]
        association = association_provision(
            name=slug.capitalize(), slug=slug, owner=world.users[owner_key]
        )
        world.associations[slug] = association
        with tenant_context(association):
            for key, _name, role in people[1:]:
                membership_create(user=world.users[key], role=role)
            membership_create(user=world.users["sam"], role=SHARED_PERSON[2][slug])
    for slug in PEOPLE:
        world.associations[slug] = Association.objects.get(slug=slug)
    return world


def host_of(association: Association) -> str:
    return association.host


def client_at(association: Association | None) -> Client:
    """A test client whose requests go to this association's workspace (None: base domain)."""
    from django.conf import settings

    return Client(HTTP_HOST=association.host if association else settings.BASE_DOMAIN)


def login_at(client: Client, association: Association | None, user: User) -> Client:
    """Sign `user` in at this workspace: the session is stored in that association's schema."""
    if association is None:
        from django.db import connection

        connection.set_schema_to_public()  # the base domain's sessions live in public
        client.force_login(user)
        return client
    with tenant_context(association):
        client.force_login(user)
    return client
