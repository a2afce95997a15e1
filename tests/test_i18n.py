"""French first, English too: the French catalogue is complete, keeps every placeholder, follows
French typography and is up to date with the code; pages answer in the language asked for, and
an account's own language wins over the browser's."""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.utils.translation.template import templatize

from tenants.accounts.models import User
from tenants.accounts.services import account_set_language

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
FR_PO = LOCALE / "fr" / "LC_MESSAGES" / "django.po"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"

# The same folders `makemessages` is told to skip (see the Makefile / docs), plus hidden ones.
IGNORED_DIRS = {".venv", ".data", "staticfiles", "tests", "bench", "node_modules", "__pycache__"}
NBSP = "\u00a0"


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=path.parent.parent.name)


def _messages(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]  # skip the header entry


def _forms(value: str | tuple[str, ...] | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


# --- (a) complete ------------------------------------------------------------------------------


def test_french_catalogue_is_complete_and_has_no_fuzzy_entry() -> None:
    catalog = _read(FR_PO)
    messages = _messages(catalog)
    assert len(messages) > 50, "the French catalogue looks empty: run makemessages"
    assert not catalog.fuzzy, "the catalogue header is still marked fuzzy"
    untranslated = [m.id for m in messages if not all(s.strip() for s in _forms(m.string))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_english_catalogue_declares_the_language_and_keeps_the_source_strings() -> None:
    catalog = _read(EN_PO)
    assert str(catalog.locale) == "en"
    # English is the source language: an English msgstr would only be a second copy to maintain.
    assert [m.id for m in _messages(catalog) if any(_forms(m.string))] == []
    assert {m.id for m in _messages(catalog)} == {m.id for m in _messages(_read(FR_PO))}


# --- (b) placeholders and markup ---------------------------------------------------------------

_PERCENT = re.compile(r"%(?:\((\w+)\))?[#0\- +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")
_BRACES = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")
_TAG = re.compile(r"</?([a-zA-Z][\w-]*)[^>]*>")


def _placeholders(texts: list[str]) -> set[str]:
    found: set[str] = set()
    for text in texts:
        for name, kind in _PERCENT.findall(text):
            if kind != "%":
                found.add(f"%({name}){kind}" if name else f"%{kind}")
        found.update("{" + name + "}" for name in _BRACES.findall(text))
    return found


def _tags(text: str) -> Counter[str]:
    return Counter(match.group(0).split()[0].rstrip(">") for match in _TAG.finditer(text))


def test_translations_keep_every_placeholder_and_html_tag() -> None:
    problems = []
    for message in _messages(_read(FR_PO)):
        source, translated = _forms(message.id), _forms(message.string)
        if _placeholders(source) != _placeholders(translated):
            problems.append((message.id, "placeholders", message.string))
        for form in translated:
            if _tags(source[0]) != _tags(form):
                problems.append((message.id, "tags", form))
    assert problems == []


def test_placeholder_check_sees_a_dropped_placeholder() -> None:
    # The check above must be able to fail: a translation that loses %(name)s differs.
    assert _placeholders(["Welcome, %(name)s."]) != _placeholders(["Bienvenue."])
    assert _placeholders(["%(n)s of %(total)s"]) == _placeholders(["%(total)s : %(n)s"])
    assert _tags("<strong>%(slug)s</strong> is available.") != _tags("%(slug)s est disponible.")


def test_french_typography_uses_non_breaking_spaces() -> None:
    bad = re.compile(r"[ \t][:;?!»]|«[ \t]")
    offenders = [
        form
        for message in _messages(_read(FR_PO))
        for form in _forms(message.string)
        if bad.search(form)
    ]
    assert offenders == []


# --- (c) up to date with the code --------------------------------------------------------------

_GETTEXT_NAMES = {
    "_": 0, "gettext": 0, "gettext_lazy": 0, "gettext_noop": 0,
    "ngettext": 0, "ngettext_lazy": 0,
    "pgettext": 1, "pgettext_lazy": 1, "npgettext": 1, "npgettext_lazy": 1,
}  # name → position of the msgid (the context comes first for p*gettext)
_STRING = r"""(?:u?'(?:[^'\\\n]|\\.)*'|u?"(?:[^"\\\n]|\\.)*")"""
_TEMPLATE_CALL = re.compile(
    rf"(?<![\w.])(_|gettext|pgettext|ngettext|npgettext)\(\s*({_STRING}(?:\s*,\s*{_STRING})*)"
)


def _source_files(suffixes: tuple[str, ...]) -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT).parts
        if any(part in IGNORED_DIRS or part.startswith(".") for part in relative[:-1]):
            continue
        if path.is_file() and path.suffix in suffixes:
            yield path


def _python_literals(path: Path) -> Iterator[tuple[str | None, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in _GETTEXT_NAMES:
            continue
        position = _GETTEXT_NAMES[name]
        args = node.args
        if len(args) <= position or not all(
            isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            for arg in args[: position + 1]
        ):
            continue  # a variable or an f-string: nothing to extract, like xgettext
        context = args[0].value if position else None  # type: ignore[attr-defined]
        yield context, args[position].value  # type: ignore[attr-defined]


def _template_literals(path: Path) -> Iterator[tuple[str | None, str]]:
    # Django's own converter (the one makemessages uses) turns {% translate %} and
    # {% blocktranslate %} into gettext calls with the exact msgid, %(var)s and trimming included
    # (as u'…' literals).
    pseudo_python = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    for name, arguments in _TEMPLATE_CALL.findall(pseudo_python):
        literals = [ast.literal_eval(text) for text in re.findall(_STRING, arguments)]
        if name in {"pgettext", "npgettext"}:
            yield literals[0], literals[1]
        else:
            yield None, literals[0]


def _literals_in_code() -> dict[tuple[str | None, str], Path]:
    found: dict[tuple[str | None, str], Path] = {}
    for path in _source_files((".py",)):
        for key in _python_literals(path):
            found.setdefault(key, path)
    for path in _source_files((".html", ".txt")):
        for key in _template_literals(path):
            found.setdefault(key, path)
    return found


def test_extraction_finds_the_strings_of_code_and_templates() -> None:
    literals = _literals_in_code()
    # One plain {% translate %}, one {% blocktranslate %} with a variable, one gettext_lazy.
    assert (None, "The workspace of your association") in literals
    assert (None, "Welcome, %(name)s.") in literals
    assert (None, "Board administrator") in literals


def test_every_string_in_the_code_is_in_the_french_catalogue() -> None:
    catalog = _read(FR_PO)
    missing = sorted(
        f"{path.relative_to(ROOT)}: {msgid!r}"
        for (context, msgid), path in _literals_in_code().items()
        if catalog.get(msgid, context=context) is None
    )
    assert missing == [], (
        "new strings are not in the catalogue: run makemessages (see docs/architecture.md) "
        "and translate them"
    )


# --- (d) rendering -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compiled_locale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .po files as they are now, compiled (the .mo in the tree may be stale or absent)."""
    target = tmp_path_factory.mktemp("locale")
    for po in (FR_PO, EN_PO):
        out = target / po.parent.parent.name / "LC_MESSAGES" / "django.mo"
        out.parent.mkdir(parents=True)
        with out.open("wb") as handle:
            write_mo(handle, _read(po), use_fuzzy=True)
    return target


@pytest.fixture
def catalogues(settings, compiled_locale: Path) -> None:  # noqa: ANN001 — pytest-django's
    # Changing LOCALE_PATHS makes Django drop its loaded translations (setting_changed).
    settings.LOCALE_PATHS = [compiled_locale]


def test_landing_page_speaks_french_or_english_as_the_browser_asks(
    world, client_for, catalogues  # noqa: ANN001
) -> None:
    french = client_for(None).get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    english = client_for(None).get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert french.status_code == english.status_code == 200
    french_html, english_html = french.content.decode(), english.content.decode()
    assert '<html lang="fr">' in french_html
    assert "L’espace de votre association" in french_html
    assert "Se connecter" in french_html
    assert "The workspace of your association" not in french_html
    assert '<html lang="en">' in english_html
    assert "The workspace of your association" in english_html
    assert "Sign in" in english_html
    assert "L’espace de votre association" not in english_html


def test_account_language_wins_over_the_browser_at_the_workspace(
    world, signed_in, catalogues  # noqa: ANN001
) -> None:
    # Without a preference Alice follows her browser (French)…
    french = signed_in("alpha", "alice").get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Rien de nouveau pour l’instant" in french.content.decode()
    # …with "en" on her account she reads English even though her browser asks for French.
    account_set_language(user=world.user("alice"), language="en")
    response = signed_in("alpha", "alice").get("/", HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing new yet" in html
    assert "Welcome, Alice." in html
    assert "Rien de nouveau" not in html


def test_switching_language_at_a_workspace_saves_it_on_the_account(
    world, signed_in, catalogues  # noqa: ANN001
) -> None:
    client = signed_in("alpha", "amir")
    assert world.user("amir").language == ""
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert User.objects.get(pk=world.users["amir"].pk).language == "en"
    # Later pages follow the switch, whatever the browser says.
    assert "Nothing new yet" in client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()


def test_unknown_language_is_not_saved(world, signed_in, catalogues) -> None:  # noqa: ANN001
    client = signed_in("alpha", "amir")
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert User.objects.get(pk=world.users["amir"].pk).language == ""
