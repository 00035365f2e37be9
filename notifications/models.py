"""What the desk tells its people: one row per thing someone should know, kept in the app
whether or not a mail about it ever gets through."""

import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ASSIGNED = "assigned", _("A claim assigned to you")
    RETURNED = "returned", _("Your claim returned to research")
    APPROVED = "approved", _("Your submission approved")
    PUBLISHED = "published", _("Your verdict published")
    MENTION = "mention", _("A note that mentions you")
    DUE = "due", _("Claims due tomorrow or overdue")
    IMPORTED = "imported", _("An essay you imported received its proposals")
    SOURCE_ROT = "source_rot", _("A published claim's source changed or is gone")


class Delivery(models.TextChoices):
    APP = "app", _("In the app only")
    EMAIL = "email", _("Also by email")
    DIGEST = "digest", _("In the daily digest")


class MailState(models.TextChoices):
    NONE = "none", _("No mail")
    PENDING = "pending", _("Mail queued")
    DIGEST = "digest", _("Waiting for the digest")
    SENT = "sent", _("Mail sent")
    FAILED = "failed", _("Mail failed")


# The reminders are a digest by nature: one mail a day, never one per claim.
DEFAULT_DELIVERY = {Kind.DUE: Delivery.DIGEST}


def time_zone_choices():
    return [("", _("The desk's time zone"))] + [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_profile")
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, help_text=_("Empty: the desk's time zone."))
    language = models.CharField(_("language of mails"), max_length=10, blank=True, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return str(self.user)


class Preference(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    delivery = models.CharField(_("delivery"), max_length=8, choices=Delivery.choices, default=Delivery.EMAIL)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_unique_kind"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="preference_kind_valid"),
            models.CheckConstraint(condition=Q(delivery__in=Delivery.values), name="preference_delivery_valid"),
        ]

    def __str__(self):
        return f"{self.user} {self.kind}: {self.delivery}"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def for_user(self, user):
        return self.filter(recipient=user)


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    claim = models.ForeignKey("claims.Claim", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    essay = models.ForeignKey("claims.Essay", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # The editor's comment or the note's text: words that are shown as written, never translated.
    comment = models.TextField(_("comment"), blank=True)
    # For the daily reminder: [{"claim": id, "quote": ..., "due": iso, "overdue": bool}, ...].
    items = models.JSONField(default=list, blank=True)
    # The reminder's day in the desk's time zone: one reminder a person a day.
    day = models.DateField(null=True, blank=True)
    # How many things it is about when `items` lists only the first few (the imported essay's proposals).
    count = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    mail_state = models.CharField(_("mail"), max_length=8, choices=MailState.choices, default=MailState.NONE)
    mail_attempts = models.PositiveSmallIntegerField(default=0)
    mailed_at = models.DateTimeField(null=True, blank=True)
    mail_error = models.CharField(max_length=300, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recipient_new"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
            models.Index(fields=["mail_state"], name="notification_mail_state"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="notification_kind_valid"),
            models.CheckConstraint(condition=Q(mail_state__in=MailState.values), name="notification_mail_state_valid"),
            models.UniqueConstraint(
                fields=["recipient", "kind", "day"], condition=Q(day__isnull=False), name="notification_one_reminder_a_day"
            ),
        ]

    def __str__(self):
        return f"{self.recipient} {self.kind} #{self.pk}"

    def get_absolute_url(self):
        if self.claim_id:
            return reverse("claim", args=[self.claim_id])
        if self.essay_id:
            return reverse("essay", args=[self.essay.slug])
        return reverse("notifications")

    @property
    def is_read(self):
        return self.read_at is not None
