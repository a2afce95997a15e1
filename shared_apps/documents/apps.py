from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """Documents, in each association's own schema (a TENANT app)."""

    name = "shared_apps.documents"
    label = "documents"
    verbose_name = _("Documents")
