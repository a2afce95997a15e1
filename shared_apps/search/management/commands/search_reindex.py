"""Rebuild the search index of every association (or one, with --schema) from the sources.

    manage.py search_reindex                 # every association
    manage.py search_reindex --schema a_demo # one
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import get_tenant_model, tenant_context

from shared_apps.search.rebuild import search_rebuild


class Command(BaseCommand):
    help = "Rebuild the search index of each association from its members, news, etc."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schema", help="only this association's schema")

    def handle(self, *args: object, **options: object) -> None:
        associations = get_tenant_model().objects.exclude(schema_name="public")
        if options.get("schema"):
            associations = associations.filter(schema_name=options["schema"])
        for association in associations.order_by("schema_name"):
            with tenant_context(association):
                counts = search_rebuild()
            summary = ", ".join(f"{label} {n}" for label, n in counts.items())
            self.stdout.write(f"{association.schema_name}: {summary}")
