"""CSV import of member lists as associations have them: `;` or `,`, UTF-8 with or without BOM,
Windows-1252 from Excel, French or English headers, broken rows, duplicates; a preview with
each row's problems, an all-or-nothing import, and a summary of every row."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import tenant_context

from shared_apps.members import csv_import, services
from shared_apps.members.models import Invitation, InvitationStatus, Membership, Role
from shared_apps.members.services import InviteEntry, invitations_create

from .world import email_of

# Messages are checked in English, the source language.
pytestmark = pytest.mark.usefixtures("english")

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

# What a French association's Excel export looks like: `;`, Windows-1252, accents.
FRENCH_EXCEL = (
    "Nom;Prénom;Courriel;Fonction;Téléphone;Rôle\r\n"
    "Lefèvre;Françoise;francoise@asso.test;Trésorière;06 11 22 33 44;Bureau\r\n"
    "Garçon;Loïc;loic@asso.test;;;bénévole\r\n"
    "Sans;Adresse;;;;\r\n"
    "Mauvais;Courriel;pas-une-adresse;;;\r\n"
    "Lefèvre;Françoise bis;FRANCOISE@asso.test;;;\r\n"
    f"Member;Amir;{email_of('amir')};;;\r\n"
    "Trop;Long;trop@asso.test;;;;en plus\r\n"
    "Inconnu;Rôle;role@asso.test;;;président suprême\r\n"
    "Déjà;Invité;deja@asso.test;;;\r\n"
)


def delivered() -> list:
    """The invitation emails sent so far. Emails leave after commit and the test's transaction
    never commits, so run what waits for it (in order, as a commit would). Notification emails
    (the notifications app's business, by each member's preferences) are left out."""
    while connection.run_on_commit:
        _savepoints, callback, _robust = connection.run_on_commit.pop(0)
        callback()
    return [m for m in mail.outbox if re.search(r"/members/invitations/[^/\s]+/", m.body)]


def upload(client, content: bytes, name: str = "membres.csv"):  # noqa: ANN001, ANN201
    return client.post(
        "/members/import/", {"file": SimpleUploadedFile(name, content, "text/csv")}, **EN
    )


def main(response) -> str:  # noqa: ANN001
    return response.content.decode().split('id="main"', 1)[-1]


def invite_existing(world, email: str) -> None:  # noqa: ANN001
    with tenant_context(world.alpha):
        invitations_create(
            entries=[InviteEntry(email=email)],
            invited_by=Membership.objects.get(user=world.users["alice"]),
        )


# --- Reading files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("é;ç".encode("utf-8-sig"), "é;ç"),
        ("é;ç".encode(), "é;ç"),
        ("é;ç".encode("cp1252"), "é;ç"),
        (b"\x80 euro", "€ euro"),
    ],
)
def test_decode_utf8_with_or_without_bom_and_windows_1252(data: bytes, expected: str) -> None:
    assert csv_import.decode(data) == expected


def test_decode_refuses_large_files() -> None:
    with pytest.raises(csv_import.ImportFileError):
        csv_import.decode(b"a" * (csv_import.MAX_BYTES + 1))


@pytest.mark.parametrize("separator", [";", ","])
def test_separator_and_english_header(separator: str) -> None:
    text = separator.join(["E-mail", "First name", "Last name", "Title", "Phone"]) + "\n"
    text += separator.join(["ann@x.test", "Ann", "Smith", "Secretary", "+44 20 1234"]) + "\n"
    table = csv_import.read_table(text)
    assert table.has_header and table.rows == [
        (2, ["ann@x.test", "Ann", "Smith", "Secretary", "+44 20 1234"])
    ]
    assert csv_import.guess_mapping(table) == {
        "email": 0, "first_name": 1, "last_name": 2, "role": None, "title": 3, "phone": 4
    }


def test_french_header_spellings() -> None:
    table = csv_import.read_table("Adresse mail;NOM;prénom;fonction;Tél\na@x.test;B;C;D;E\n")
    assert csv_import.guess_mapping(table) == {
        "email": 0, "last_name": 1, "first_name": 2, "role": None, "title": 3, "phone": 4
    }


def test_no_header_row_finds_the_email_column() -> None:
    table = csv_import.read_table("Dupont;jean@x.test\nMartin;marie@x.test\n")
    assert not table.has_header and len(table.rows) == 2
    assert csv_import.guess_mapping(table)["email"] == 1


@pytest.mark.parametrize(
    ("raw", "role"),
    [("Bureau", Role.BOARD), ("bénévole", Role.VOLUNTEER), ("Salarié", Role.STAFF),
     ("Adhérent", Role.MEMBER), ("member", Role.MEMBER), ("roi", None)],
)
def test_role_words(raw: str, role: str | None) -> None:
    assert csv_import.role_from(raw) == role


def test_analyse_names_every_problem(world) -> None:  # noqa: ANN001
    table = csv_import.read_table(FRENCH_EXCEL)
    rows = csv_import.analyse(
        table, csv_import.guess_mapping(table), default_role=Role.MEMBER,
        members={email_of("amir")}, invited={"deja@asso.test"}, allowed_roles=set(Role.values),
    )
    problems = {row.line: row.problems for row in rows}
    assert problems[2] == [] and problems[3] == []
    assert rows[0].full_name == "Françoise Lefèvre" and rows[0].role == Role.BOARD
    assert rows[0].title == "Trésorière" and rows[0].phone == "06 11 22 33 44"
    assert rows[1].role == Role.VOLUNTEER
    assert problems[4] == ["No email address."]
    assert problems[5] == ["Invalid email address."]
    assert problems[6] == ["Same email as line 2."]
    assert problems[7] == ["Already a member."]
    assert problems[8] == ["More columns than the header row."]
    assert problems[9] == ["Unknown role “président suprême”."]
    assert problems[10] == ["Already invited."]


# --- The pages -----------------------------------------------------------------------------------


def test_french_excel_file_preview_and_import(world, signed_in) -> None:  # noqa: ANN001
    invite_existing(world, "deja@asso.test")
    delivered()
    mail.outbox.clear()
    client = signed_in("alpha", "alice")
    response = upload(client, FRENCH_EXCEL.encode("cp1252"))
    assert response.status_code == 302 and response["Location"] == "/members/import/preview/"
    preview = client.get("/members/import/preview/", **EN)
    text = main(preview)
    assert preview.status_code == 200
    assert "Françoise Lefèvre" in text and "Loïc Garçon" in text
    for problem in ["No email address.", "Invalid email address.", "Same email as line 2.",
                    "Already a member.", "More columns than the header row.", "Already invited."]:
        assert problem in text
    assert "2 rows can be imported." in text
    # The columns were guessed from the French header.
    assert 'value="2" selected' in text  # Courriel is the third column
    with tenant_context(world.alpha):
        assert Invitation.objects.count() == 1  # nothing imported by a preview
    done = client.post("/members/import/preview/", {
        "action": "import", "send": "now", "default_role": "member",
        "col_email": "2", "col_last_name": "0", "col_first_name": "1", "col_title": "3",
        "col_phone": "4", "col_role": "5",
    }, **EN)
    assert done.status_code == 200
    summary = main(done)
    assert "2 invitations sent." in summary and "7 rows skipped." in summary
    assert summary.count("Invited") == 2 and summary.count("Skipped:") == 7
    with tenant_context(world.alpha):
        imported = {i.email: i for i in Invitation.objects.exclude(email="deja@asso.test")}
        assert set(imported) == {"francoise@asso.test", "loic@asso.test"}
        assert imported["francoise@asso.test"].role == Role.BOARD
        assert imported["francoise@asso.test"].full_name == "Françoise Lefèvre"
        assert imported["loic@asso.test"].role == Role.VOLUNTEER
    assert sorted(m.to[0] for m in delivered()) == ["francoise@asso.test", "loic@asso.test"]
    # The file is gone from the session.
    assert client.get("/members/import/preview/")["Location"] == "/members/import/"


def test_utf8_bom_comma_file_saved_for_later(world, signed_in) -> None:  # noqa: ANN001
    content = "\ufeffemail,name,role\r\nzoe@x.test,Zoé,member\r\nyves@x.test,Yves,\r\n"
    client = signed_in("alpha", "arthur")
    assert upload(client, content.encode("utf-8")).status_code == 302
    done = client.post("/members/import/preview/", {
        "action": "import", "send": "later", "default_role": "volunteer",
        "col_email": "0", "col_last_name": "1", "col_role": "2",
    }, **EN)
    assert "2 invitations saved, to send later." in main(done)
    with tenant_context(world.alpha):
        rows = {i.email: i for i in Invitation.objects.all()}
        assert rows["zoe@x.test"].full_name == "Zoé" and rows["zoe@x.test"].role == Role.MEMBER
        assert rows["yves@x.test"].role == Role.VOLUNTEER  # the default for empty roles
        assert all(i.sent_at is None and i.status == InvitationStatus.PENDING
                   for i in rows.values())
    assert delivered() == []


def test_mapping_can_be_changed_in_the_preview(world, signed_in) -> None:  # noqa: ANN001
    client = signed_in("alpha", "alice")
    upload(client, b"Dupont;jean@x.test;Jean\nMartin;marie@x.test;Marie\n")
    guessed = main(client.get("/members/import/preview/", **EN))
    assert "Column 2" in guessed and "2 rows can be imported." in guessed
    # Point the email at the wrong column: every row now has a bad address.
    wrong = client.post("/members/import/preview/", {
        "action": "preview", "send": "now", "default_role": "member", "col_email": "0",
    }, **EN)
    assert "0 rows can be imported." in main(wrong) and "Invalid email address." in main(wrong)
    missing = client.post("/members/import/preview/", {
        "action": "import", "send": "now", "default_role": "member", "col_email": "",
    }, **EN)
    assert missing.status_code == 400 and "This field is required" in main(missing)
    with tenant_context(world.alpha):
        assert not Invitation.objects.exists()


def test_staff_import_cannot_give_the_board_role(world, signed_in) -> None:  # noqa: ANN001
    client = signed_in("alpha", "arthur")
    upload(client, "courriel;rôle\nboss@x.test;bureau\nok@x.test;membre\n".encode())
    text = main(client.get("/members/import/preview/", **EN))
    assert "Only the board may give this role." in text and "1 row can be imported." in text


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "The submitted file is empty."),
        (b"\n\n;;\n", "The file has no rows."),
        (b"a" * (2 * 1024 * 1024 + 1), "The file is too large (2 MB at most)."),
    ],
)
def test_unreadable_files_are_explained(world, signed_in, content: bytes, error: str) -> None:  # noqa: ANN001
    response = upload(signed_in("alpha", "alice"), content)
    assert response.status_code == 400 and error in main(response)


def test_import_cancel_forgets_the_file(world, signed_in) -> None:  # noqa: ANN001
    client = signed_in("alpha", "alice")
    upload(client, b"email\na@x.test\n")
    assert client.post("/members/import/preview/", {"action": "cancel"}).status_code == 302
    assert client.get("/members/import/preview/")["Location"] == "/members/import/"


@pytest.mark.parametrize(("key", "status"), [("alice", 200), ("arthur", 200), ("agnes", 404),
                                            ("amir", 404)])
def test_who_may_import(world, signed_in, key: str, status: int) -> None:  # noqa: ANN001
    assert signed_in("alpha", key).get("/members/import/").status_code == status
    assert signed_in("alpha", key).get("/members/import/preview/").status_code in (
        {302} if status == 200 else {404}
    )


def test_nothing_half_imported_when_something_fails(world, monkeypatch) -> None:  # noqa: ANN001
    """A failure on the third invitation leaves no invitation at all."""
    real_send = services.invitation_send
    calls = []

    def failing_send(*, invitation: Invitation) -> Invitation:
        calls.append(invitation.email)
        if len(calls) == 3:
            raise RuntimeError("mail queue down")
        return real_send(invitation=invitation)

    monkeypatch.setattr(services, "invitation_send", failing_send)
    with tenant_context(world.alpha):
        with pytest.raises(RuntimeError):
            invitations_create(
                entries=[InviteEntry(email=f"n{i}@x.test") for i in range(5)],
                invited_by=Membership.objects.get(user=world.users["alice"]),
            )
        assert calls == ["n0@x.test", "n1@x.test", "n2@x.test"]
        assert not Invitation.objects.exists()
    assert delivered() == []


def test_import_rechecks_every_row_when_confirmed(world, signed_in) -> None:  # noqa: ANN001
    client = signed_in("alpha", "alice")
    upload(client, b"email\nfirst@x.test\nsecond@x.test\n")
    client.get("/members/import/preview/")
    # Someone invites one of them between preview and confirm: the import is re-checked.
    invite_existing(world, "second@x.test")
    done = client.post("/members/import/preview/", {
        "action": "import", "send": "now", "default_role": "member", "col_email": "0",
    }, **EN)
    text = main(done)
    assert "1 invitation sent." in text and "Already invited." in text
    with tenant_context(world.alpha):
        assert Invitation.objects.filter(email="first@x.test").count() == 1
        assert Invitation.objects.filter(email="second@x.test").count() == 1
