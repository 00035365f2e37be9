from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivityConfig(AppConfig):
    name = "activity"
    verbose_name = _("Desk activity")

    def ready(self):
        from . import timezones  # noqa: F401  (the sign-in receiver that remembers the person's zone)
