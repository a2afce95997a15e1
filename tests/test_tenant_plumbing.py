"""Plumbing that must carry the association along: Celery tasks (run by a real worker), log
records and error reports."""

from __future__ import annotations

import io
import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import kombu.pools
from celery.contrib.testing.worker import start_worker
from cercle import celery_app
from cercle.observability import sentry_before_send
from django.conf import settings
from django.db import connection
from django_tenants.log import TenantContextFilter
from django_tenants.utils import schema_context, tenant_context

from tenants.models import Association

PROBE_LOGGER = "cercle.tests.plumbing"

# What the worker saw, by probe id: written by the task itself, so the check works with or
# without a result backend (the in-memory broker runs without one).
_seen: dict[str, str] = {}
_seen_changed = threading.Condition()


@celery_app.task(name="tests.schema_probe")
def schema_probe(probe_id: str) -> str:
    schema = connection.schema_name
    logging.getLogger(PROBE_LOGGER).warning("probe %s ran", probe_id)
    with _seen_changed:
        _seen[probe_id] = schema
        _seen_changed.notify_all()
    return schema


def wait_for(probe_id: str, timeout: float = 20.0) -> str:
    with _seen_changed:
        assert _seen_changed.wait_for(lambda: probe_id in _seen, timeout), f"{probe_id} never ran"
        return _seen[probe_id]


def broker_url_for_tests() -> str:
    """Real Redis when configured, on a database of its own (15); else the in-memory broker."""
    if not settings.REDIS_URL:
        return "memory://"
    return urlunsplit(urlsplit(settings.REDIS_URL)._replace(path="/15"))



def schema_handler() -> logging.Handler:
    """The handler settings.LOGGING puts on the root logger, with the schema filter."""
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, TenantContextFilter) for f in handler.filters)
    ]
    assert len(handlers) == 1, f"expected settings.LOGGING's schema handler, got {handlers}"
    return handlers[0]


@contextmanager
def captured_schema_log() -> Iterator[io.StringIO]:
    """What the configured console handler writes, with its own formatter and filter."""
    handler = schema_handler()
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


@contextmanager
def real_worker() -> Iterator[bool]:
    """A worker thread on a real broker; yields whether a result backend is configured."""
    conf = celery_app.conf
    keys = ("task_always_eager", "broker_url", "result_backend")
    saved = {key: conf[key] for key in keys}
    root = logging.getLogger()
    saved_logging = (root.handlers[:], root.level)
    broker = broker_url_for_tests()
    backend = broker if broker.startswith("redis") else None

    def reset_connections() -> None:
        # The app caches its broker pool and (per thread) its result backend; kombu keeps
        # the pools in a registry, which reset() closes and empties.
        kombu.pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        celery_app._local.__dict__.pop("backend", None)

    conf.update(task_always_eager=False, broker_url=broker, result_backend=backend)
    reset_connections()
    try:
        with start_worker(
            celery_app, pool="solo", loglevel="INFO", perform_ping_check=False, shutdown_timeout=30
        ):
            yield backend is not None
    finally:
        conf.update(saved)
        reset_connections()
        root.handlers[:], _ = saved_logging
        root.setLevel(saved_logging[1])


def test_tasks_run_in_the_schema_they_were_sent_from(committed):  # noqa: ANN001
    alpha = Association.objects.get(slug="alpha")
    beta = Association.objects.get(slug="beta")
    assert celery_app.conf.task_always_eager is True  # the suite's default, restored afterwards
    probes = {f"alpha-{uuid.uuid4().hex}": alpha, f"beta-{uuid.uuid4().hex}": beta}
    with real_worker() as has_results:
        assert celery_app.conf.task_always_eager is False
        results = {}
        for probe_id, association in probes.items():
            with tenant_context(association):
                results[probe_id] = schema_probe.delay(probe_id)
        with schema_context("public"):
            public_probe = f"public-{uuid.uuid4().hex}"
            results[public_probe] = schema_probe.delay(public_probe)
        seen = {probe_id: wait_for(probe_id) for probe_id in results}
        if has_results:
            returned = {probe_id: r.get(timeout=20) for probe_id, r in results.items()}
            assert returned == seen
            for result in results.values():
                result.forget()  # leave nothing behind in the test's Redis database
    assert celery_app.conf.task_always_eager is True
    assert [seen[probe_id] for probe_id in probes] == ["a_alpha", "a_beta"]
    assert seen[public_probe] == "public"
    # Nothing ran in this thread: the tasks went through the broker to the worker thread.
    assert connection.schema_name == "public"


