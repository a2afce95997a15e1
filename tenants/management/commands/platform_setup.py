"""Make sure the public tenant answers at BASE_DOMAIN (idempotent; run after migrating)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from tenants.models import Association, AssociationStatus, Domain


class Command(BaseCommand):
    help = "Create the public tenant and its domain (BASE_DOMAIN) when missing."

    def handle(self, *args, **options):
        public, _ = Association.objects.get_or_create(
            schema_name="public",
            defaults={"name": "Cercle", "slug": "public", "status": AssociationStatus.ACTIVE},
        )
        Domain.objects.get_or_create(
            domain=settings.BASE_DOMAIN, defaults={"tenant": public, "is_primary": True}
        )
        self.stdout.write(f"Public site at {settings.BASE_DOMAIN}")
