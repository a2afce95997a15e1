"""Logs and error reports carry the schema of the association they come from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse


def _current_schema() -> str:
    return getattr(connection, "schema_name", "") or "public"


def sentry_before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    event.setdefault("tags", {})["schema"] = _current_schema()
    return event


def sentry_init(dsn: str, *, environment: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,  # members' personal data never leaves for Sentry
        traces_sample_rate=0.0,
        before_send=sentry_before_send,
    )


class SchemaTagMiddleware:
    """Tags the Sentry scope with the schema chosen by routing (no-op without Sentry)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            import sentry_sdk
        except ImportError:  # pragma: no cover — sentry-sdk is a dependency
            return self.get_response(request)
        sentry_sdk.get_isolation_scope().set_tag("schema", _current_schema())
        return self.get_response(request)