def test_worker_keeps_the_schema_tag_on_its_logs(committed):  # noqa: ANN001
    """A worker must not replace settings.LOGGING's handler (Celery hijacks the root logger
    unless told not to), so task logs still say which association they come from."""
    alpha = Association.objects.get(slug="alpha")
    probe_id = f"log-{uuid.uuid4().hex}"
    with real_worker() as has_results:
        with captured_schema_log() as stream:
            with tenant_context(alpha):
                result = schema_probe.delay(probe_id)
            assert wait_for(probe_id) == "a_alpha"
        if has_results:
            assert result.get(timeout=20) == "a_alpha"
            result.forget()
    lines = [line for line in stream.getvalue().splitlines() if probe_id in line]
    assert lines and "[a_alpha]" in lines[0], stream.getvalue()


def test_log_records_carry_the_schema(world):  # noqa: ANN001
    logger = logging.getLogger(PROBE_LOGGER)
    with captured_schema_log() as stream:
        with tenant_context(world.alpha):
            logger.warning("inside alpha")
        logger.warning("back in public")
    lines = stream.getvalue().splitlines()
    assert any("[a_alpha]" in line and "inside alpha" in line for line in lines), lines
    assert any("[public]" in line and "back in public" in line for line in lines), lines


def test_log_record_gets_schema_name_attribute(world):  # noqa: ANN001
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep()
    for log_filter in schema_handler().filters:  # exactly the filters settings.LOGGING built
        keep.addFilter(log_filter)
    logger = logging.getLogger(PROBE_LOGGER)
    logger.addHandler(keep)
    try:
        with tenant_context(world.beta):
            logger.warning("inside beta")
    finally:
        logger.removeHandler(keep)
    assert [r.schema_name for r in records] == ["a_beta"]  # type: ignore[attr-defined]


def test_sentry_events_are_tagged_with_the_schema(world):  # noqa: ANN001
    with tenant_context(world.alpha):
        event = sentry_before_send({"message": "boom", "tags": {"release": "x"}}, {})
    assert event["tags"] == {"release": "x", "schema": "a_alpha"}
    with tenant_context(world.beta):
        assert sentry_before_send({}, {})["tags"]["schema"] == "a_beta"
    assert sentry_before_send({}, {})["tags"]["schema"] == "public"


def test_sentry_sdk_sends_the_schema_tag(world):  # noqa: ANN001
    """Through the real SDK (a transport that keeps events, nothing leaves the process)."""
    import sentry_sdk
    from sentry_sdk.transport import Transport

    sent: list[dict[str, Any]] = []

    class KeepTransport(Transport):
        def capture_envelope(self, envelope: Any) -> None:
            for item in envelope.items:
                if item.type == "event":
                    sent.append(item.payload.json)

    guard = sentry_sdk.init(
        dsn="https://key@sentry.invalid/1",
        transport=KeepTransport,
        before_send=sentry_before_send,
        default_integrations=False,
    )
    try:
        with tenant_context(world.alpha):
            sentry_sdk.capture_message("inside alpha")
        sentry_sdk.flush()
    finally:
        guard.__exit__(None, None, None)  # closes the client: nothing is sent afterwards
    assert [event["tags"]["schema"] for event in sent] == ["a_alpha"]


def test_logging_settings_wire_the_schema_filter():
    """The filter and format come from settings.LOGGING, not from this test module."""
    assert settings.LOGGING["filters"]["schema"]["()"] == "django_tenants.log.TenantContextFilter"
    assert "%(schema_name)s" in settings.LOGGING["formatters"]["schema"]["format"]
    assert schema_handler().formatter._fmt == settings.LOGGING["formatters"]["schema"]["format"]
