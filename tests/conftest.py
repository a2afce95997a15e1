"""Fixtures: the named world (built once per session), clients per workspace, and a way to
run code against committed data (threads, live servers, workers) that cleans up after itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection

from tenants.routing import routing_cache_clear

from .world import World, build_world, client_at, login_at

_WORLD: World | None = None


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker, django_db_modify_db_settings):  # noqa: ANN001
    """Test database migrated (template schema included), public site and world committed.

    Replaces pytest-django's fixture, which creates the test database only when some collected
    test asks for `db`: a run of `committed`-only tests would otherwise touch DATABASE_URL's
    own database.
    """
    from django.test.utils import setup_databases, teardown_databases

    global _WORLD
    with django_db_blocker.unblock():
        db_cfg = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        assert connection.settings_dict["NAME"].startswith("test_")
        call_command("platform_setup", verbosity=0)
        _WORLD = build_world()
        connection.set_schema_to_public()
    yield
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        teardown_databases(db_cfg, verbosity=0)


@pytest.fixture
def world(db) -> World:  # noqa: ANN001
    assert _WORLD is not None
    connection.set_schema_to_public()
    return _WORLD


def _cache_clear_ours() -> None:
    """Empty this run's cache entries, and only them: with Redis, FLUSHDB would also drop the
    Celery queue and other runs' keys. Counters in the database (versions in cache keys) go
    back with each test's rollback, so a cached value must not outlive its test."""
    from django.conf import settings
    from django.core.cache import cache

    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"*:{cache.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


def _celery_tenant_cache_clear() -> None:
    """tenant-schemas-celery keeps the associations its tasks ran in for 30 s (per process):
    a test that changes one (its language) must not leave it to the next."""
    from tenant_schemas_celery import task

    task._shared_storage.clear()


@pytest.fixture(autouse=True)
def _fresh_routing_and_schema() -> Iterator[None]:
    routing_cache_clear()
    _cache_clear_ours()
    _celery_tenant_cache_clear()
    yield
    routing_cache_clear()
    connection.set_schema_to_public()


@pytest.fixture
def client_for():
    return client_at


@pytest.fixture
def signed_in(world):  # noqa: ANN001
    """signed_in("alpha", "alice") → a client signed in as Alice at alpha's workspace."""

    def make(association: str | None, user_key: str):
        target = world.associations[association] if association else None
        return login_at(client_at(target), target, world.users[user_key])

    return make


@pytest.fixture
def committed(django_db_setup, django_db_blocker) -> Iterator[None]:  # noqa: ANN001
    """Real commits (for threads, live servers, Celery workers); afterwards every association,
    schema and account not in the world is removed again."""
    from tenants.accounts.models import User
    from tenants.models import Association
    from tenants.schemas import schema_drop

    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"].startswith("test_"), "not the test database"
        connection.set_schema_to_public()
        keep_associations = set(Association.objects.values_list("pk", flat=True))
        keep_users = set(User.objects.values_list("pk", flat=True))
        try:
            yield
        finally:
            connection.set_schema_to_public()
            for association in Association.objects.exclude(pk__in=keep_associations):
                schema_drop(association.schema_name)
                association.delete()
            from django.db import connection as conn

            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'a\\_%%' "
                    "AND nspname NOT IN (SELECT schema_name FROM tenants_association)"
                )
                for (orphan,) in cursor.fetchall():
                    schema_drop(orphan)
            User.objects.exclude(pk__in=keep_users).delete()


@pytest.fixture
def english(settings, request) -> Iterator[None]:  # noqa: ANN001
    """Run a test in English (the default is French): services outside a request, and pages
    and API answers to clients that send no Accept-Language, speak English; so do the named
    world's associations (the language of notifications to members who chose none)."""
    from django.utils import translation

    from tenants.models import Association

    settings.LANGUAGE_CODE = "en"
    spoken: list[tuple[Association, str]] = []
    if "world" in request.fixturenames:
        for association in request.getfixturevalue("world").associations.values():
            spoken.append((association, association.language))
            association.language = "en"
            Association.objects.filter(pk=association.pk).update(language="en")
    try:
        with translation.override("en"):
            yield
    finally:
        for association, language in spoken:
            association.language = language
            Association.objects.filter(pk=association.pk).update(language=language)
