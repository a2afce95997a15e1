"""/healthz and /readyz answer on any host, before tenant routing."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

HOSTS = ["localhost", "alpha.localhost", "nowhere.localhost", "junk.invalid", "1.2.3.4:9", "%%"]


@pytest.mark.parametrize("host", HOSTS)
def test_healthz_on_any_host(world, host: str) -> None:
    response = Client(HTTP_HOST=host).get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("host", HOSTS)
def test_readyz_on_any_host(world, host: str) -> None:
    response = Client(HTTP_HOST=host).get("/readyz")
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    if settings.REDIS_URL:
        assert body["redis"] == "ok"
    else:
        assert "redis" not in body


def test_readyz_checks_redis_when_configured(world, settings) -> None:  # noqa: ANN001
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    body = json.loads(Client().get("/readyz").content)
    assert body["redis"] == "ok"
    # A Redis that does not answer makes the process not ready.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["redis"].startswith("error")


def test_junk_host_still_gets_no_stack_trace_elsewhere(world) -> None:
    # Routing is not bypassed for other paths: an unknown workspace gets the friendly 404.
    response = Client(HTTP_HOST="nowhere.localhost").get("/")
    assert response.status_code == 404
