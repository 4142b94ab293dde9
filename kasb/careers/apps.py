from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareersConfig(AppConfig):
    name = "kasb.careers"
    label = "careers"
    verbose_name = _("Careers")
    default_auto_field = "django.db.models.BigAutoField"
