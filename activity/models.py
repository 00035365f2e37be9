"""Who has a claim open now: one row per person and claim, refreshed by the page's heartbeat."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Presence(models.Model):
    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("presence")
        verbose_name_plural = _("presences")
        constraints = [models.UniqueConstraint(fields=["claim", "user"], name="presence_one_row_per_person")]
        indexes = [models.Index(fields=["claim", "-last_seen"], name="presence_claim_seen")]

    def __str__(self):
        return f"{self.user} on #{self.claim_id}"
