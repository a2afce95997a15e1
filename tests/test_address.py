"""The strict address rule (an association's subdomain) and the schema name derived from it.

No database: these are pure functions, and the property tests throw hostile input at them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tenants.address import (
    RESERVED,
    address_errors,
    schema_name_for,
    suggest_address,
    validate_address,
)

ACCEPTED = re.compile(r"^[a-z][a-z0-9-]{2,39}$")
SAFE_SCHEMA = re.compile(r"^a_[a-z0-9_]{3,40}$")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Messages are asserted in English (the source strings); French is the default language.
    with translation.override("en"):
        yield


def assert_safe_address(value: str) -> None:
    # fullmatch: re.match with "$" would let a trailing newline through.
    assert ACCEPTED.fullmatch(value), value
    assert "--" not in value
    assert not value.endswith("-")
    assert not value.startswith(("pg_", "pg-"))
    assert value not in RESERVED


@pytest.mark.parametrize(
    "value",
    ["abc", "les-amis-du-velo", "club42", "a1b", "a-b", "x" * 40, "a" + "-b" * 19, "pgclub"],
)
def test_valid_addresses_are_accepted(value: str) -> None:
    assert address_errors(value) == []
    validate_address(value)


@pytest.mark.parametrize(
    "value",
    [
        "",  # empty
        "ab",  # too short
        "x" * 41,  # too long
        "Alpha",  # uppercase
        "1club",  # starts with a digit
        "-club",  # starts with a hyphen
        "club-",  # trailing hyphen
        "les--amis",  # double hyphen
        "les_amis",  # underscore
        "les amis",  # space
        "vélo-club",  # accent
        "club.fr",  # dot
        "club;drop",  # semicolon
        "club'x",  # quote
        'club"x',  # double quote
        "club\n",  # trailing newline
        "\tclub",  # leading tab
        "pg_club",  # PostgreSQL's reserved prefix
        "pg-club",
        "pg_",
    ],
)
def test_invalid_addresses_are_refused(value: str) -> None:
    assert address_errors(value)
    with pytest.raises(ValidationError):
        validate_address(value)


@pytest.mark.parametrize(
    "value",
    ["www", "api", "admin", "ops", "app", "mail", "static", "media", "public", "status",
     "help", "blog", "billing"],
)
def test_reserved_addresses_are_refused(value: str) -> None:
    assert value in RESERVED
    errors = address_errors(value)
    assert any("reserved" in error for error in errors), errors
    with pytest.raises(ValidationError):
        schema_name_for(value)


def test_non_string_is_refused() -> None:
    assert address_errors(None)  # type: ignore[arg-type]
    assert address_errors(123)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("address", "schema"),
    [("alpha", "a_alpha"), ("les-amis-du-velo", "a_les_amis_du_velo"), ("club42", "a_club42")],
)
def test_schema_name_is_derived_from_the_address(address: str, schema: str) -> None:
    assert schema_name_for(address) == schema


@pytest.mark.parametrize(
    "raw", ['alpha"; DROP SCHEMA public CASCADE; --', "Alpha", "pg_catalog", "public", "a b", ""]
)
def test_schema_name_never_accepts_raw_input(raw: str) -> None:
    with pytest.raises(ValidationError):
        schema_name_for(raw)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Les Amis du Vélo", "les-amis-du-velo"),
        ("Club d'Échecs de Sète", "club-d-echecs-de-sete"),
        ("Association Sportive de l'Île-d'Yeu", "association-sportive-de-l-ile-d-yeu"),
        ("  Théâtre — Ça Bouge !  ", "theatre-ca-bouge"),
        ("123 Soleil", "soleil"),
        ("Noël", "noel"),
        ("Zoé", "zoe"),  # short: kept, already three letters
        ("Éa", "ea-asso"),  # too short: padded
        ("", "asso"),
        ("!!!", "asso"),
        ("Blog", "blog-asso"),  # reserved
        ("PG", "asso-pg-asso"),  # would otherwise start with "pg-"
        ("PG Club", "asso-pg-club"),
    ],
)
def test_suggest_address_from_french_names(name: str, expected: str) -> None:
    suggestion = suggest_address(name)
    assert suggestion == expected
    assert address_errors(suggestion) == []


# Hostile input: quotes, SQL, unicode, PostgreSQL prefixes, long runs, whitespace, uppercase.
_hostile_pieces = st.sampled_from(
    ["'", '"', ";", "--", "-", "_", " ", "\t", "\n", "\r", "\x00", "pg_", "pg-", "PG_", "é",
     "Ä", "ß", "ﬁ", "İ", "٣", "𝟘", "a", "z", "0", "9", "DROP SCHEMA", "public", "www", "."]
)
hostile_names = st.one_of(
    st.text(max_size=80),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", max_size=70),
    st.lists(_hostile_pieces, max_size=20).map("".join),
    st.builds(lambda p, s: p + s, st.sampled_from(["pg_", "pg-", "Pg_", " ", ""]),
              st.from_regex(r"[a-z][a-z0-9-]{2,39}", fullmatch=True)),
    st.builds(lambda s, t: s + t, st.from_regex(r"[a-z][a-z0-9-]{2,39}", fullmatch=True),
              st.sampled_from(["\n", " ", "-", ";", "'", "A", "é", ""])),
    st.text(alphabet="abc", min_size=64, max_size=200),
)


@settings(max_examples=600, deadline=None)
@given(hostile_names)
@example("abc\n")
@example("pg_abc")
@example("abc;")
@example("a" * 64)
@example("ABC")
def test_every_accepted_address_is_safe(value: str) -> None:
    if address_errors(value):
        with pytest.raises(ValidationError):
            schema_name_for(value)
        return
    assert_safe_address(value)
    assert SAFE_SCHEMA.fullmatch(schema_name_for(value))


@settings(max_examples=600, deadline=None)
@given(st.one_of(st.text(max_size=120), st.lists(_hostile_pieces, max_size=30).map("".join)))
@example("PG")
@example("pg")
@example("Pg-Club")
@example("é" * 50)
@example("a-" * 30)
def test_suggest_address_is_always_valid(name: str) -> None:
    suggestion = suggest_address(name)
    assert address_errors(suggestion) == [], (name, suggestion)
    assert_safe_address(suggestion)
    assert SAFE_SCHEMA.fullmatch(schema_name_for(suggestion))
