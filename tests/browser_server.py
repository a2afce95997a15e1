"""A real HTTP server for the browser journey: the whole Django app (every middleware, the
host routing, static files) on 127.0.0.1, in daemon threads, against committed data."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler


class QuietHandler(WSGIRequestHandler):
    """No access log on the test output; errors still surface through Django's logging."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 — stdlib name
        pass


@dataclass(frozen=True)
class LiveServer:
    host: str
    port: int


@contextmanager
def live_server() -> Iterator[LiveServer]:
    """Serve the app on a free port until the block ends. Each request thread opens its own
    database connection and closes it when the request ends (ThreadedWSGIServer does)."""
    # Port 0: the kernel picks a free port, read back from the bound socket.
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    # StaticFilesHandler serves /static/ from the finders, as runserver does, without a
    # collectstatic step (DEBUG is off in the test settings).
    server.set_app(StaticFilesHandler(WSGIHandler()))
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(host="127.0.0.1", port=server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
