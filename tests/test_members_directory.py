"""Members directory and profiles: search, filters, pagination without N+1, who sees email and
phone, editing one's own profile, names shown for former and erased members, and the API."""

from __future__ import annotations

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_tenants.utils import tenant_context

from shared_apps.members.models import MemberProfile, Membership, Role, Visibility
from shared_apps.members.selectors import (
    directory,
    member_display_name,
    member_display_names,
)
from shared_apps.members.services import (
    member_end,
    member_erase,
    membership_create,
    profile_update,
)
from shared_apps.spaces.models import Space, SpaceMembership, SpaceMembershipStatus
from shared_apps.spaces.models import Visibility as SpaceVisibility
from tenants.accounts.models import User

from .world import PEOPLE, email_of

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def add_members(world, count: int, prefix: str = "extra") -> list[Membership]:  # noqa: ANN001
    created = []
    with tenant_context(world.alpha):
        for i in range(count):
            user = User.objects.create_user(
                email=f"{prefix}{i}@dir.test", password="x", full_name=f"{prefix.title()} {i:03d}"
            )
            created.append(membership_create(user=user, role=Role.MEMBER, title="Bénévole cuisine"))
    return created


def names_in(response) -> str:  # noqa: ANN001
    """The page's main content (the account menu names the viewer on every page)."""
    text = response.content.decode()
    return text.split('id="main"', 1)[-1]


# --- Directory -------------------------------------------------------------------------------


def test_directory_lists_active_members_of_this_association_only(world, signed_in):  # noqa: ANN001
    response = signed_in("alpha", "amir").get("/members/", **EN)
    assert response.status_code == 200
    text = names_in(response)
    for _key, name, _role in PEOPLE["alpha"]:
        assert name.replace("è", "&#232;") in text or name in text
    assert "Sam Both" in text
    for _key, name, _role in PEOPLE["beta"]:
        assert name not in text


