"""Documents: services (upload checks by content, size, quota; rename, move, trash, restore,
purge; folders), the pages, the permission table (uploader, moderator, board/staff, member of
the space, non-member), private spaces invisible to non-members, isolation between
associations, and listing pages without N+1 queries."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context
from PIL import Image

from billing.models import Plan
from billing.services import plan_grant
from shared_apps.documents import kinds, services
from shared_apps.documents.models import Document, Folder
from shared_apps.documents.selectors import (
    MB,
    human_size,
    libraries_for,
    quota,
    readable_documents,
)
from shared_apps.documents.tasks import documents_purge_trash
from shared_apps.members.models import Membership, Role
from shared_apps.members.services import membership_create
from shared_apps.notifications.models import Activity
from shared_apps.spaces.models import Space, SpaceMembership, SpaceRole, Visibility
from shared_apps.spaces.selectors import space_default
from tenants.accounts.models import User

from .world import World

# Messages are checked in English, the source language.
pytestmark = pytest.mark.usefixtures("english")

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


# --- Sample files, built from real formats -----------------------------------------------------


def image_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def ooxml(main: str) -> bytes:
    manifest = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Override PartName="/x.xml" ContentType="application/'
        f'vnd.openxmlformats-officedocument.{main}"/></Types>'
    ).encode()
    return zip_bytes({"[Content_Types].xml": manifest, "x.xml": b"<x/>"})


def odf(mimetype: str) -> bytes:
    return zip_bytes({"mimetype": mimetype.encode(), "content.xml": b"<office/>"})


DOCX = ooxml("wordprocessingml.document.main+xml")
XLSX = ooxml("spreadsheetml.sheet.main+xml")
PPTX = ooxml("presentationml.presentation.main+xml")
ODT = odf("application/vnd.oasis.opendocument.text")
ODS = odf("application/vnd.oasis.opendocument.spreadsheet")
CSV = "Nom;Courriel\nÉlise Martin;elise@example.org\n".encode()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


# --- Fixtures ----------------------------------------------------------------------------------


def _forget_media_root() -> None:
    # django-tenants caches MEDIA_ROOT on the storage and its setting_changed hook never clears
    # it: drop the cached value so the override (and its undoing) takes effect.
    storages["default"].__dict__.pop("relative_media_root", None)


@contextmanager
def media_root(settings, tmp_path: Path) -> Iterator[Path]:  # noqa: ANN001
    """Files of this test in a folder of its own (shared with test_documents_api)."""
    settings.MEDIA_ROOT = str(tmp_path)
    _forget_media_root()
    try:
        yield tmp_path
    finally:
        _forget_media_root()


@pytest.fixture
def media(settings, tmp_path: Path) -> Iterator[Path]:  # noqa: ANN001
    with media_root(settings, tmp_path) as root:
        yield root


def uid(world: World, key: str) -> int:
    return world.users[key].pk


def membership_of(key: str, world: World) -> Membership:
    """The membership in the CURRENT schema (call inside tenant_context)."""
    return Membership.objects.get(user_id=uid(world, key))


def make_nora(world: World) -> User:
    """An active member of alpha who belongs to no space but the default one."""
    user = User.objects.create_user(email="nora@world.test", password="x", full_name="Nora N")
    with tenant_context(world.alpha):
        membership_create(user=user, role=Role.MEMBER)
    return user


def make_spaces(world: World) -> dict[str, Space]:
    """In alpha: "atelier" (open: Amir and Sam members, Agnès moderator) and "secret"
    (private: Amir member, Agnès moderator)."""
    with tenant_context(world.alpha):
        atelier = Space.objects.create(name="Atelier", slug="atelier",
                                       visibility=Visibility.OPEN)
        secret = Space.objects.create(name="Secret", slug="secret",
                                      visibility=Visibility.PRIVATE)
        for space in (atelier, secret):
            SpaceMembership.objects.create(space=space, user_id=uid(world, "amir"))
            SpaceMembership.objects.create(space=space, user_id=uid(world, "agnes"),
                                           role=SpaceRole.MODERATOR)
        SpaceMembership.objects.create(space=atelier, user_id=uid(world, "sam"))
    return {"atelier": atelier, "secret": secret}


@pytest.fixture
def nora(world: World) -> User:
    return make_nora(world)


@pytest.fixture
def spaces(world: World, nora: User) -> dict[str, Space]:
    return make_spaces(world)


def put(world: World, key: str, space: Space, name: str = "notes.txt", data: bytes = CSV,
        folder: Folder | None = None) -> Document:
    """Upload as `key` (inside the current schema)."""
    return services.document_upload(
        membership=membership_of(key, world), space=space, folder=folder, file=upload(name, data)
    )


# --- Type by content ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("photo.png", image_bytes("PNG"), "image/png"),
        ("photo.jpg", image_bytes("JPEG"), "image/jpeg"),
        ("photo.jpeg", image_bytes("JPEG"), "image/jpeg"),
        ("anim.gif", image_bytes("GIF"), "image/gif"),
        ("pic.webp", image_bytes("WEBP"), "image/webp"),
        # An image under another image extension: accepted, served as what it really is.
        ("really-png.jpg", image_bytes("PNG"), "image/png"),
        ("minutes.pdf", PDF, "application/pdf"),
        ("report.docx", DOCX,
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("budget.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("slides.pptx", PPTX,
         "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        ("letter.odt", ODT, "application/vnd.oasis.opendocument.text"),
        ("accounts.ods", ODS, "application/vnd.oasis.opendocument.spreadsheet"),
        ("members.csv", CSV, "text/csv; charset=utf-8"),
        ("readme.txt", "Café au lait ☕\n".encode(), "text/plain; charset=utf-8"),
    ],
)
def test_accepted_kinds_are_recognised_by_content(name: str, data: bytes, content_type: str):
    assert kinds.check(io.BytesIO(data), name).content_type == content_type


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("photo.jpg", ELF, "not accepted"),  # a Linux executable dressed as a photo
        ("photo.jpg", EXE, "not accepted"),  # a Windows one
        ("tool.exe", EXE, "not accepted"),
        ("archive.zip", zip_bytes({"a.txt": b"hello"}), "not accepted"),
        ("report.docx", zip_bytes({"a.txt": b"hello"}), "not accepted"),  # a zip, not Word
        ("notes.txt", "Crème brûlée".encode("cp1252"), "not accepted"),  # not UTF-8
        ("notes.txt", b"abc\x00def", "not accepted"),  # NUL: binary
        ("empty.txt", b"", "not accepted"),
        ("photo.png", PDF, "does not match"),  # a PDF named as an image: the content wins
        ("minutes.pdf", image_bytes("PNG"), "does not match"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
         "does not match"),
        ("report.xlsx", DOCX, "does not match"),
        ("noextension", PDF, "does not match"),
    ],
)
def test_refused_kinds_by_content(name: str, data: bytes, reason: str):
    with pytest.raises(kinds.Refused, match=reason):
        kinds.check(io.BytesIO(data), name)


def test_human_size_in_both_languages():
    from django.utils import translation

    with translation.override("en"):
        assert human_size(1_200_000_000) == "1.2 GB"
        assert human_size(5_000 * MB) == "5 GB"
        assert human_size(999) == "999 bytes"
    with translation.override("fr"):
        # The French decimal comma (the unit's translation is in the French catalogue).
        assert human_size(1_200_000_000).replace("\xa0", " ").startswith("1,2 ")


# --- Upload ------------------------------------------------------------------------------------


def test_upload_stores_under_a_random_name_in_the_association_folder(world: World, media: Path):
    with tenant_context(world.alpha):
        space = space_default()
        document = put(world, "amir", space, name="Compte rendu.pdf", data=PDF)
        path = Path(default_storage.path(document.storage_path))
        assert document.content_type == "application/pdf"
        assert document.size == len(PDF)
        assert document.uploaded_by_id == uid(world, "amir")
        activity = Activity.objects.get(verb="documents.uploaded", target_id=document.pk)
        assert activity.space_id == space.pk and activity.actor_id == uid(world, "amir")
    assert path.read_bytes() == PDF
    assert path.is_relative_to(media / world.alpha.schema_name)
    assert "Compte" not in document.storage_path and ".pdf" not in document.storage_path


@pytest.mark.parametrize(
    ("name", "data"), [("photo.jpg", ELF), ("photo.png", PDF), ("notes.txt", b"\x00\x01")]
)
def test_refused_upload_stores_nothing(world: World, media: Path, name: str, data: bytes):
    with tenant_context(world.alpha):
        with pytest.raises(ValidationError) as refused:
            put(world, "amir", space_default(), name=name, data=data)
        assert refused.value.code == "type"
        assert not Document.objects.exists()
        assert not Activity.objects.filter(verb="documents.uploaded").exists()
    assert not list(media.rglob("*.*")) and not [p for p in media.rglob("*") if p.is_file()]


def test_oversized_upload_is_refused(world: World, media: Path, settings):  # noqa: ANN001
    settings.DOCUMENTS_MAX_UPLOAD_MB = 1
    with tenant_context(world.alpha):
        with pytest.raises(ValidationError, match="too large") as refused:
            put(world, "amir", space_default(), data=b"a" * (MB + 1))
        assert refused.value.code == "too_large"
        put(world, "amir", space_default(), data=b"a" * MB)  # exactly the limit is fine
        assert Document.objects.count() == 1


def test_quota_from_the_plan_refuses_what_does_not_fit(world: World, media: Path):
    plan = Plan.objects.create(code="tiny", name="Tiny", storage_quota_mb=1)
    plan_grant(association=world.alpha, plan=plan)
    with tenant_context(world.alpha):
        assert quota().total == MB
        put(world, "amir", space_default(), data=b"a" * 600_000)
        files_before = sorted(media.rglob("*"))
        with pytest.raises(ValidationError, match="Not enough storage space") as refused:
            put(world, "amir", space_default(), data=b"b" * 600_000)
        assert refused.value.code == "quota"
        assert Document.objects.count() == 1
        assert sorted(media.rglob("*")) == files_before  # nothing stored
        # Trashed documents still count until they are purged.
        document = Document.objects.get()
        services.document_trash(membership=membership_of("amir", world), document=document)
        assert quota().used == 600_000
        with pytest.raises(ValidationError):
            put(world, "amir", space_default(), data=b"b" * 600_000)
    # Beta's usage is its own.
    with tenant_context(world.beta):
        assert quota().used == 0


def test_default_quota_applies_without_a_plan(world: World, media: Path, settings):  # noqa: ANN001
    plan_grant(association=world.alpha, plan=None)
    from billing.models import Subscription

    Subscription.objects.filter(association=world.alpha).update(plan=None)
    settings.DOCUMENTS_DEFAULT_QUOTA_MB = 2
    with tenant_context(world.alpha):
        assert quota().total == 2 * MB
        put(world, "amir", space_default(), data=b"a" * MB)
        with pytest.raises(ValidationError, match="Not enough storage space"):
            put(world, "amir", space_default(), data=b"a" * (MB + 1))


def test_folder_of_another_space_is_refused(world: World, media: Path, spaces):  # noqa: ANN001
    with tenant_context(world.alpha):
        folder = services.folder_create(
            membership=membership_of("amir", world), space=spaces["atelier"], name="Photos"
        )
        with pytest.raises(ValidationError, match="not in this space"):
            put(world, "amir", space_default(), folder=folder)


# --- Permission table --------------------------------------------------------------------------

# In the open space "atelier", on a document Amir uploaded.
TABLE = [
    # actor, may upload, may manage Amir's document
    ("amir", True, True),  # the uploader
    ("agnes", True, True),  # moderator of the space (a volunteer by role)
    ("alice", True, True),  # board
    ("arthur", True, True),  # staff
    ("sam", True, False),  # a member of the space
    ("nora", False, False),  # not a member of the space (it is open: she may read)
]


@pytest.mark.parametrize(("actor", "may_upload", "may_manage"), TABLE)
def test_permission_table(world: World, media: Path, spaces, actor: str, may_upload: bool,  # noqa: ANN001
                          may_manage: bool, nora: User):
    world.users["nora"] = nora
    try:
        with tenant_context(world.alpha):
            atelier = spaces["atelier"]
            document = put(world, "amir", atelier)
            me = membership_of(actor, world)
            assert readable_documents(user_id=me.user_id).filter(pk=document.pk).exists()
            if may_upload:
                put(world, actor, atelier, name="mine.txt")
                services.folder_create(membership=me, space=atelier, name=f"by {actor}")
            else:
                with pytest.raises(services.NotAllowed):
                    put(world, actor, atelier, name="mine.txt")
                with pytest.raises(services.NotAllowed):
                    services.folder_create(membership=me, space=atelier, name="x")
            folder = Folder.objects.create(space=atelier, name="Target")
            actions = [
                lambda: services.document_rename(membership=me, document=document,
                                                 name="renamed.txt"),
                lambda: services.document_move(membership=me, document=document, folder=folder),
                lambda: services.document_trash(membership=me, document=document),
                lambda: services.document_restore(membership=me, document=document),
            ]
            for action in actions:
                if may_manage:
                    action()
                else:
                    with pytest.raises(services.NotAllowed):
                        action()
            document.refresh_from_db()
            assert (document.name == "renamed.txt") is may_manage
            assert (document.folder_id == folder.pk) is may_manage
            assert document.trashed_at is None
    finally:
        world.users.pop("nora", None)


def test_private_space_is_for_its_members_only(world: World, media: Path, spaces, nora):  # noqa: ANN001
    with tenant_context(world.alpha):
        secret = spaces["secret"]
        document = put(world, "amir", secret)
        for outsider in (nora.pk, uid(world, "alice"), uid(world, "sam")):
            assert not readable_documents(user_id=outsider).filter(pk=document.pk).exists()
            assert "secret" not in {lib.space.slug for lib in libraries_for(user_id=outsider)}
        moderator = libraries_for(user_id=uid(world, "agnes"))
        assert [d.pk for lib in moderator if lib.space.slug == "secret" for d in lib.recent] == [
            document.pk
        ]
        # Board cannot upload where it cannot read.
        board = membership_of("alice", world)
        with pytest.raises(services.NotAllowed):
            put(world, "alice", secret)
        with pytest.raises(services.NotAllowed):
            services.document_trash(membership=board, document=document)


def test_archived_space_is_read_only(world: World, media: Path, spaces):  # noqa: ANN001
    with tenant_context(world.alpha):
        document = put(world, "amir", spaces["atelier"])
        Space.objects.filter(pk=spaces["atelier"].pk).update(archived_at=timezone.now())
        document = Document.objects.select_related("space").get(pk=document.pk)
        with pytest.raises(services.NotAllowed):
            put(world, "amir", document.space)
        with pytest.raises(services.NotAllowed):
            services.document_trash(membership=membership_of("amir", world), document=document)


# --- Rename, move, folders ---------------------------------------------------------------------


def test_rename_keeps_the_extension(world: World, media: Path):
    with tenant_context(world.alpha):
        document = put(world, "amir", space_default(), name="minutes.pdf", data=PDF)
        amir = membership_of("amir", world)
        with pytest.raises(ValidationError, match=r"\.pdf"):
            services.document_rename(membership=amir, document=document, name="minutes.exe")
        with pytest.raises(ValidationError):
            services.document_rename(membership=amir, document=document, name="  ")
        services.document_rename(membership=amir, document=document, name="../AG 2025.pdf",
                                 description=" Signed ")
        document.refresh_from_db()
        assert document.name == "AG 2025.pdf" and document.description == "Signed"


def test_folders_nest_rename_move_and_delete(world: World, media: Path):
    with tenant_context(world.alpha):
        space, amir = space_default(), membership_of("amir", world)
        top = services.folder_create(membership=amir, space=space, name="2025")
        child = services.folder_create(membership=amir, space=space, name="AG", parent=top)
        with pytest.raises(ValidationError, match="already exists"):
            services.folder_create(membership=amir, space=space, name="ag", parent=top)
        with pytest.raises(ValidationError, match="inside itself"):
            services.folder_move(membership=amir, folder=top, parent=child)
        services.folder_move(membership=amir, folder=child, parent=None)
        services.folder_rename(membership=amir, folder=child, name="Assemblées")
        child.refresh_from_db()
        assert child.parent_id is None and child.name == "Assemblées"
        document = put(world, "amir", space, folder=top)
        with pytest.raises(ValidationError, match="not empty"):
            services.folder_delete(membership=amir, folder=top)
        # A member who did not create it may not touch it.
        with pytest.raises(services.NotAllowed):
            services.folder_rename(membership=membership_of("sam", world), folder=top, name="x")
        services.document_trash(membership=amir, document=document)
        services.folder_delete(membership=amir, folder=top)
        document.refresh_from_db()
        assert document.folder_id is None  # restored later, it lands at the top
        services.document_restore(membership=amir, document=document)
        document.refresh_from_db()
        assert document.trashed_at is None and document.folder_id is None


# --- Trash and purge ---------------------------------------------------------------------------


def test_purge_deletes_rows_and_files_after_30_days(
    world: World, media: Path, django_capture_on_commit_callbacks  # noqa: ANN001
):
    paths = {}
    with tenant_context(world.alpha):
        amir = membership_of("amir", world)
        old = put(world, "amir", space_default(), name="old.txt")
        recent = put(world, "amir", space_default(), name="recent.txt")
        live = put(world, "amir", space_default(), name="live.txt")
        for document in (old, recent):
            services.document_trash(membership=amir, document=document)
        Document.objects.filter(pk=old.pk).update(trashed_at=timezone.now() - timedelta(days=31))
        Document.objects.filter(pk=recent.pk).update(
            trashed_at=timezone.now() - timedelta(days=29)
        )
        paths = {d.name: Path(default_storage.path(d.storage_path)) for d in (old, recent, live)}
    with tenant_context(world.beta):
        beta_old = put(world, "sam", space_default(), name="beta-old.txt")
        Document.objects.filter(pk=beta_old.pk).update(
            trashed_at=timezone.now() - timedelta(days=40)
        )
        beta_path = Path(default_storage.path(beta_old.storage_path))
    # Beat sends it from the public schema: every association is purged.
    connection.set_schema_to_public()
    with django_capture_on_commit_callbacks(execute=True):
        assert documents_purge_trash.delay().get() == 2
    with tenant_context(world.alpha):
        assert set(Document.objects.values_list("name", flat=True)) == {"recent.txt", "live.txt"}
    with tenant_context(world.beta):
        assert not Document.objects.exists()
    assert not paths["old.txt"].exists() and not beta_path.exists()
    assert paths["recent.txt"].exists() and paths["live.txt"].exists()


def test_purge_sent_from_a_workspace_touches_only_that_association(
    world: World, media: Path, django_capture_on_commit_callbacks  # noqa: ANN001
):
    long_ago = timezone.now() - timedelta(days=31)
    with tenant_context(world.beta):
        beta_doc = put(world, "sam", space_default())
        Document.objects.filter(pk=beta_doc.pk).update(trashed_at=long_ago)
    with tenant_context(world.alpha):
        alpha_doc = put(world, "amir", space_default())
        Document.objects.filter(pk=alpha_doc.pk).update(trashed_at=long_ago)
        with django_capture_on_commit_callbacks(execute=True):
            assert documents_purge_trash.delay().get() == 1
        assert not Document.objects.exists()
    with tenant_context(world.beta):
        assert Document.objects.filter(pk=beta_doc.pk).exists()


def test_purge_is_in_the_beat_schedule(settings):  # noqa: ANN001
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "shared_apps.documents.tasks.documents_purge_trash" in tasks
    assert documents_purge_trash.name in tasks


# --- Pages -------------------------------------------------------------------------------------


def test_home_lists_readable_spaces_with_recent_documents_and_usage(
    world: World, media: Path, spaces, signed_in  # noqa: ANN001
):
    with tenant_context(world.alpha):
        put(world, "amir", spaces["secret"], name="hidden-plan.txt")
        put(world, "amir", spaces["atelier"], name="visible-plan.txt")
    page = signed_in("alpha", "sam").get("/documents/", **EN)
    text = page.content.decode()
    assert page.status_code == 200
    assert "visible-plan.txt" in text and "Atelier" in text
    assert "hidden-plan.txt" not in text and "Secret" not in text
    assert "Storage:" in text and " of " in text


def test_upload_page_flow_and_refusal_messages(world: World, media: Path, signed_in):  # noqa: ANN001
    client = signed_in("alpha", "amir")
    with tenant_context(world.alpha):
        slug = space_default().slug
    page = client.get(f"/documents/s/{slug}/", **EN)
    assert page.status_code == 200 and "Upload a document" in page.content.decode()
    ok = client.post(f"/documents/s/{slug}/upload/",
                     {"file": upload("minutes.pdf", PDF), "description": "AG"}, **EN)
    assert ok.status_code == 302
    refused = client.post(f"/documents/s/{slug}/upload/", {"file": upload("photo.jpg", ELF)},
                          **EN)
    assert refused.status_code == 400
    assert "This type of file is not accepted" in refused.content.decode()
    mismatch = client.post(f"/documents/s/{slug}/upload/", {"file": upload("photo.png", PDF)},
                           **EN)
    assert mismatch.status_code == 400 and "does not match its content" in mismatch.content.decode()
    with tenant_context(world.alpha):
        assert list(Document.objects.values_list("name", "description")) == [("minutes.pdf", "AG")]


def test_folder_pages(world: World, media: Path, signed_in):  # noqa: ANN001
    client = signed_in("alpha", "amir")
    with tenant_context(world.alpha):
        slug = space_default().slug
    created = client.post(f"/documents/s/{slug}/folders/new/", {"name": "Comptes"})
    assert created.status_code == 302
    with tenant_context(world.alpha):
        folder = Folder.objects.get(name="Comptes")
    assert created["Location"] == f"/documents/s/{slug}/f/{folder.pk}/"
    client.post(f"/documents/s/{slug}/upload/",
                {"file": upload("bilan.csv", CSV), "folder": folder.pk})
    inside = client.get(f"/documents/s/{slug}/f/{folder.pk}/")
    assert "bilan.csv" in inside.content.decode()
    assert "bilan.csv" not in client.get(f"/documents/s/{slug}/").content.decode()
    renamed = client.post(f"/documents/folders/{folder.pk}/edit/",
                          {"action": "rename", "name": "Finances"})
    assert renamed.status_code == 302
    with tenant_context(world.alpha):
        folder.refresh_from_db()
    assert folder.name == "Finances"
    # Sam (a member, not its creator) cannot edit it.
    assert signed_in("alpha", "sam").get(f"/documents/folders/{folder.pk}/edit/").status_code == 404


def test_document_page_preview_and_download(world: World, media: Path, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        image = put(world, "amir", space_default(), name="affiche.png", data=image_bytes("PNG"))
        pdf = put(world, "amir", space_default(), name="statuts.pdf", data=PDF)
        text = put(world, "amir", space_default(), name="notes.txt")
    client = signed_in("alpha", "sam")
    page = client.get(f"/documents/{image.pk}/")
    assert f'<img src="/documents/{image.pk}/preview/"' in page.content.decode()
    pdf_page = client.get(f"/documents/{pdf.pk}/")
    assert f'<iframe class="preview preview-pdf" src="/documents/{pdf.pk}/preview/"' in (
        pdf_page.content.decode()
    )
    assert "frame-src 'self'" in pdf_page["Content-Security-Policy"]

    preview = client.get(f"/documents/{image.pk}/preview/")
    assert preview.status_code == 200 and preview["Content-Type"] == "image/png"
    assert preview["Content-Disposition"].startswith("inline")
    assert preview["X-Content-Type-Options"] == "nosniff"
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    assert b"".join(preview.streaming_content) == image_bytes("PNG")

    pdf_preview = client.get(f"/documents/{pdf.pk}/preview/")
    assert pdf_preview["Content-Type"] == "application/pdf"
    # No sandbox on an inline PDF: browsers would refuse to show it.
    assert not pdf_preview["Content-Security-Policy"].startswith("sandbox")
    assert pdf_preview["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in pdf_preview["Content-Security-Policy"]

    assert client.get(f"/documents/{text.pk}/preview/").status_code == 404  # no preview
    download = client.get(f"/documents/{text.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Security-Policy"].startswith("sandbox")
    assert download["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == CSV


def test_rename_move_trash_and_restore_pages(world: World, media: Path, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        space = space_default()
        folder = Folder.objects.create(space=space, name="Archives")
        document = put(world, "amir", space, name="old.txt")
    amir, sam = signed_in("alpha", "amir"), signed_in("alpha", "sam")
    # Someone else's document: no forms shown, actions refused as 404.
    assert "Move to trash" not in sam.get(f"/documents/{document.pk}/", **EN).content.decode()
    assert sam.post(f"/documents/{document.pk}/trash/").status_code == 404
    assert sam.post(f"/documents/{document.pk}/rename/", {"name": "x.txt"}).status_code == 404
    bad = amir.post(f"/documents/{document.pk}/rename/", {"name": "old.exe"}, **EN)
    assert bad.status_code == 400 and "Keep the extension .txt" in bad.content.decode()
    assert amir.post(f"/documents/{document.pk}/rename/", {"name": "new.txt"}).status_code == 302
    assert amir.post(f"/documents/{document.pk}/move/", {"folder": folder.pk}).status_code == 302
    assert amir.post(f"/documents/{document.pk}/trash/").status_code == 302
    with tenant_context(world.alpha):
        document.refresh_from_db()
    assert (document.name, document.folder_id) == ("new.txt", folder.pk)
    assert document.trashed_at is not None
    # In the trash: gone from the library and from its own page, listed in the trash.
    assert amir.get(f"/documents/{document.pk}/").status_code == 404
    assert amir.get(f"/documents/{document.pk}/download/").status_code == 404
    trash = amir.get(f"/documents/s/{space.slug}/trash/", **EN).content.decode()
    assert "new.txt" in trash and "Restore" in trash
    assert "new.txt" not in sam.get(f"/documents/s/{space.slug}/trash/").content.decode()
    assert sam.post(f"/documents/{document.pk}/restore/").status_code == 404
    assert amir.post(f"/documents/{document.pk}/restore/").status_code == 302
    assert amir.get(f"/documents/{document.pk}/").status_code == 200


# --- Private spaces and isolation --------------------------------------------------------------


def test_private_space_files_are_404_for_non_members(
    world: World, media: Path, spaces, signed_in, nora  # noqa: ANN001
):
    with tenant_context(world.alpha):
        secret = spaces["secret"]
        image = put(world, "amir", secret, name="plan.png", data=image_bytes("PNG"))
    world.users["nora"] = nora
    try:
        for outsider in ("nora", "alice", "sam"):
            client = signed_in("alpha", outsider)
            for url in (
                f"/documents/{image.pk}/", f"/documents/{image.pk}/download/",
                f"/documents/{image.pk}/preview/", f"/documents/s/{secret.slug}/",
                f"/documents/s/{secret.slug}/trash/",
            ):
                assert client.get(url).status_code == 404, (outsider, url)
            assert client.post(f"/documents/s/{secret.slug}/upload/",
                               {"file": upload("x.txt", CSV)}).status_code == 404
        member = signed_in("alpha", "amir")
        assert member.get(f"/documents/{image.pk}/preview/").status_code == 200
    finally:
        world.users.pop("nora", None)


def test_beta_member_gets_nothing_of_alpha(world: World, media: Path, signed_in):  # noqa: ANN001
    with tenant_context(world.alpha):
        document = put(world, "amir", space_default(), name="alpha-only.pdf", data=PDF)
        alpha_path = Path(default_storage.path(document.storage_path))
    assert alpha_path.is_relative_to(media / world.alpha.schema_name)
    # At beta's address the same id means nothing (Sam belongs to both associations).
    for key in ("bob", "sam"):
        client = signed_in("beta", key)
        for url in (f"/documents/{document.pk}/", f"/documents/{document.pk}/download/",
                    f"/documents/{document.pk}/preview/"):
            assert client.get(url).status_code == 404
    # At alpha's address, Bob's session is not a membership: sent to sign in.
    bob = signed_in("beta", "bob")
    response = bob.get(f"/documents/{document.pk}/download/", HTTP_HOST=world.alpha.host)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    with tenant_context(world.beta):
        assert not default_storage.exists(document.storage_path)


# --- No N+1 ------------------------------------------------------------------------------------


def _add_content(world: World, space: Space, count: int) -> None:
    uploaders = ["amir", "agnes", "alice", "arthur", "sam"]
    for i in range(count):
        put(world, uploaders[i % len(uploaders)], space, name=f"doc-{i}-{count}.txt")
        services.folder_create(membership=membership_of("amir", world), space=space,
                               name=f"folder {i}-{count}")


def test_library_and_home_pages_have_constant_queries(world: World, media: Path, signed_in):  # noqa: ANN001
    client = signed_in("alpha", "amir")
    with tenant_context(world.alpha):
        space = space_default()
        _add_content(world, space, 2)
    url = f"/documents/s/{space.slug}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as home_few:
        client.get("/documents/")
    with tenant_context(world.alpha):
        _add_content(world, space, 8)
        Space.objects.create(name="More", slug="more")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    with CaptureQueriesContext(connection) as home_many:
        client.get("/documents/")
    assert page.content.decode().count("doc-") >= 10
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(home_many) == len(home_few)
