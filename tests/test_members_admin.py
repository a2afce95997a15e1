"""The board's actions on memberships: role and title, ending (access revoked at once, content
shown as a former member's), erasing personal data (GDPR), exporting the list; the role ×
endpoint table; and the OpenAPI schema of the members API."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import translation
from django_tenants.utils import tenant_context
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from shared_apps.members.models import (
    Invitation,
    InvitationStatus,
    JoinRequest,
    MemberProfile,
    Membership,
    MembershipStatus,
    Role,
    Visibility,
)
from shared_apps.members.selectors import member_display_name
from shared_apps.members.services import (
    InviteEntry,
    MembershipError,
    invitations_create,
    member_change_role,
    member_end,
    member_erase,
    profile_update,
)
from tenants.accounts.models import User
from tenants.models import Affiliation, Association

from .world import email_of

# Messages are checked in English, the source language.
pytestmark = pytest.mark.usefixtures("english")

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def main(response) -> str:  # noqa: ANN001
    return response.content.decode().split('id="main"', 1)[-1]


def m(world, key: str) -> Membership:  # noqa: ANN001
    return world.membership("alpha", key)


# --- Role and title ------------------------------------------------------------------------------


def test_board_changes_role_and_title(world, signed_in):  # noqa: ANN001
    amir = m(world, "amir")
    client = signed_in("alpha", "alice")
    page = main(client.get(f"/members/{amir.pk}/", **EN))
    assert "Role and title" in page and "End this membership" in page
    response = client.post(f"/members/{amir.pk}/role/", {"role": "staff", "title": "Secrétaire"})
    assert response.status_code == 302
    amir = m(world, "amir")
    assert (amir.role, amir.title) == (Role.STAFF, "Secrétaire")
    api = client.post(f"/api/v1/members/{amir.pk}/role/", {"role": "volunteer", "title": ""},
                      content_type="application/json")
    assert api.status_code == 200 and api.json()["role"] == "volunteer"
    bad = client.post(f"/api/v1/members/{amir.pk}/role/", {"role": "emperor"},
                      content_type="application/json")
    assert bad.status_code == 400 and "role" in bad.json()


def test_the_last_board_administrator_stays(world, signed_in):  # noqa: ANN001
    alice = m(world, "alice")
    client = signed_in("alpha", "alice")
    response = client.post(f"/members/{alice.pk}/role/", {"role": "member"}, follow=True, **EN)
    assert "at least one board administrator" in main(response)
    assert m(world, "alice").role == Role.BOARD
    api = client.post(f"/api/v1/members/{alice.pk}/end/")
    assert api.status_code == 400 and "at least one board" in api.json()["detail"]
    with tenant_context(world.alpha), pytest.raises(MembershipError):
        member_erase(membership=alice, by=alice)
    # With a second board member, Alice may step down.
    with tenant_context(world.alpha):
        member_change_role(membership=m(world, "arthur"), role=Role.BOARD, title="", by=alice)
        member_change_role(membership=alice, role=Role.MEMBER, title="", by=alice)
    assert m(world, "alice").role == Role.MEMBER


# --- Ending --------------------------------------------------------------------------------------


def test_ending_revokes_access_at_once(world, signed_in):  # noqa: ANN001
    amir_client = signed_in("alpha", "amir")
    assert amir_client.get("/members/").status_code == 200
    amir = m(world, "amir")
    before = Association.objects.get(pk=world.alpha.pk).member_count
    board = signed_in("alpha", "alice")
    assert "End the membership of Amir Member" in main(board.get(f"/members/{amir.pk}/end/", **EN))
    assert board.post(f"/members/{amir.pk}/end/").status_code == 302
    assert m(world, "amir").status == MembershipStatus.ENDED
    assert amir_client.get("/members/").status_code == 403
    assert amir_client.get("/api/v1/members/").status_code == 403
    assert not Affiliation.objects.get(user=world.users["amir"], association=world.alpha).is_active
    assert Association.objects.get(pk=world.alpha.pk).member_count == before - 1
    with tenant_context(world.alpha), translation.override("en"):
        assert member_display_name(world.users["amir"].pk) == "Former member"
    # Ending twice is explained.
    again = board.post(f"/api/v1/members/{amir.pk}/end/")
    assert again.status_code == 400 and "no longer a member" in again.json()["detail"]


# --- Erasing -------------------------------------------------------------------------------------


def test_erasing_personal_data_keeps_records_coherent(world, signed_in):  # noqa: ANN001
    amir = m(world, "amir")
    with tenant_context(world.alpha):
        alice = m(world, "alice")
        member_change_role(membership=amir, role=Role.MEMBER, title="Trésorier adjoint", by=alice)
        profile_update(membership=amir, display_name="AK", phone="0600000000", bio="Vélo",
                       email_visibility=Visibility.MEMBERS)
        invitation = invitations_create(
            entries=[InviteEntry(email="leftover@x.test")], invited_by=alice, send=False
        )[0]
        Invitation.objects.filter(pk=invitation.pk).update(email=email_of("amir"))
        JoinRequest.objects.create(full_name="Amir again", email=email_of("amir"), message="hi")
    board = signed_in("alpha", "alice")
    assert "cannot be undone" in main(board.get(f"/members/{amir.pk}/erase/", **EN))
    assert board.post(f"/members/{amir.pk}/erase/").status_code == 302
    with tenant_context(world.alpha):
        amir = Membership.objects.get(pk=amir.pk)
        profile = MemberProfile.objects.get(membership=amir)
        assert amir.status == MembershipStatus.ENDED and amir.title == ""
        assert (profile.display_name, profile.phone, profile.bio) == ("", "", "")
        assert profile.erased_at is not None
        assert profile.email_visibility == profile.phone_visibility == Visibility.NOBODY
        leftover = Invitation.objects.get(pk=invitation.pk)
        assert leftover.email == "" and leftover.status == InvitationStatus.REVOKED
        assert JoinRequest.objects.get().email == "" and JoinRequest.objects.get().message == ""
        with translation.override("en"):
            assert member_display_name(world.users["amir"].pk) == "Deleted member"
    # The account itself stays (it may belong elsewhere); the board's page shows no data.
    assert User.objects.filter(pk=world.users["amir"].pk).exists()
    page = main(board.get(f"/members/{amir.pk}/", **EN))
    assert "Deleted member" in page and email_of("amir") not in page and "0600000000" not in page


def test_erasing_an_ended_member_and_sam_stays_at_beta(world, signed_in):  # noqa: ANN001
    sam = m(world, "sam")
    with tenant_context(world.alpha):
        member_end(membership=sam, by=m(world, "alice"))
    api = signed_in("alpha", "alice").post(f"/api/v1/members/{sam.pk}/erase/")
    assert api.status_code == 200 and api.json()["name"] in ("Deleted member", "Membre supprimé")
    assert api.json()["email"] is None
    assert world.membership("beta", "sam").is_active
    assert Affiliation.objects.get(user=world.users["sam"], association=world.beta).is_active


# --- Export --------------------------------------------------------------------------------------


def read_export(response) -> list[list[str]]:  # noqa: ANN001
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_export_for_the_board_respects_hidden_fields(world, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        profile_update(membership=m(world, "agnes"), phone="06 01 02 03 04",
                       phone_visibility=Visibility.BOARD, email_visibility=Visibility.MEMBERS)
        profile_update(membership=m(world, "amir"), phone="06 99 99 99 99",
                       phone_visibility=Visibility.NOBODY, email_visibility=Visibility.NOBODY)
        member_end(membership=m(world, "sam"), by=m(world, "alice"))
    response = signed_in("alpha", "alice").get("/members/export/", **EN)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_export(response)
    assert rows[0] == ["Name", "Email", "Phone", "Role", "Title", "Member since"]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Alice Board", "Arthur Staff", "Agnès Volunteer", "Amir Member"}
    assert by_name["Agnès Volunteer"][1:3] == [email_of("agnes"), "06 01 02 03 04"]
    assert by_name["Amir Member"][1:3] == ["", ""]  # hidden from the board too
    assert by_name["Alice Board"][3] == "Board administrator"
    api = signed_in("alpha", "alice").get("/api/v1/members/export/", **EN)
    assert read_export(api) == rows


# --- Who may do what -----------------------------------------------------------------------------

B, S, V, M = "alice", "arthur", "agnes", "amir"
# Written by hand: which of alpha's people may reach each page (others get 404).
ALLOWED: dict[str, set[str]] = {
    "/members/": {B, S, V, M},
    "/members/me/": {B, S, V, M},
    "/members/invitations/": {B, S},
    "/members/import/": {B, S},
    "/members/join-requests/": {B, S},
    "/members/export/": {B},
    "/members/{sam}/end/": {B},
    "/members/{sam}/erase/": {B},
    "/api/v1/members/": {B, S, V, M},
    "/api/v1/members/me/": {B, S, V, M},
    "/api/v1/members/{sam}/": {B, S, V, M},
    "/api/v1/members/invitations/": {B, S},
    "/api/v1/members/join-requests/": {B, S},
    "/api/v1/members/export/": {B},
}
POSTS: dict[str, set[str]] = {
    "/members/{sam}/role/": {B},
    "/api/v1/members/{sam}/role/": {B},
}


@pytest.mark.parametrize("key", [B, S, V, M])
@pytest.mark.parametrize("url", sorted(ALLOWED))
def test_role_table_get(world, signed_in, url: str, key: str):  # noqa: ANN001
    target = url.format(sam=m(world, "sam").pk)
    response = signed_in("alpha", key).get(target)
    assert response.status_code == (200 if key in ALLOWED[url] else 404), target


@pytest.mark.parametrize("key", [B, S, V, M])
@pytest.mark.parametrize("url", sorted(POSTS))
def test_role_table_post(world, signed_in, url: str, key: str):  # noqa: ANN001
    sam = m(world, "sam")
    response = signed_in("alpha", key).post(
        url.format(sam=sam.pk), {"role": "volunteer", "title": "x"}
    )
    if key in POSTS[url]:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 404
    assert (m(world, "sam").role == Role.VOLUNTEER) is (key in POSTS[url])


@pytest.mark.parametrize("action", ["end", "erase"])
def test_staff_cannot_end_or_erase(world, signed_in, action: str):  # noqa: ANN001
    sam = m(world, "sam")
    assert signed_in("alpha", "arthur").post(f"/members/{sam.pk}/{action}/").status_code == 404
    assert signed_in("alpha", "arthur").post(
        f"/api/v1/members/{sam.pk}/{action}/"
    ).status_code == 404
    assert m(world, "sam").status == MembershipStatus.ACTIVE


def test_anonymous_is_sent_to_sign_in(world, client_for):  # noqa: ANN001
    response = client_for(world.alpha).get("/members/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_actions_on_another_associations_member_are_404(world, signed_in):  # noqa: ANN001
    """A membership id that exists only at beta means nothing at alpha."""
    from shared_apps.members.services import membership_create

    with tenant_context(world.beta):
        newcomer = membership_create(
            user=User.objects.create_user(email="only-beta@x.test", full_name="Only Beta")
        )
    with tenant_context(world.alpha):
        assert not Membership.objects.filter(pk=newcomer.pk).exists()
    board = signed_in("alpha", "alice")
    assert board.post(f"/api/v1/members/{newcomer.pk}/end/").status_code == 404
    assert board.get(f"/api/v1/members/{newcomer.pk}/").status_code == 404
    response = board.get(f"/members/{newcomer.pk}/")
    assert response.status_code == 404 and "Only Beta" not in response.content.decode()
    with tenant_context(world.beta):
        assert Membership.objects.get(pk=newcomer.pk).is_active


# --- OpenAPI -------------------------------------------------------------------------------------


def test_members_api_is_in_the_schema_without_warnings(world):  # noqa: ANN001
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(urlconf="cercle.urls_tenants").get_schema(request=None, public=True)
    paths = {p for p in schema["paths"] if p.startswith("/api/v1/members/")}
    assert paths == {
        "/api/v1/members/", "/api/v1/members/me/", "/api/v1/members/export/",
        "/api/v1/members/{id}/", "/api/v1/members/{id}/role/", "/api/v1/members/{id}/end/",
        "/api/v1/members/{id}/erase/", "/api/v1/members/invitations/",
        "/api/v1/members/invitations/{id}/resend/", "/api/v1/members/invitations/{id}/revoke/",
        "/api/v1/members/join-requests/", "/api/v1/members/join-requests/{id}/approve/",
        "/api/v1/members/join-requests/{id}/decline/", "/api/v1/members/settings/",
    }
    # Only this app's messages: other apps' views answer for themselves.
    ours = [
        message for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if "members" in message.lower() or "visibility" in message.lower()
    ]
    assert ours == []
    assert "patch" in schema["paths"]["/api/v1/members/me/"]
