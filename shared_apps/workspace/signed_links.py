"""Signed links for taking part from an email without signing in (acknowledge a notice,
answer an invitation, unsubscribe…). A link names its purpose and is bound to the current
association's schema, so it works only for what and where it was made for."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db import connection


class LinkInvalid(Exception):
    """Tampered with, made for another purpose or association, or expired."""


def _salt(purpose: str) -> str:
    return f"cercle.link:{connection.schema_name}:{purpose}"


def link_token(purpose: str, payload: dict[str, Any]) -> str:
    return signing.dumps(payload, salt=_salt(purpose), compress=True)


def link_payload(purpose: str, token: str, *, max_age_seconds: int) -> dict[str, Any]:
    try:
        return signing.loads(token, salt=_salt(purpose), max_age=max_age_seconds)
    except signing.SignatureExpired as exc:
        raise LinkInvalid("expired") from exc
    except signing.BadSignature as exc:
        raise LinkInvalid("invalid") from exc


def link_ids(purpose: str, token: str, *keys: str, max_age_seconds: int) -> tuple[int, ...]:
    """The integers a link carries under `keys`, in that order, or LinkInvalid."""
    payload = link_payload(purpose, token, max_age_seconds=max_age_seconds)
    try:
        return tuple(int(payload[key]) for key in keys)
    except (KeyError, TypeError, ValueError) as exc:
        raise LinkInvalid("invalid") from exc
