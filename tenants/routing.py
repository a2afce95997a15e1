"""Host → association routing with a per-process cache.

A warm request does no routing query: each process keeps a map of hostnames to associations.
Whenever a domain or an association changes, a routing version stored in the shared cache is
bumped; every process compares its version at most once per ROUTING_CHECK_SECONDS and drops
its map when the version moved. Unknown hosts are cached too, so junk hosts cost one query.
"""

from __future__ import annotations

import threading
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name, schema_context

from .models import Association, Domain

_VERSION_KEY = "routing:version"
_MAX_HOSTS = 10_000
_MISSING = object()

_lock = threading.Lock()
_hosts: dict[str, Association | None] = {}
_state = {"version": None, "checked_at": 0.0}


def routing_invalidate() -> None:
    """Tell every process that hosts or associations changed (call after commit)."""
    # Cache keys carry the current schema; the routing version is a public-schema value.
    with schema_context(get_public_schema_name()):
        cache.set(_VERSION_KEY, uuid.uuid4().hex, None)
    with _lock:
        _hosts.clear()
        _state["checked_at"] = 0.0


def _refresh_if_stale() -> None:
    now = time.monotonic()
    if now - _state["checked_at"] < settings.ROUTING_CHECK_SECONDS:
        return
    version = cache.get(_VERSION_KEY)
    with _lock:
        if version != _state["version"]:
            _hosts.clear()
            _state["version"] = version
        _state["checked_at"] = now


def association_for_host(hostname: str) -> Association | None:
    """The association answering at this hostname, or None. Cached per process."""
    _refresh_if_stale()
    cached = _hosts.get(hostname, _MISSING)
    if cached is not _MISSING:
        return cached  # type: ignore[return-value]
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    association = domain.tenant if domain else None
    with _lock:
        if len(_hosts) >= _MAX_HOSTS:
            _hosts.clear()
        _hosts[hostname] = association
    return association


def routing_cache_clear() -> None:
    """Forget this process's map (tests and benchmarks)."""
    with _lock:
        _hosts.clear()
        _state["checked_at"] = 0.0
        _state["version"] = None


class AssociationRoutingMiddleware(TenantMainMiddleware):
    """django-tenants' routing, with the cached lookup and a friendly page for unknown hosts."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        # A Host outside ALLOWED_HOSTS is a bad request (400, logged by django.security), as in
        # plain Django; django-tenants alone would swallow it into a bare 404.
        request.get_host()
        return super().process_request(request)

    def get_tenant(self, domain_model: type[Domain], hostname: str) -> Association:
        association = association_for_host(hostname)
        if association is None:
            raise domain_model.DoesNotExist(hostname)
        return association

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        from .views import unknown_host

        return unknown_host(request, hostname)
