"""Host → association routing: a warm request does no routing query and sets the schema once;
changes to domains and associations reach the cache as soon as they are committed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tenants.models import Association, Domain
from tenants.services import association_suspend

from .world import World

ROUTING_TABLES = ('"tenants_domain"', '"tenants_association"')


def routing_queries(captured: CaptureQueriesContext) -> list[str]:
    sqls = [q["sql"] for q in captured.captured_queries]
    return [sql for sql in sqls if any(table in sql for table in ROUTING_TABLES)]


def search_path_sets(captured: CaptureQueriesContext) -> list[str]:
    sqls = [q["sql"] for q in captured.captured_queries]
    return [sql for sql in sqls if sql.upper().startswith("SET SEARCH_PATH")]


def test_warm_request_does_no_routing_query_and_one_search_path(world: World, signed_in):  # noqa: ANN001
    alice = signed_in("alpha", "alice")
    with CaptureQueriesContext(connection) as cold:
        assert alice.get("/").status_code == 200
    # The cold request did look the host up (so the capture does see routing queries).
    assert any('"tenants_domain"' in sql for sql in routing_queries(cold))

    with CaptureQueriesContext(connection) as warm:
        response = alice.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.tenant.schema_name == world.alpha.schema_name
    assert routing_queries(warm) == []
    assert len(search_path_sets(warm)) == 1, search_path_sets(warm)
    assert world.alpha.schema_name in search_path_sets(warm)[0]


def test_a_new_domain_is_served_once_committed(
    world: World, client_for, django_capture_on_commit_callbacks  # noqa: ANN001
):
    alias = "alpha-alias.localhost"
    assert Client().get("/", HTTP_HOST=alias).status_code == 404  # now cached as unknown
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        Domain.objects.create(domain=alias, tenant=Association.objects.get(pk=world.alpha.pk))
    assert callbacks, "saving a Domain must schedule a routing invalidation on commit"
    response = Client().get("/", HTTP_HOST=alias)
    assert response.status_code == 302  # alpha's workspace: anonymous → sign-in
    assert response.wsgi_request.tenant.schema_name == world.alpha.schema_name


def test_a_changed_domain_stops_answering_once_committed(
    world: World, django_capture_on_commit_callbacks  # noqa: ANN001
):
    assert Client().get("/", HTTP_HOST=world.alpha.host).status_code == 302  # warm the cache
    domain = Domain.objects.get(domain=world.alpha.host)
    with django_capture_on_commit_callbacks(execute=True):
        domain.domain = "alpha-renamed.localhost"
        domain.save()
    assert Client().get("/", HTTP_HOST=world.alpha.host).status_code == 404
    moved = Client().get("/", HTTP_HOST="alpha-renamed.localhost")
    assert moved.wsgi_request.tenant.schema_name == world.alpha.schema_name


def test_suspension_reaches_the_cached_association(
    world: World, signed_in, django_capture_on_commit_callbacks  # noqa: ANN001
):
    alice = signed_in("alpha", "alice")
    assert alice.get("/").status_code == 200  # alpha is now in this process's map
    with django_capture_on_commit_callbacks(execute=True):
        # A fresh instance: the world's objects are shared by every test.
        association_suspend(association=Association.objects.get(pk=world.alpha.pk), reason="test")
    response = alice.get("/")
    assert response.status_code == 403
    assert "workspace/suspended.html" in [t.name for t in response.templates]


def test_without_commit_the_cache_keeps_its_map(world: World, signed_in):  # noqa: ANN001
    """Control for the two tests above: the change alone (no commit callbacks) is not seen yet,
    so what they observe is the invalidation, not a lookup that never was cached."""
    alice = signed_in("alpha", "alice")
    assert alice.get("/").status_code == 200
    association_suspend(association=Association.objects.get(pk=world.alpha.pk), reason="test")
    assert alice.get("/").status_code == 200


def test_unknown_host_is_cached(world: World):
    junk = Client(HTTP_HOST="junk-host.localhost")
    assert junk.get("/").status_code == 404
    with CaptureQueriesContext(connection) as second:
        assert junk.get("/").status_code == 404
    assert routing_queries(second) == []


@pytest.mark.parametrize("path", ["/", "/me/", "/api/v1/me/"])
def test_warm_requests_stay_quiet_on_other_routes(world: World, signed_in, path: str):  # noqa: ANN001
    alice = signed_in("alpha", "alice")
    alice.get(path)
    with CaptureQueriesContext(connection) as warm:
        assert alice.get(path).status_code == 200
    assert routing_queries(warm) == []
    assert len(search_path_sets(warm)) == 1
