"""Every association starts with a space for the whole association (in the template schema,
so each new association gets it by the clone)."""

from django.db import migrations


def create(apps, schema_editor):
    Space = apps.get_model("spaces", "Space")
    if not Space.objects.filter(is_default=True).exists():
        Space.objects.create(
            name="Toute l'association",
            slug="toute-l-association",
            description="L'espace de tous les membres de l'association.",
            visibility="open",
            is_default=True,
        )


class Migration(migrations.Migration):
    dependencies = [("spaces", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
