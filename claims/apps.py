from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = _("Fact-check desk")
    default_auto_field = "django.db.models.BigAutoField"
