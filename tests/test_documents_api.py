"""Documents REST API: library listing, upload (multipart) with refusals by content, size and
quota, detail, rename, move, trash, restore, download, folders, quota usage; the permission
table over HTTP; private spaces and other associations answer 404; constant queries; the
OpenAPI schema."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from billing.models import Plan
from billing.services import plan_grant
from shared_apps.documents.models import Document, Folder
from shared_apps.spaces.selectors import space_default
from tenants.accounts.models import User

from .test_documents import (
    CSV,
    ELF,
    EN,
    PDF,
    image_bytes,
    make_nora,
    make_spaces,
    media_root,
    put,
    upload,
)
from .world import World

# Messages are checked in English, the source language.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def media(settings, tmp_path: Path) -> Iterator[Path]:  # noqa: ANN001
    with media_root(settings, tmp_path) as root:
        yield root


@pytest.fixture
def nora(world: World) -> User:
    return make_nora(world)


@pytest.fixture
def spaces(world: World, nora: User) -> dict:
    return make_spaces(world)


def post_file(client, space: str, name: str, data: bytes, **extra):  # noqa: ANN001, ANN201
    return client.post(
        "/api/v1/documents/", {"space": space, "file": upload(name, data), **extra}, **EN
    )


@pytest.fixture
def general(world: World) -> str:
    with tenant_context(world.alpha):
        return space_default().slug


def test_upload_list_detail_and_download(world: World, media: Path, signed_in, general: str):  # noqa: ANN001
    client = signed_in("alpha", "amir")
    created = post_file(client, general, "statuts.pdf", PDF, description="Version 2025")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "statuts.pdf" and body["content_type"] == "application/pdf"
    assert body["size"] == len(PDF) and body["space"] == general and body["folder"] is None
    assert body["uploaded_by_name"] == "Amir Member" and body["can_manage"] is True
    assert body["preview_url"] == f"/documents/{body['id']}/preview/"
    listing = client.get("/api/v1/documents/", {"space": general})
    assert listing.status_code == 200
    assert [d["id"] for d in listing.json()["documents"]] == [body["id"]]
    detail = client.get(f"/api/v1/documents/{body['id']}/").json()
    assert detail["description"] == "Version 2025"
    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="statuts.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize(
    ("name", "data", "code", "text"),
    [
        ("photo.jpg", ELF, "type", "This type of file is not accepted"),
        ("photo.png", PDF, "type", "does not match its content (PDF)"),
        ("notes.txt", "Crème".encode("cp1252"), "type", "not accepted"),
    ],
)
def test_upload_refused_by_content(world: World, media: Path, signed_in, general: str,  # noqa: ANN001
                                   name: str, data: bytes, code: str, text: str):
    response = post_file(signed_in("alpha", "amir"), general, name, data)
    assert response.status_code == 400
    assert response.json()["code"] == [code] or response.json()["code"] == code
    assert text in str(response.json()["detail"])
    with tenant_context(world.alpha):
        assert not Document.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_upload_refused_when_too_large_or_over_quota(
    world: World, media: Path, signed_in, general: str, settings  # noqa: ANN001
):
    client = signed_in("alpha", "amir")
    settings.DOCUMENTS_MAX_UPLOAD_MB = 1
    too_large = post_file(client, general, "big.txt", b"a" * 1_000_001)
    assert too_large.status_code == 400 and "too large" in str(too_large.json()["detail"])
    plan_grant(association=world.alpha,
               plan=Plan.objects.create(code="tiny", name="Tiny", storage_quota_mb=1))
    assert post_file(client, general, "a.txt", b"a" * 700_000).status_code == 201
    over = post_file(client, general, "b.txt", b"b" * 700_000)
    assert over.status_code == 400 and "Not enough storage space" in str(over.json()["detail"])
    quota = client.get("/api/v1/documents/quota/").json()
    assert quota == {
        "used_bytes": 700_000, "quota_bytes": 1_000_000, "left_bytes": 300_000,
        "max_upload_bytes": 1_000_000, "label": "700 KB of 1 MB",
    }


def test_bad_input_is_explained(world: World, media: Path, signed_in, general: str):  # noqa: ANN001
    client = signed_in("alpha", "amir")
    assert client.post("/api/v1/documents/", {"space": general}, **EN).status_code == 400
    assert client.get("/api/v1/documents/").status_code == 400  # the space is required
    assert client.get("/api/v1/documents/", {"space": "nowhere"}).status_code == 404
    assert client.get("/api/v1/documents/", {"space": general, "folder": "x"}).status_code == 400
    created = post_file(client, general, "a.txt", CSV).json()
    rename = client.post(f"/api/v1/documents/{created['id']}/rename/", {"name": ""},
                         content_type="application/json")
    assert rename.status_code == 400


def test_rename_move_trash_restore_and_trash_list(
    world: World, media: Path, signed_in, general: str  # noqa: ANN001
):
    client = signed_in("alpha", "amir")
    folder = client.post("/api/v1/documents/folders/", {"space": general, "name": "AG"},
                         content_type="application/json")
    assert folder.status_code == 201
    folder_id = folder.json()["id"]
    doc = post_file(client, general, "pv.txt", CSV).json()
    url = f"/api/v1/documents/{doc['id']}/"
    renamed = client.post(url + "rename/", {"name": "PV AG.txt", "description": "Signé"},
                          content_type="application/json")
    assert renamed.json()["name"] == "PV AG.txt" and renamed.json()["description"] == "Signé"
    moved = client.post(url + "move/", {"folder": folder_id}, content_type="application/json")
    assert moved.json()["folder"] == folder_id
    listed = client.get("/api/v1/documents/", {"space": general, "folder": folder_id}).json()
    assert [d["id"] for d in listed["documents"]] == [doc["id"]]
    back = client.post(url + "move/", {"folder": None}, content_type="application/json")
    assert back.json()["folder"] is None
    trashed = client.post(url + "trash/")
    assert trashed.status_code == 200 and trashed.json()["trashed_at"] is not None
    assert client.get(url).status_code == 404
    assert client.get(url + "download/").status_code == 404
    trash = client.get("/api/v1/documents/trash/", {"space": general}).json()
    assert [d["id"] for d in trash] == [doc["id"]]
    # Sam may not restore Amir's document and does not even see it in the trash.
    sam = signed_in("alpha", "sam")
    assert sam.get("/api/v1/documents/trash/", {"space": general}).json() == []
    assert sam.post(url + "restore/").status_code == 404
    restored = client.post(url + "restore/")
    assert restored.status_code == 200 and restored.json()["trashed_at"] is None
    assert client.get(url).status_code == 200


def test_folders_crud(world: World, media: Path, signed_in, general: str):  # noqa: ANN001
    client = signed_in("alpha", "amir")
    top = client.post("/api/v1/documents/folders/", {"space": general, "name": "2025"},
                      content_type="application/json").json()
    child = client.post("/api/v1/documents/folders/",
                        {"space": general, "name": "Photos", "parent": top["id"]},
                        content_type="application/json").json()
    assert child["parent"] == top["id"]
    duplicate = client.post("/api/v1/documents/folders/",
                            {"space": general, "name": "photos", "parent": top["id"]},
                            content_type="application/json", **EN)
    assert duplicate.status_code == 400 and "already exists" in str(duplicate.json()["detail"])
    listed = client.get("/api/v1/documents/folders/", {"space": general}).json()
    assert {f["name"] for f in listed} == {"2025", "Photos"}
    cycle = client.patch(f"/api/v1/documents/folders/{top['id']}/", {"parent": child["id"]},
                         content_type="application/json")
    assert cycle.status_code == 400
    changed = client.patch(f"/api/v1/documents/folders/{child['id']}/",
                           {"name": "Images", "parent": None}, content_type="application/json")
    assert changed.json()["name"] == "Images" and changed.json()["parent"] is None
    sam = signed_in("alpha", "sam")
    assert sam.delete(f"/api/v1/documents/folders/{top['id']}/").status_code == 404
    assert client.get(f"/api/v1/documents/folders/{top['id']}/").json()["can_manage"] is True
    assert client.delete(f"/api/v1/documents/folders/{top['id']}/").status_code == 204
    with tenant_context(world.alpha):
        assert list(Folder.objects.values_list("name", flat=True)) == ["Images"]


# --- Permission table over HTTP ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "may_upload", "may_manage"),
    [("amir", True, True), ("agnes", True, True), ("alice", True, True),
     ("arthur", True, True), ("sam", True, False), ("nora", False, False)],
)
def test_permission_table_over_the_api(
    world: World, media: Path, spaces, nora: User, signed_in,  # noqa: ANN001
    actor: str, may_upload: bool, may_manage: bool,
):
    world.users["nora"] = nora
    try:
        with tenant_context(world.alpha):
            document = put(world, "amir", spaces["atelier"])
        client = signed_in("alpha", actor)
        uploaded = post_file(client, "atelier", "mine.txt", CSV)
        assert uploaded.status_code == (201 if may_upload else 404)
        url = f"/api/v1/documents/{document.pk}/"
        detail = client.get(url)
        assert detail.status_code == 200 and detail.json()["can_manage"] is may_manage
        expected = 200 if may_manage else 404
        assert client.post(url + "rename/", {"name": "r.txt"},
                           content_type="application/json").status_code == expected
        assert client.post(url + "trash/").status_code == expected
        assert client.get(url + "download/").status_code == (404 if may_manage else 200)
    finally:
        world.users.pop("nora", None)


def test_private_space_documents_are_404_for_non_members(
    world: World, media: Path, spaces, nora: User, signed_in  # noqa: ANN001
):
    world.users["nora"] = nora
    try:
        with tenant_context(world.alpha):
            document = put(world, "amir", spaces["secret"], name="plan.png",
                           data=image_bytes("PNG"))
        for outsider in ("nora", "alice", "sam"):
            client = signed_in("alpha", outsider)
            url = f"/api/v1/documents/{document.pk}/"
            assert client.get(url).status_code == 404
            assert client.get(url + "download/").status_code == 404
            assert client.post(url + "trash/").status_code == 404
            assert client.get("/api/v1/documents/", {"space": "secret"}).status_code == 404
            assert client.get("/api/v1/documents/folders/", {"space": "secret"}).status_code == 404
            assert post_file(client, "secret", "x.txt", CSV).status_code == 404
        member = signed_in("alpha", "amir")
        assert member.get(f"/api/v1/documents/{document.pk}/download/").status_code == 200
    finally:
        world.users.pop("nora", None)


def test_other_association_gets_404(world: World, media: Path, signed_in, general: str):  # noqa: ANN001
    with tenant_context(world.alpha):
        document = put(world, "amir", space_default(), name="alpha.pdf", data=PDF)
        folder = Folder.objects.create(space=space_default(), name="Alpha folder")
    for key in ("bob", "sam"):  # Sam belongs to both: at beta, alpha's ids mean nothing
        client = signed_in("beta", key)
        for url in (f"/api/v1/documents/{document.pk}/",
                    f"/api/v1/documents/{document.pk}/download/",
                    f"/api/v1/documents/folders/{folder.pk}/"):
            assert client.get(url).status_code == 404, url
        assert client.post(f"/api/v1/documents/{document.pk}/restore/").status_code == 404
    bob_at_alpha = signed_in("beta", "bob").get(
        f"/api/v1/documents/{document.pk}/download/", HTTP_HOST=world.alpha.host
    )
    assert bob_at_alpha.status_code == 403


def test_purge_removes_what_the_api_could_restore(
    world: World, media: Path, signed_in, general: str, django_capture_on_commit_callbacks  # noqa: ANN001
):
    from shared_apps.documents.tasks import documents_purge_trash

    client = signed_in("alpha", "amir")
    doc = post_file(client, general, "old.txt", CSV).json()
    client.post(f"/api/v1/documents/{doc['id']}/trash/")
    with tenant_context(world.alpha):
        Document.objects.filter(pk=doc["id"]).update(
            trashed_at=timezone.now() - timedelta(days=30, minutes=1)
        )
        with django_capture_on_commit_callbacks(execute=True):
            documents_purge_trash.delay()
    assert client.post(f"/api/v1/documents/{doc['id']}/restore/").status_code == 404
    assert client.get("/api/v1/documents/quota/").json()["used_bytes"] == 0


def test_library_listing_has_constant_queries(world: World, media: Path, signed_in,  # noqa: ANN001
                                              general: str):
    client = signed_in("alpha", "amir")
    uploaders = ["amir", "agnes", "alice", "sam"]

    def add(count: int) -> None:
        with tenant_context(world.alpha):
            for i in range(count):
                put(world, uploaders[i % 4], space_default(), name=f"d{i}-{count}.txt")
                Folder.objects.create(space=space_default(), name=f"f{i}-{count}")

    add(2)
    params = {"space": general}
    client.get("/api/v1/documents/", params)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/documents/", params)
    add(8)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/documents/", params)
    assert len(response.json()["documents"]) == 10 and len(response.json()["folders"]) == 10
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_documents_api_is_in_the_schema_without_warnings(world: World):
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(urlconf="cercle.urls_tenants").get_schema(request=None, public=True)
    paths = {p for p in schema["paths"] if p.startswith("/api/v1/documents/")}
    assert paths == {
        "/api/v1/documents/", "/api/v1/documents/quota/", "/api/v1/documents/trash/",
        "/api/v1/documents/folders/", "/api/v1/documents/folders/{id}/",
        "/api/v1/documents/{id}/", "/api/v1/documents/{id}/rename/",
        "/api/v1/documents/{id}/move/", "/api/v1/documents/{id}/trash/",
        "/api/v1/documents/{id}/restore/", "/api/v1/documents/{id}/download/",
    }
    ours = [
        message for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if "document" in message.lower() or "folder" in message.lower()
        or "quota" in message.lower()
    ]
    assert ours == []
    assert set(schema["paths"]["/api/v1/documents/"]) == {"get", "post"}
    upload_body = schema["paths"]["/api/v1/documents/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload_body
    assert set(schema["paths"]["/api/v1/documents/folders/{id}/"]) == {"get", "patch", "delete"}