def test_ended_members_leave_the_directory(world, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        member_end(membership=Membership.objects.get(user=world.users["amir"]),
                   by=Membership.objects.get(user=world.users["alice"]))
    text = names_in(signed_in("alpha", "alice").get("/members/", **EN))
    assert "Amir Member" not in text and "Alice Board" in text


def test_search_by_name_and_by_title(world, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        Membership.objects.filter(user=world.users["arthur"]).update(title="Trésorier")
        profile_update(membership=Membership.objects.get(user=world.users["agnes"]),
                       display_name="Nénette")
    client = signed_in("alpha", "amir")
    text = names_in(client.get("/members/", {"q": "trés"}, **EN))
    assert "Arthur Staff" in text and "Alice Board" not in text
    text = names_in(client.get("/members/", {"q": "alice"}, **EN))
    assert "Alice Board" in text and "Arthur Staff" not in text
    # The chosen display name is searched and shown instead of the account's name.
    text = names_in(client.get("/members/", {"q": "nénette"}, **EN))
    assert "N&#233;nette" in text or "Nénette" in text
    assert "Agn" not in text


def test_filter_by_role(world, signed_in):  # noqa: ANN001
    text = names_in(signed_in("alpha", "amir").get("/members/", {"role": "staff"}, **EN))
    assert "Arthur Staff" in text and "Alice Board" not in text and "Amir Member" not in text
    # An unknown role is ignored, not an error.
    assert signed_in("alpha", "amir").get("/members/", {"role": "king"}).status_code == 200


def _space(world, name: str, visibility: str, members: list[str]) -> Space:  # noqa: ANN001
    with tenant_context(world.alpha):
        space = Space.objects.create(name=name, slug=name.lower(), visibility=visibility)
        for key in members:
            SpaceMembership.objects.create(
                space=space, user=world.users[key], status=SpaceMembershipStatus.ACTIVE
            )
        return space


def test_filter_by_space(world, signed_in):  # noqa: ANN001
    kitchen = _space(world, "Kitchen", SpaceVisibility.OPEN, ["agnes", "sam"])
    with tenant_context(world.alpha):
        SpaceMembership.objects.create(
            space=kitchen, user=world.users["amir"], status=SpaceMembershipStatus.REQUESTED
        )
        default = Space.objects.get(is_default=True)
    client = signed_in("alpha", "alice")
    text = names_in(client.get("/members/", {"space": kitchen.pk}, **EN))
    assert "Sam Both" in text and "Agn" in text
    assert "Alice Board" not in text
    assert "Amir Member" not in text  # a request to join is not membership
    # The whole-association space: everyone.
    text = names_in(client.get("/members/", {"space": default.pk}, **EN))
    assert "Amir Member" in text and "Alice Board" in text
    assert client.get("/members/", {"space": "abc"}).status_code == 200


def test_private_space_filter_reveals_nothing_to_outsiders(world, signed_in):  # noqa: ANN001
    secret = _space(world, "Secret", SpaceVisibility.PRIVATE, ["agnes"])
    outsider = names_in(signed_in("alpha", "amir").get("/members/", {"space": secret.pk}, **EN))
    assert "0 members" in outsider and "Secret" not in outsider
    insider = names_in(signed_in("alpha", "agnes").get("/members/", {"space": secret.pk}, **EN))
    assert "1 member" in insider and "Secret" in insider
    with tenant_context(world.alpha):
        assert not directory(viewer_user_id=world.users["amir"].pk, space_id=secret.pk).exists()
    api = signed_in("alpha", "amir").get("/api/v1/members/", {"space": secret.pk})
    assert api.json()["count"] == 0


def test_directory_is_paginated(world, signed_in):  # noqa: ANN001
    add_members(world, 35)
    client = signed_in("alpha", "amir")
    first = names_in(client.get("/members/", {"q": "extra"}, **EN))
    assert "35 members" in first and "Extra 000" in first and "Extra 034" not in first
    assert "page=2" in first
    second = names_in(client.get("/members/", {"q": "extra", "page": 2}, **EN))
    assert "Extra 034" in second and "Extra 000" not in second


def test_directory_htmx_returns_only_the_results(world, signed_in):  # noqa: ANN001
    response = signed_in("alpha", "amir").get("/members/", {"q": "alice"}, HTTP_HX_REQUEST="true")
    text = names_in(response)
    assert "Alice Board" in text and "<html" not in text


def _queries(client, url: str) -> int:  # noqa: ANN001
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/members/", "/api/v1/members/"])
def test_directory_queries_do_not_grow_with_members(world, signed_in, url: str):  # noqa: ANN001
    client = signed_in("alpha", "alice")
    add_members(world, 3, "few")
    _queries(client, url)  # warm up: the first request notes the association's activity
    few = _queries(client, url)
    members = add_members(world, 20, "many")
    with tenant_context(world.alpha):
        for m in members[:10]:
            profile_update(membership=m, phone="0102030405", email_visibility=Visibility.MEMBERS)
    assert _queries(client, url) == few


# --- Profiles and visibility -----------------------------------------------------------------


def _amir_profile(world, email: str, phone: str) -> Membership:  # noqa: ANN001
    with tenant_context(world.alpha):
        membership = Membership.objects.get(user=world.users["amir"])
        profile_update(membership=membership, phone="06 12 34 56 78", bio="J'aime le vélo.",
                       email_visibility=email, phone_visibility=phone)
        return membership


@pytest.mark.parametrize(
    ("email_vis", "phone_vis", "viewer", "sees_email", "sees_phone"),
    [
        (Visibility.MEMBERS, Visibility.BOARD, "agnes", True, False),
        (Visibility.MEMBERS, Visibility.BOARD, "alice", True, True),
        (Visibility.BOARD, Visibility.MEMBERS, "arthur", False, True),  # staff is not board
        (Visibility.NOBODY, Visibility.NOBODY, "alice", False, False),
        (Visibility.NOBODY, Visibility.NOBODY, "amir", True, True),  # one always sees oneself
    ],
)
def test_profile_page_respects_visibility(
    world, signed_in, email_vis, phone_vis, viewer, sees_email, sees_phone  # noqa: ANN001
):
    membership = _amir_profile(world, email_vis, phone_vis)
    client = signed_in("alpha", viewer)
    text = names_in(client.get(f"/members/{membership.pk}/", **EN))
    assert ("amir@world.test" in text) is sees_email
    assert ("06 12 34 56 78" in text) is sees_phone
    assert "J&#x27;aime le vélo." in text or "J'aime le vélo." in text
    api = client.get(f"/api/v1/members/{membership.pk}/").json()
    assert (api["email"] == email_of("amir")) is sees_email
    assert (api["phone"] == "06 12 34 56 78") is sees_phone
    listed = client.get("/api/v1/members/", {"q": "amir"}).json()["results"][0]
    assert (listed["email"] is not None) is sees_email


def test_profile_of_another_association_member_is_404(world, signed_in):  # noqa: ANN001
    bob = world.membership("beta", "bob")
    with tenant_context(world.alpha):
        assert not Membership.objects.filter(pk=bob.pk, user=world.users["bob"]).exists()
    response = signed_in("alpha", "alice").get(f"/members/{10**9}/")
    assert response.status_code == 404


def test_ended_profile_is_hidden_from_members_but_not_from_the_board(world, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        ended = member_end(membership=Membership.objects.get(user=world.users["agnes"]),
                           by=Membership.objects.get(user=world.users["alice"]))
    assert signed_in("alpha", "amir").get(f"/members/{ended.pk}/").status_code == 404
    board_view = signed_in("alpha", "alice").get(f"/members/{ended.pk}/", **EN)
    assert board_view.status_code == 200 and "Former member" in names_in(board_view)


def test_member_edits_own_profile(world, signed_in):  # noqa: ANN001
    client = signed_in("alpha", "amir")
    page = client.get("/members/me/", **EN)
    assert page.status_code == 200 and "Leave empty to use your account" in names_in(page)
    response = client.post("/members/me/", {
        "display_name": "Amir K.", "phone": "+33 6 00 00 00 00", "bio": "Trésorier adjoint",
        "email_visibility": "members", "phone_visibility": "nobody",
    })
    membership = world.membership("alpha", "amir")
    assert response.status_code == 302 and response["Location"] == f"/members/{membership.pk}/"
    with tenant_context(world.alpha):
        profile = MemberProfile.objects.get(membership=membership)
    assert (profile.display_name, profile.phone, profile.phone_visibility) == (
        "Amir K.", "+33 6 00 00 00 00", "nobody"
    )
    assert "Amir K." in names_in(signed_in("alpha", "alice").get("/members/"))


def test_profile_bad_input_is_explained(world, signed_in):  # noqa: ANN001
    response = signed_in("alpha", "amir").post("/members/me/", {
        "phone": "call me maybe", "email_visibility": "everyone", "phone_visibility": "board",
    }, **EN)
    assert response.status_code == 400
    text = names_in(response)
    assert "Enter a phone number" in text and "Select a valid choice" in text


def test_display_name_defaults_to_the_account_name(world):  # noqa: ANN001
    with tenant_context(world.alpha), translation.override("en"):
        amir = world.users["amir"].pk
        assert member_display_name(amir) == "Amir Member"
        profile_update(membership=Membership.objects.get(user_id=amir), display_name="AK")
        assert member_display_name(amir) == "AK"


def test_names_for_former_and_deleted_members(world):  # noqa: ANN001
    with tenant_context(world.alpha), translation.override("en"):
        alice = Membership.objects.get(user=world.users["alice"])
        member_end(membership=Membership.objects.get(user=world.users["agnes"]), by=alice)
        member_erase(membership=Membership.objects.get(user=world.users["amir"]), by=alice)
        ids = [world.users[k].pk for k in ("alice", "agnes", "amir")] + [10**9]
        with CaptureQueriesContext(connection) as ctx:
            names = member_display_names(ids)
        assert len(ctx.captured_queries) == 1
        assert [names[i] for i in ids] == [
            "Alice Board", "Former member", "Deleted member", "Former member"
        ]
        rendered = Template("{% load members %}{{ uid|member_display_name }}").render(
            Context({"uid": world.users["agnes"].pk})
        )
        assert rendered == "Former member"
    with tenant_context(world.alpha), translation.override("fr"):
        assert member_display_name(world.users["agnes"].pk) == translation.gettext(
            "Former member"
        )


# --- API -------------------------------------------------------------------------------------


def test_api_list_search_and_filters(world, signed_in):  # noqa: ANN001
    client = signed_in("alpha", "amir")
    body = client.get("/api/v1/members/").json()
    assert body["count"] == 5
    assert {r["name"] for r in body["results"]} >= {"Alice Board", "Sam Both"}
    assert client.get("/api/v1/members/", {"q": "arthur"}).json()["count"] == 1
    assert client.get("/api/v1/members/", {"role": "board"}).json()["results"][0]["name"] == (
        "Alice Board"
    )
    assert client.get("/api/v1/members/", {"space": "x"}).status_code == 400


def test_api_my_profile_get_and_patch(world, signed_in):  # noqa: ANN001
    client = signed_in("alpha", "agnes")
    assert client.get("/api/v1/members/me/").json()["email_visibility"] == "board"
    response = client.patch(
        "/api/v1/members/me/", {"bio": "Hello", "email_visibility": "members"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["bio"] == "Hello" and response.json()["email_visibility"] == "members"
    bad = client.patch(
        "/api/v1/members/me/", {"email_visibility": "world", "phone": "nope!"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and set(bad.json()) == {"email_visibility", "phone"}


def test_api_needs_a_member(world, client_for, signed_in):  # noqa: ANN001
    assert client_for(world.alpha).get("/api/v1/members/").status_code == 403
    # Bob's beta session is nothing at alpha; at beta he sees beta's members only.
    beta = signed_in("beta", "bob").get("/api/v1/members/").json()
    names = {r["name"] for r in beta["results"]}
    assert "Bob Board" in names and "Alice Board" not in names
