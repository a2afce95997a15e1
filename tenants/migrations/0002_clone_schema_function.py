"""Install django-tenants' clone_schema() SQL function once, in the public schema.

Provisioning calls it for every new association; installing it here (rather than before each
clone, as django-tenants does) keeps concurrent signups from racing on the function itself.
"""

from django.conf import settings
from django.db import migrations


def install(apps, schema_editor):
    from django_tenants.clone import CLONE_SCHEMA_FUNCTION

    user = settings.DATABASES["default"].get("USER") or "postgres"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(CLONE_SCHEMA_FUNCTION.format(db_user=user))


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
