"""Liveness and readiness, answered on any host before tenant routing."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse


def _json(status: int, body: dict[str, object]) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


def readiness() -> dict[str, str]:
    """Check the database and, when configured, Redis. Returns a status per dependency."""
    checks: dict[str, str] = {}
    try:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 — any failure means "not ready"
        checks["database"] = f"error: {type(exc).__name__}"
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {type(exc).__name__}"
    return checks


class HealthMiddleware:
    """Answers /healthz and /readyz without looking at the Host header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info.rstrip("/")
        if path == "/healthz":
            return _json(200, {"status": "ok"})
        if path == "/readyz":
            checks = readiness()
            ready = all(value == "ok" for value in checks.values())
            return _json(200 if ready else 503, {"status": "ok" if ready else "error", **checks})
        return self.get_response(request)
