"""Events pages (being built)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def events_list(request: HttpRequest) -> HttpResponse:
    raise Http404


def events_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def events_rsvp_link(request: HttpRequest, token: str) -> HttpResponse:
    raise Http404
