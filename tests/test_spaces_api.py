"""Spaces REST API: every endpoint, the same permission table as the pages, private spaces
invisible to non-members, isolation between associations, bad input, and the OpenAPI schema."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from shared_apps.members.models import Membership
from shared_apps.notifications.models import Activity, Notification
from shared_apps.spaces import services
from shared_apps.spaces.models import Space, SpaceMembership, SpaceMembershipStatus, Visibility
from shared_apps.spaces.selectors import space_is_member, space_is_moderator
from tenants.accounts.models import User

from .test_spaces import ACTORS, ROLES, TABLE, extra_member, make_space, mid, setup_action, uid

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def api(client, method: str, path: str, data: dict | None = None):  # noqa: ANN001, ANN201
    call = getattr(client, method)
    if method == "get":
        return call(path, **EN)
    return call(path, data or {}, content_type="application/json", **EN)


# --- Read --------------------------------------------------------------------------------------


def test_list_gives_visibility_counts_and_membership(world, signed_in):  # noqa: ANN001
    make_space(world, "Atelier", members=("amir",))
    make_space(world, "Comité", Visibility.ON_REQUEST)
    make_space(world, "Secret", Visibility.PRIVATE)
    response = api(signed_in("alpha", "amir"), "get", "/api/v1/spaces/")
    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.json()}
    assert set(rows) == {"toute-l-association", "atelier", "comite"}
    assert rows["atelier"] == {
        "id": rows["atelier"]["id"], "slug": "atelier", "name": "Atelier",
        "description": "About Atelier", "visibility": "open", "is_default": False,
        "archived": False, "member_count": 2, "is_member": True, "is_moderator": False,
        "has_requested": False,
    }
    assert rows["toute-l-association"]["is_member"] and rows["toute-l-association"][
        "member_count"] == 5
    assert rows["comite"]["visibility"] == "on_request" and not rows["comite"]["is_member"]
    sam = {row["slug"] for row in api(signed_in("alpha", "sam"), "get", "/api/v1/spaces/").json()}
    assert "secret" in sam


def test_list_queries_do_not_grow_with_spaces(world, signed_in):  # noqa: ANN001
    client = signed_in("alpha", "agnes")
    api(client, "get", "/api/v1/spaces/")
    with CaptureQueriesContext(connection) as few:
        api(client, "get", "/api/v1/spaces/")
    for i in range(5):
        make_space(world, f"Groupe {i}", members=("agnes", "amir"))
    api(client, "get", "/api/v1/spaces/")  # warm again: other apps' caches refill
    with CaptureQueriesContext(connection) as many:
        response = api(client, "get", "/api/v1/spaces/")
    assert len(response.json()) == 6
    assert len(many.captured_queries) == len(few.captured_queries)


def test_detail_lists_members_with_membership_ids(world, signed_in):  # noqa: ANN001
    make_space(world, "Atelier", members=("amir",))
    body = api(signed_in("alpha", "sam"), "get", "/api/v1/spaces/atelier/").json()
    assert body["members"] == [
        {"id": mid(world, "sam"), "name": "Sam Both", "is_moderator": True},
        {"id": mid(world, "amir"), "name": "Amir Member", "is_moderator": False},
    ]
    assert body["can_edit"] and body["can_manage_members"] and body["is_moderator"]
    other = api(signed_in("alpha", "agnes"), "get", "/api/v1/spaces/atelier/").json()
    assert not other["can_edit"] and not other["is_member"]


def test_private_space_is_404_for_non_members_everywhere_in_the_api(world, signed_in):  # noqa: ANN001
    make_space(world, "Secret", Visibility.PRIVATE, members=("amir",))
    amir_mid = mid(world, "amir")
    for key in ("alice", "arthur", "agnes"):
        client = signed_in("alpha", key)
        listed = api(client, "get", "/api/v1/spaces/")
        assert "Secret" not in listed.content.decode()
        for method, path in [
            ("get", "/api/v1/spaces/secret/"), ("patch", "/api/v1/spaces/secret/"),
            ("post", "/api/v1/spaces/secret/join/"), ("post", "/api/v1/spaces/secret/request/"),
            ("get", "/api/v1/spaces/secret/requests/"),
            ("post", f"/api/v1/spaces/secret/members/{amir_mid}/remove/"),
        ]:
            response = api(client, method, path, {"name": "Pris"})
            assert response.status_code == 404, (key, path)
            assert "Secret" not in response.content.decode()


# --- Write -------------------------------------------------------------------------------------


def test_create_with_moderators_and_activity(world, signed_in):  # noqa: ANN001
    response = api(signed_in("alpha", "arthur"), "post", "/api/v1/spaces/", {
        "name": "Équipe vélo", "visibility": "private", "moderator_ids": [mid(world, "agnes")],
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "equipe-velo" and body["visibility"] == "private"
    assert {m["name"] for m in body["members"] if m["is_moderator"]} == {
        "Arthur Staff", "Agnès Volunteer"}
    with tenant_context(world.alpha):
        assert Activity.objects.filter(verb="spaces.created", space_id=body["id"]).exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "atelier"}, "name", "A space named “atelier” already exists."),
        ({"name": "Neuf", "slug": "atelier"}, "slug", "The address “atelier” is already taken."),
        ({"name": "Neuf", "visibility": "hidden"}, "visibility", None),
        ({"name": ""}, "name", None),
        ({"name": "Neuf", "moderator_ids": [999999]}, "moderator_ids",
         "Not an active member of the association: 999999."),
    ],
)
def test_create_refuses_bad_input(world, signed_in, data, field, message):  # noqa: ANN001
    make_space(world, "Atelier")
    response = api(signed_in("alpha", "alice"), "post", "/api/v1/spaces/", data)
    assert response.status_code == 400
    errors = response.json()
    assert field in errors
    if message:
        assert errors[field] == [message]
    with tenant_context(world.alpha):
        assert not Space.objects.filter(name="Neuf").exists()


def test_update_archive_and_errors(world, signed_in):  # noqa: ANN001
    make_space(world, "Cuisine")
    make_space(world, "Atelier")
    client = signed_in("alpha", "sam")
    response = api(client, "patch", "/api/v1/spaces/atelier/", {"description": "Bois et fer"})
    assert response.status_code == 200 and response.json()["description"] == "Bois et fer"
    assert response.json()["name"] == "Atelier"
    taken = api(client, "patch", "/api/v1/spaces/atelier/", {"name": "CUISINE"})
    assert taken.status_code == 400 and "already exists" in taken.json()["name"][0]
    default = api(signed_in("alpha", "alice"), "patch", "/api/v1/spaces/toute-l-association/",
                  {"visibility": "private"})
    assert default.status_code == 400
    assert default.json()["visibility"] == [
        "The space of the whole association stays open to every member."]
    archived = api(client, "post", "/api/v1/spaces/atelier/archive/")
    assert archived.status_code == 200 and archived.json()["archived"] is True
    # Archived: out of the list, read-only.
    slugs = {row["slug"] for row in api(client, "get", "/api/v1/spaces/").json()}
    assert "atelier" not in slugs
    assert api(client, "get", "/api/v1/spaces/atelier/").status_code == 200
    assert api(client, "patch", "/api/v1/spaces/atelier/", {"name": "X"}).status_code == 404
    no = api(signed_in("alpha", "alice"), "post", "/api/v1/spaces/toute-l-association/archive/")
    assert no.status_code == 400 and "cannot be archived" in no.json()["non_field_errors"][0]


@pytest.mark.usefixtures("english")  # the notifications' words, in the association's language
def test_join_leave_request_approve_decline(world, signed_in):  # noqa: ANN001
    make_space(world, "Atelier")
    make_space(world, "Comité", Visibility.ON_REQUEST)
    amir, agnes, sam = (signed_in("alpha", k) for k in ("amir", "agnes", "sam"))
    joined = api(amir, "post", "/api/v1/spaces/atelier/join/")
    assert joined.status_code == 200 and joined.json()["is_member"]
    assert api(amir, "post", "/api/v1/spaces/atelier/join/").status_code == 404  # already in
    assert api(amir, "post", "/api/v1/spaces/comite/join/").status_code == 404  # on request
    left = api(amir, "post", "/api/v1/spaces/atelier/leave/")
    assert left.status_code == 200 and not left.json()["is_member"]
    asked = api(amir, "post", "/api/v1/spaces/comite/request/")
    assert asked.status_code == 200 and asked.json()["has_requested"]
    api(agnes, "post", "/api/v1/spaces/comite/request/")
    assert api(amir, "get", "/api/v1/spaces/comite/requests/").status_code == 404
    pending = api(sam, "get", "/api/v1/spaces/comite/requests/").json()
    assert [p["name"] for p in pending] == ["Amir Member", "Agnès Volunteer"]
    assert api(sam, "post", f"/api/v1/spaces/comite/requests/{mid(world, 'amir')}/approve/"
               ).status_code == 200
    assert api(sam, "post", f"/api/v1/spaces/comite/requests/{mid(world, 'agnes')}/decline/"
               ).status_code == 200
    again = api(sam, "post", f"/api/v1/spaces/comite/requests/{mid(world, 'agnes')}/decline/")
    assert again.status_code == 400 and "no pending request" in again.json()[
        "non_field_errors"][0]
    with tenant_context(world.alpha):
        space = Space.objects.get(slug="comite")
        assert space_is_member(space=space, user_id=uid(world, "amir"))
        assert not space_is_member(space=space, user_id=uid(world, "agnes"))
        texts = set(Notification.objects.filter(category="members").values_list("text",
                                                                                 flat=True))
        assert {"Amir Member asks to join Comité.", "You are now a member of Comité.",
                "Your request to join Comité was declined."} <= texts


def test_last_moderator_leaves_naming_a_successor(world, signed_in):  # noqa: ANN001
    make_space(world, "Atelier")
    sam = signed_in("alpha", "sam")
    refused = api(sam, "post", "/api/v1/spaces/atelier/leave/")
    assert refused.status_code == 400
    assert "name another moderator first" in refused.json()["successor"][0]
    ok = api(sam, "post", "/api/v1/spaces/atelier/leave/", {"successor_id": mid(world, "amir")})
    assert ok.status_code == 200
    with tenant_context(world.alpha):
        space = Space.objects.get(slug="atelier")
        assert space_is_moderator(space=space, user_id=uid(world, "amir"))
        assert not space_is_member(space=space, user_id=uid(world, "sam"))
    assert api(signed_in("alpha", "amir"), "post",
               "/api/v1/spaces/toute-l-association/leave/").status_code == 404


def test_add_remove_and_moderators(world, signed_in):  # noqa: ANN001
    make_space(world, "Secret", Visibility.PRIVATE)
    sam = signed_in("alpha", "sam")
    added = api(sam, "post", "/api/v1/spaces/secret/members/", {"member_id": mid(world, "amir")})
    assert added.status_code == 200
    assert {m["name"] for m in added.json()["members"]} == {"Sam Both", "Amir Member"}
    assert api(signed_in("alpha", "amir"), "get", "/api/v1/spaces/secret/").status_code == 200
    twice = api(sam, "post", "/api/v1/spaces/secret/members/", {"member_id": mid(world, "amir")})
    assert twice.status_code == 400 and "already belongs" in twice.json()["member"][0]
    bad = api(sam, "post", "/api/v1/spaces/secret/members/", {"member_id": "x"})
    assert bad.status_code == 400 and "member_id" in bad.json()
    made = api(sam, "post", f"/api/v1/spaces/secret/members/{mid(world, 'amir')}/moderator/",
               {"is_moderator": True})
    assert made.status_code == 200
    assert [m["is_moderator"] for m in made.json()["members"]] == [True, True]
    api(sam, "post", f"/api/v1/spaces/secret/members/{mid(world, 'sam')}/moderator/",
        {"is_moderator": False})
    last = api(sam, "post", f"/api/v1/spaces/secret/members/{mid(world, 'amir')}/remove/")
    assert last.status_code == 404  # Sam moderates no more
    amir = signed_in("alpha", "amir")
    last = api(amir, "post", f"/api/v1/spaces/secret/members/{mid(world, 'amir')}/remove/")
    assert last.status_code == 400 and "last moderator" in last.json()["successor"][0]
    gone = api(amir, "post", f"/api/v1/spaces/secret/members/{mid(world, 'sam')}/remove/")
    assert gone.status_code == 200
    assert api(sam, "get", "/api/v1/spaces/secret/").status_code == 404


def test_settings_endpoint_is_the_boards(world, signed_in):  # noqa: ANN001
    amir = signed_in("alpha", "amir")
    assert api(amir, "get", "/api/v1/spaces/settings/").json() == {"members_may_create": False}
    assert api(amir, "put", "/api/v1/spaces/settings/",
               {"members_may_create": True}).status_code == 404
    assert api(signed_in("alpha", "arthur"), "put", "/api/v1/spaces/settings/",
               {"members_may_create": True}).status_code == 404
    assert api(amir, "post", "/api/v1/spaces/", {"name": "Club"}).status_code == 404
    board = signed_in("alpha", "alice")
    assert api(board, "put", "/api/v1/spaces/settings/",
               {"members_may_create": True}).json() == {"members_may_create": True}
    assert api(amir, "post", "/api/v1/spaces/", {"name": "Club"}).status_code == 201


# --- Permission table (API) --------------------------------------------------------------------


def api_action(client, world, action: str, newcomer: User) -> int:  # noqa: ANN001
    with tenant_context(world.alpha):
        newcomer_mid = Membership.objects.get(user=newcomer).pk
    method, path, data = {
        "create": ("post", "/api/v1/spaces/", {"name": "Neuf"}),
        "edit": ("patch", "/api/v1/spaces/atelier/", {"name": "Atelier 2"}),
        "archive": ("post", "/api/v1/spaces/atelier/archive/", {}),
        "join": ("post", "/api/v1/spaces/atelier/join/", {}),
        "leave": ("post", "/api/v1/spaces/atelier/leave/", {}),
        "approve": ("post", f"/api/v1/spaces/atelier/requests/{newcomer_mid}/approve/", {}),
        "add": ("post", "/api/v1/spaces/atelier/members/", {"member_id": newcomer_mid}),
    }[action]
    return api(client, method, path, data).status_code


@pytest.mark.parametrize("action", list(TABLE))
@pytest.mark.parametrize("role", ROLES)
def test_permission_table_api(world, signed_in, action: str, role: str):  # noqa: ANN001
    from .test_spaces import effect

    actor = ACTORS[role]
    allowed = TABLE[action][ROLES.index(role)]
    space = setup_action(world, action, actor)
    newcomer = extra_member(world, "zoe")
    if action == "approve":
        with tenant_context(world.alpha):
            services.space_request(space=space, user_id=newcomer.pk)
    code = api_action(signed_in("alpha", actor), world, action, newcomer)
    if allowed:
        assert code in (200, 201), (role, action, code)
    else:
        assert code == (400 if action == "leave" else 404), (role, action, code)
    assert effect(world, action, actor, newcomer) is allowed


# --- Isolation between associations ------------------------------------------------------------


def test_beta_members_get_nothing_of_alphas_spaces(world, signed_in):  # noqa: ANN001
    make_space(world, "Alpha atelier")
    make_space(world, "Beta jardin", creator="bob", association="beta")
    bob = signed_in("beta", "bob")
    at_beta = {row["name"] for row in api(bob, "get", "/api/v1/spaces/").json()}
    assert at_beta == {"Toute l'association", "Beta jardin"}
    page = bob.get("/spaces/", **EN).content.decode()
    assert "Beta jardin" in page and "Alpha atelier" not in page
    # Bob's session at alpha's address: nothing (another client: alpha drops the cookie).
    intruder = signed_in("beta", "bob")
    for path in ("/api/v1/spaces/", "/api/v1/spaces/alpha-atelier/"):
        response = intruder.get(path, HTTP_HOST=world.alpha.host)
        assert response.status_code == 403 and "Alpha atelier" not in response.content.decode()
    response = signed_in("beta", "bob").post("/api/v1/spaces/alpha-atelier/join/",
                                              HTTP_HOST=world.alpha.host)
    assert response.status_code == 403
    with tenant_context(world.alpha):
        assert not SpaceMembership.objects.filter(user_id=uid(world, "bob")).exists()
    # Same address in beta: another space altogether.
    assert api(bob, "get", "/api/v1/spaces/alpha-atelier/").status_code == 404
    # Sam, in both, sees each association's own spaces at each address.
    sam_alpha = {r["name"] for r in api(signed_in("alpha", "sam"), "get", "/api/v1/spaces/"
                                        ).json()}
    assert "Alpha atelier" in sam_alpha and "Beta jardin" not in sam_alpha
    with tenant_context(world.beta):
        assert not SpaceMembership.objects.filter(
            user_id=uid(world, "sam"), status=SpaceMembershipStatus.ACTIVE).exists()


# --- OpenAPI -----------------------------------------------------------------------------------


def test_spaces_api_is_in_the_schema_without_warnings(world):  # noqa: ANN001
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(urlconf="cercle.urls_tenants").get_schema(request=None, public=True)
    paths = {p for p in schema["paths"] if p.startswith("/api/v1/spaces/")}
    assert paths == {
        "/api/v1/spaces/", "/api/v1/spaces/settings/", "/api/v1/spaces/{slug}/",
        "/api/v1/spaces/{slug}/archive/", "/api/v1/spaces/{slug}/join/",
        "/api/v1/spaces/{slug}/leave/", "/api/v1/spaces/{slug}/request/",
        "/api/v1/spaces/{slug}/requests/", "/api/v1/spaces/{slug}/requests/{id}/approve/",
        "/api/v1/spaces/{slug}/requests/{id}/decline/", "/api/v1/spaces/{slug}/members/",
        "/api/v1/spaces/{slug}/members/{id}/remove/",
        "/api/v1/spaces/{slug}/members/{id}/moderator/",
    }
    ours = [
        message for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if "spaces" in message.lower() or "space" in message.lower()
    ]
    assert ours == []
    assert set(schema["paths"]["/api/v1/spaces/"]) == {"get", "post"}
    assert set(schema["paths"]["/api/v1/spaces/{slug}/"]) == {"get", "patch"}
    assert set(schema["paths"]["/api/v1/spaces/settings/"]) == {"get", "put"}
