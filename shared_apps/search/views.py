"""The search page: the box, kind filters, results with snippets; as-you-type through htmx
(the results part only). Any member may search; they only ever find what they may see."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from shared_apps.workspace.access import member_required

from .selectors import (
    FILTERS,
    LABELS,
    SearchQueryError,
    kind_filter_parse,
    query_parse,
    search,
)


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


@member_required()
@require_http_methods(["GET"])
def search_page(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("q", "")
    context: dict = {"q": raw, "kind": "", "results": None, "error": ""}
    status = 200
    try:
        context["kind"] = kind_filter_parse(request.GET.get("kind"))
        if raw.strip():
            context["results"] = search(
                membership=request.membership, query=query_parse(raw), kind=context["kind"],
                page=_page_number(request.GET.get("page")),
            )
    except SearchQueryError as error:
        context["error"] = error.message
        status = 400 if not request.htmx else 200  # htmx swaps 2xx answers only
    results = context["results"]
    context["filters"] = [
        {"name": name, "label": LABELS[name],
         "count": results.counts.get(name, 0) if results and results.counts else None}
        for name in FILTERS
        # Kinds with results only (all of them when there are too many to count each).
        if not results or not results.counts or results.counts.get(name)
        or name == context["kind"]
    ]
    template = "search/_results.html" if request.htmx else "search/page.html"
    return render(request, template, context, status=status)
