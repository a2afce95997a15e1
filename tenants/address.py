"""Our own strict rule for an association's address (its subdomain) and the schema it gets.

django-tenants accepts far more than we want in a hostname or a schema name, so we validate
the address ourselves and derive the schema name from it; input is never used raw as a schema.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MIN_LENGTH = 3
MAX_LENGTH = 40
SCHEMA_PREFIX = "a_"

# \Z, not $: "$" also matches before a trailing newline ("abc\n" would pass).
_PATTERN = re.compile(r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*\Z")

RESERVED = frozenset(
    {
        "www", "api", "admin", "ops", "app", "apps", "mail", "email", "smtp", "imap", "pop",
        "static", "media", "assets", "cdn", "public", "status", "help", "support", "docs",
        "blog", "billing", "stripe", "webhooks", "webhook", "auth", "login", "logout",
        "signup", "account", "accounts", "dashboard", "console", "root", "system", "cercle",
        "demo-admin", "template", "tenant", "tenants", "test", "staging", "dev", "internal",
        "security", "abuse", "postmaster", "hostmaster", "webmaster", "ftp", "ns1", "ns2",
        "localhost", "information-schema", "information_schema", "healthz", "readyz",
    }
)


def address_errors(value: str) -> list[str]:
    """Every reason this address is refused (empty when it is acceptable)."""
    errors: list[str] = []
    if not isinstance(value, str) or not value:
        return [str(_("Choose an address."))]
    if len(value) < MIN_LENGTH or len(value) > MAX_LENGTH:
        errors.append(
            str(_("The address must be %(min)d to %(max)d characters long."))
            % {"min": MIN_LENGTH, "max": MAX_LENGTH}
        )
    if value.startswith("pg_") or value.startswith("pg-"):
        errors.append(str(_("An address cannot start with “pg”.")))
    elif not _PATTERN.match(value):
        errors.append(
            str(
                _(
                    "Use lowercase letters, digits and single hyphens, starting with a letter "
                    "and not ending with a hyphen."
                )
            )
        )
    if value in RESERVED:
        errors.append(str(_("This address is reserved.")))
    return errors


def validate_address(value: str) -> None:
    errors = address_errors(value)
    if errors:
        raise ValidationError(errors, code="invalid_address")


def schema_name_for(address: str) -> str:
    """The PostgreSQL schema of an association, derived from its validated address."""
    validate_address(address)
    return SCHEMA_PREFIX + address.replace("-", "_")


def suggest_address(name: str) -> str:
    """A valid-looking address suggested from an association's name (may still be taken)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    slug = re.sub(r"^[^a-z]+", "", slug)  # must start with a letter
    slug = slug[:MAX_LENGTH].rstrip("-")
    if len(slug) < MIN_LENGTH:
        slug = (slug + "-asso").lstrip("-") if slug else "asso"
        if len(slug) < MIN_LENGTH:
            slug = "asso"
    # After padding: "pg" alone becomes "pg-asso", which must be prefixed too.
    if slug.startswith("pg-"):
        slug = "asso-" + slug
        slug = slug[:MAX_LENGTH].rstrip("-")
    if slug in RESERVED:
        slug = slug + "-asso"
    return slug
