"""The shell answers: landing, signup page, a member's home, the unknown-host page."""

from django.urls import reverse


def test_landing_and_signup_pages_answer(world, client_for):
    client = client_for(None)
    assert client.get("/").status_code == 200
    assert client.get("/signup/").status_code == 200


def test_member_sees_home_of_their_association(world, signed_in):
    response = signed_in("alpha", "alice").get("/")
    assert response.status_code == 200
    assert "Alpha" in response.content.decode()


def test_anonymous_is_sent_to_sign_in(world, client_for):
    response = client_for(world.alpha).get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login", urlconf="cercle.urls_tenants"))
