from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The workflow writes a ClaimEvent for every change; the receivers turn those rows into notifications.
        from . import receivers  # noqa: F401
