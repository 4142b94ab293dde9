from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MicroworkConfig(AppConfig):
    name = "kasb.microwork"
    label = "microwork"
    verbose_name = _("Microwork")
    default_auto_field = "django.db.models.BigAutoField"
