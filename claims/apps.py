from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = _("Fact-check desk")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        # Also after a test flush, which empties every table but runs post_migrate again.
        post_migrate.connect(_ensure_groups, sender=self)
        # Connects the sign-in log receivers.
        from . import signin  # noqa: F401


def _ensure_groups(sender, apps=None, using="default", **kwargs):
    from django.apps import apps as global_apps

    from .roles import ensure_groups

    apps = apps or global_apps

    if (
        apps.is_installed("django.contrib.auth")
        and apps.get_model("auth", "Permission").objects.using(using).filter(content_type__app_label="claims").exists()
    ):
        ensure_groups(apps)
