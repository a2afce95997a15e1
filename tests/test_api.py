"""The REST API: the workspace's /api/v1/me/, the base domain's endpoints, OpenAPI documents."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from tenants.models import Association


def at_base(world, user_key: str | None = None) -> Client:  # noqa: ANN001
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en")
    if user_key:
        connection.set_schema_to_public()  # base sessions live in the public schema
        client.force_login(world.users[user_key])
    return client


@pytest.mark.parametrize(
    ("association", "user_key", "role"),
    [("alpha", "alice", "board"), ("alpha", "amir", "member"), ("alpha", "sam", "member"),
     ("beta", "sam", "volunteer"), ("beta", "berta", "staff")],
)
def test_me_for_a_member(world, signed_in, association: str, user_key: str, role: str) -> None:
    response = signed_in(association, user_key).get("/api/v1/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == role
    assert body["email"] == f"{user_key}@world.test"
    assert body["association"] == world.associations[association].name


def test_me_patch_changes_the_account(world, signed_in) -> None:  # noqa: ANN001
    from tenants.accounts.models import User

    client = signed_in("alpha", "amir")
    response = client.patch(
        "/api/v1/me/", {"full_name": "  Amir Nouveau ", "language": "en"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["full_name"] == "Amir Nouveau"
    assert response.json()["language"] == "en"
    amir = User.objects.get(pk=world.users["amir"].pk)
    assert (amir.full_name, amir.language) == ("Amir Nouveau", "en")
    # One field alone leaves the other as it was.
    assert client.patch("/api/v1/me/", {"language": ""},
                        content_type="application/json").json()["full_name"] == "Amir Nouveau"


@pytest.mark.parametrize(
    "body", [{"full_name": ""}, {"language": "klingon"}, {"full_name": "x" * 151},
             {"full_name": "Valid", "language": "xx"}],
)
def test_me_patch_refuses_bad_input_and_changes_nothing(world, signed_in, body) -> None:  # noqa: ANN001
    from tenants.accounts.models import User

    response = signed_in("alpha", "amir").patch(
        "/api/v1/me/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 400
    field = next(name for name in ("language", "full_name") if name in response.json())
    assert response.json()[field]  # a message per field, in French
    amir = User.objects.get(pk=world.users["amir"].pk)
    assert (amir.full_name, amir.language) == ("Amir Member", world.users["amir"].language)


def test_me_patch_is_in_the_openapi_schema(world, signed_in) -> None:  # noqa: ANN001
    schema = signed_in("alpha", "amir").get("/api/schema/", {"format": "json"}).json()
    assert {"get", "patch"} <= set(schema["paths"]["/api/v1/me/"])


def test_me_anonymous_is_refused(world, client_for) -> None:
    response = client_for(world.alpha).get("/api/v1/me/")
    assert response.status_code in (401, 403)
    assert "role" not in response.content.decode()


def test_me_with_another_associations_session_is_refused(world, signed_in, client_for) -> None:
    bob_at_beta = signed_in("beta", "bob")
    assert bob_at_beta.get("/api/v1/me/").status_code == 200
    # Replay Bob's beta session cookie at alpha: alpha's schema does not know that session.
    at_alpha = client_for(world.alpha)
    at_alpha.cookies = bob_at_beta.cookies
    response = at_alpha.get("/api/v1/me/")
    assert response.status_code != 200
    assert "bob@world.test" not in response.content.decode()


def test_me_when_signed_in_at_alpha_but_not_a_member(world, client_for) -> None:
    from django_tenants.utils import tenant_context

    # A session at alpha for someone who is not (any more) a member there.
    client = client_for(world.alpha)
    with tenant_context(world.alpha):
        client.force_login(world.users["bob"])
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    assert "bob@world.test" not in response.content.decode()


@pytest.mark.parametrize(
    ("where", "present", "absent"),
    [
        (None, ["/api/v1/associations/", "/api/v1/addresses/check/"], ["/api/v1/me/"]),
        ("alpha", ["/api/v1/me/"], ["/api/v1/associations/", "/api/v1/addresses/check/"]),
    ],
)
def test_openapi_documents(world, where: str | None, present: list[str], absent: list[str]) -> None:
    host = world.associations[where].host if where else "localhost"
    response = Client(HTTP_HOST=host).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Cercle API"
    for path in present:
        assert path in document["paths"], sorted(document["paths"])
    for path in absent:
        assert path not in document["paths"]
    yaml = Client(HTTP_HOST=host).get("/api/schema/")
    assert yaml.status_code == 200 and b"openapi:" in yaml.content


def test_my_associations_api(world) -> None:
    response = at_base(world, "sam").get("/api/v1/associations/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert sorted(item["slug"] for item in results) == ["alpha", "beta"]
    urls = {item["slug"]: item["url"] for item in results}
    assert urls == {"alpha": "http://alpha.localhost:8000/", "beta": "http://beta.localhost:8000/"}
    alice = at_base(world, "alice").get("/api/v1/associations/").json()["results"]
    assert [item["slug"] for item in alice] == ["alpha"]


def test_my_associations_api_needs_sign_in(world) -> None:
    response = at_base(world).get("/api/v1/associations/")
    assert response.status_code in (401, 403)


@pytest.mark.parametrize(
    ("slug", "available"),
    [("alpha", False), ("beta", False), ("ALPHA", False), ("admin", False), ("pg_x", False),
     ("a--b", False), ("", False), ("tout-neuf", True)],
)
def test_address_check_api(world, slug: str, available: bool) -> None:
    response = at_base(world).get("/api/v1/addresses/check/", {"slug": slug})
    assert response.status_code == 200
    body = response.json()
    assert body["available"] is available
    assert body["slug"] == slug.lower()
    if slug.lower() in ("alpha", "beta"):
        assert Association.objects.filter(slug=slug.lower()).exists()  # valid, just taken
        assert body["errors"] == ["This address is already taken."]
    elif not available:
        assert body["errors"]


def test_me_patch_from_another_associations_session_changes_nothing(
    world, signed_in, client_for  # noqa: ANN001
) -> None:
    from tenants.accounts.models import User

    bob_at_beta = signed_in("beta", "bob")
    at_alpha = client_for(world.alpha)
    at_alpha.cookies = bob_at_beta.cookies  # beta's session replayed at alpha
    response = at_alpha.patch("/api/v1/me/", {"full_name": "Taken Over"},
                              content_type="application/json")
    assert response.status_code in (401, 403, 404)
    assert User.objects.get(pk=world.users["bob"].pk).full_name == "Bob Board"
