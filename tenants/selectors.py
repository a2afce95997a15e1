"""Read queries of the control plane."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Association


def associations_for_console(*, query: str = "", status: str = "") -> QuerySet[Association]:
    """Every association (not the public one), newest first, optionally filtered."""
    qs = Association.objects.exclude(schema_name="public").order_by("-created_at")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(slug__icontains=query))
    if status:
        qs = qs.filter(status=status)
    return qs
