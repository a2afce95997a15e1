"""B2's WSGI application: Cercle's settings and middleware with a one-view URLconf.

Served by gunicorn twice, once with bench.settings_b2_tenant (routing on) and once with
bench.settings_b2_notenant (the routing middleware removed), so the only difference between
the two is tenant routing. Benchmark-only: nothing here is part of the product.
"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path


def ping(request: HttpRequest) -> HttpResponse:
    # One trivial query, as a real page makes at least one: on the routed side it is what
    # carries the request's `SET search_path`.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse(b"pong", content_type="text/plain")


urlpatterns = [path("ping/", ping, name="bench_ping")]

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_b2_tenant")
application = get_wsgi_application()
