from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    """Memberships, in each association's own schema (a TENANT app)."""

    name = "shared_apps.members"
    label = "members"
    verbose_name = _("Members")
