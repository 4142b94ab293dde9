from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegacyConfig(AppConfig):
    name = "kasb.legacy"
    label = "legacy"
    verbose_name = _("Historical records")
    default_auto_field = "django.db.models.BigAutoField"
