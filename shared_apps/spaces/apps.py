from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpacesConfig(AppConfig):
    """Spaces, in each association's own schema (a TENANT app)."""

    name = "shared_apps.spaces"
    label = "spaces"
    verbose_name = _("Spaces")
