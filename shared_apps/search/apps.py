from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    """Search across the workspace, in each association's own schema (a TENANT app)."""

    name = "shared_apps.search"
    label = "search"
    verbose_name = _("Search")
