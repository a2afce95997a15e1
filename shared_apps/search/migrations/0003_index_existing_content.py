"""Index what associations already hold (members, announcements, discussions, documents).

A fresh schema (a new association, the template) has nothing to index and skips the work, so
the current code of those apps only ever runs against the tables as they are at this release.
`manage.py search_reindex` does the same by hand at any time."""

from django.db import migrations


def index_existing(apps, schema_editor) -> None:  # noqa: ANN001
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM members_membership)")
        if not cursor.fetchone()[0]:
            return
    from shared_apps.search.rebuild import search_rebuild

    search_rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_message_kind"),
        ("members", "0002_memberssettings_invitation_joinrequest_memberprofile_and_more"),
        ("news", "0001_initial"),
        ("discussions", "0001_initial"),
        ("documents", "0001_initial"),
    ]

    operations = [migrations.RunPython(index_existing, migrations.RunPython.noop)]
