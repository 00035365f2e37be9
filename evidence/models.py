from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from claims.models import Source


class CaptureStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be captured")
    CAPTURED = "captured", _("captured")
    FAILED = "failed", _("could not be captured")


class RotStatus(models.TextChoices):
    UNCHECKED = "", _("not checked again yet")
    UNCHANGED = "unchanged", _("unchanged")
    CHANGED = "changed", _("changed")
    GONE = "gone", _("gone")


class Capture(models.Model):
    """The desk's own copy of a source's page: one per source, replaced by a recapture."""

    source = models.OneToOneField(Source, verbose_name=_("source"), on_delete=models.CASCADE, related_name="capture")
    status = models.CharField(_("status"), max_length=10, choices=CaptureStatus.choices, default=CaptureStatus.PENDING)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=200, blank=True)
    captured_at = models.DateTimeField(_("captured"), null=True, blank=True)
    final_url = models.URLField(_("final URL"), max_length=2000, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    title = models.CharField(_("page title"), max_length=500, blank=True)
    text = models.TextField(_("main text"), blank=True)
    excerpt_found = models.BooleanField(_("excerpt found"), null=True, blank=True)
    closest_passage = models.TextField(_("closest passage"), blank=True)
    error = models.TextField(_("why it could not be captured"), blank=True)
    warc_name = models.CharField(_("WARC file"), max_length=300, blank=True)
    rot_status = models.CharField(_("link check"), max_length=10, choices=RotStatus.choices, default=RotStatus.UNCHECKED, blank=True)
    rechecked_at = models.DateTimeField(_("checked again"), null=True, blank=True)

    class Meta:
        verbose_name = _("capture")
        verbose_name_plural = _("captures")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CaptureStatus.values), name="capture_status_valid"),
            models.CheckConstraint(condition=Q(rot_status__in=RotStatus.values), name="capture_rot_status_valid"),
            models.CheckConstraint(condition=~Q(status="captured") | Q(captured_at__isnull=False), name="capture_captured_has_time"),
            models.CheckConstraint(condition=~Q(status="failed") | ~Q(error=""), name="capture_failed_has_reason"),
        ]
        indexes = [models.Index(fields=["rot_status"], name="capture_rot_status_idx")]

    def __str__(self):
        return f"{self.source_id}: {self.status}"


class SourceCheck(models.Model):
    """One re-fetch of a published source by `recheck_sources` (append-only history)."""

    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.CASCADE, related_name="checks")
    checked_at = models.DateTimeField(_("checked"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=[c for c in RotStatus.choices if c[0]])
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    excerpt_found = models.BooleanField(_("excerpt found"), null=True, blank=True)
    similarity = models.FloatField(_("text similarity"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("source check")
        verbose_name_plural = _("source checks")
        constraints = [models.CheckConstraint(condition=Q(outcome__in=["unchanged", "changed", "gone"]), name="sourcecheck_outcome_valid")]

    def __str__(self):
        return f"{self.source_id} {self.checked_at:%Y-%m-%d}: {self.outcome}"
