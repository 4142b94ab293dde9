from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "kasb.outreach"
    label = "outreach"
    verbose_name = _("Outreach")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kasb.training.services.placement import register_applicant_check

        from .queries import token_may_take_test

        register_applicant_check(token_may_take_test)
