from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    """The workspace shell: home, the member's own page, sign-in handoff (a TENANT app)."""

    name = "shared_apps.workspace"
    label = "workspace"
    verbose_name = _("Workspace")
