"""Reading member lists as associations really have them: `;` or `,`, UTF-8 with or without
BOM or Windows-1252 (Excel's French exports), a header row in French or English."""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Role

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000

FIELDS: list[tuple[str, object]] = [
    ("email", gettext_lazy("Email")),
    ("first_name", gettext_lazy("First name")),
    ("last_name", gettext_lazy("Last name")),
    ("role", gettext_lazy("Role")),
    ("title", gettext_lazy("Title")),
    ("phone", gettext_lazy("Phone")),
]

# Header spellings, compared without accents, case, spaces or punctuation.
_HEADER_WORDS: dict[str, set[str]] = {
    "email": {"email", "courriel", "mail", "adressemail", "adresseemail", "adressecourriel",
              "emailaddress"},
    "last_name": {"nom", "name", "lastname", "surname", "nomdefamille", "familyname",
                  "nomcomplet", "fullname"},
    "first_name": {"prenom", "firstname", "givenname"},
    "role": {"role"},
    "title": {"titre", "fonction", "title", "function", "poste"},
    "phone": {"telephone", "phone", "tel", "portable", "mobile", "phonenumber"},
}

_ROLE_WORDS: dict[str, set[str]] = {
    Role.BOARD: {"board", "bureau", "administrateur", "administratrice", "ca",
                 "conseildadministration", "admin"},
    Role.STAFF: {"staff", "salarie", "salariee", "permanent", "permanente", "employe"},
    Role.VOLUNTEER: {"volunteer", "benevole"},
    Role.MEMBER: {"member", "membre", "adherent", "adherente"},
}


class ImportFileError(Exception):
    """The file cannot be read at all (size, encoding, no rows)."""


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isalnum()).lower()


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else Windows-1252."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is too large (2 MB at most)."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("The file's text encoding is not recognised: save it as CSV UTF-8.")
        ) from exc


@dataclass
class Table:
    header: list[str]  # column labels (the header row, or "Column 1"…)
    has_header: bool
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells)


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        return ";" if sample.count(";") >= sample.count(",") else ","


def read_table(text: str) -> Table:
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    try:
        lines = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise ImportFileError(_("The file is not a readable CSV file.")) from exc
    lines = [(n, [cell.strip() for cell in row]) for n, row in lines if any(c.strip() for c in row)]
    if not lines:
        raise ImportFileError(_("The file has no rows."))
    first = lines[0][1]
    has_header = any(guess_field(cell) for cell in first)
    if has_header:
        header, rows = first, lines[1:]
    else:
        width = max(len(row) for _n, row in lines)
        header, rows = [_("Column %(n)d") % {"n": i + 1} for i in range(width)], lines
    if len(rows) > MAX_ROWS:
        raise ImportFileError(
            _("The file has too many rows (%(max)d at most).") % {"max": MAX_ROWS}
        )
    return Table(header=header, has_header=has_header, rows=rows)


def guess_field(label: str) -> str | None:
    key = _key(label)
    for name, words in _HEADER_WORDS.items():
        if key in words:
            return name
    return None


def guess_mapping(table: Table) -> dict[str, int | None]:
    mapping: dict[str, int | None] = {name: None for name, _label in FIELDS}
    for index, label in enumerate(table.header):
        name = guess_field(label) if table.has_header else None
        if name and mapping[name] is None:
            mapping[name] = index
    if mapping["email"] is None:
        # No header: the column where most cells look like an address.
        counts = [
            sum(1 for _n, row in table.rows if i < len(row) and "@" in row[i])
            for i in range(len(table.header))
        ]
        if counts and max(counts) > 0:
            mapping["email"] = counts.index(max(counts))
    return mapping


def role_from(text: str) -> str | None:
    key = _key(text)
    for role, words in _ROLE_WORDS.items():
        if key in words:
            return role
    return None


@dataclass
class Row:
    line: int
    email: str = ""
    full_name: str = ""
    role: str = ""
    title: str = ""
    phone: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.problems


def analyse(
    table: Table,
    mapping: dict[str, int | None],
    *,
    default_role: str,
    members: set[str],
    invited: set[str],
    allowed_roles: set[str],
) -> list[Row]:
    """Each row with what would be imported and its problems (an empty list: importable)."""
    width = len(table.header)
    seen: dict[str, int] = {}
    result = []

    def cell(cells: list[str], name: str) -> str:
        index = mapping.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    for line, cells in table.rows:
        first, last = cell(cells, "first_name"), cell(cells, "last_name")
        row = Row(
            line=line,
            email=cell(cells, "email").lower(),
            full_name=" ".join(part for part in (first, last) if part),
            title=cell(cells, "title")[:80],
            phone=cell(cells, "phone")[:30],
        )
        if any(c for c in cells[width:]):
            row.problems.append(_("More columns than the header row."))
        raw_role = cell(cells, "role")
        row.role = role_from(raw_role) if raw_role else default_role
        if not row.role:
            row.role = default_role
            row.problems.append(_("Unknown role “%(role)s”.") % {"role": raw_role})
        elif row.role not in allowed_roles:
            row.problems.append(_("Only the board may give this role."))
        if not row.email:
            row.problems.append(_("No email address."))
        else:
            try:
                validate_email(row.email)
            except ValidationError:
                row.problems.append(_("Invalid email address."))
            else:
                if row.email in seen:
                    row.problems.append(
                        _("Same email as line %(line)d.") % {"line": seen[row.email]}
                    )
                elif row.email in members:
                    row.problems.append(_("Already a member."))
                elif row.email in invited:
                    row.problems.append(_("Already invited."))
                seen.setdefault(row.email, line)
        result.append(row)
    return result
