"""The daily digest: claims due tomorrow or overdue, and what people chose to get as a digest."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims.models import Claim

from .models import Delivery, Kind, MailState, Notification
from .notify import deliveries


def desk_today(now):
    return timezone.localtime(now, zoneinfo.ZoneInfo(settings.DESK_TIME_ZONE)).date()


def send_reminders(now=None):
    """Write today's reminder for each person once and queue the digests; returns (reminders, digests)."""
    from .tasks import send_digest

    now = now or timezone.now()
    today = desk_today(now)
    tomorrow = today + dt.timedelta(days=1)
    by_person = {}
    for claim in (
        Claim.objects.open()
        .filter(assignee__isnull=False, assignee__is_active=True, due__lte=tomorrow)
        .select_related("assignee")
        .order_by("due", "id")
    ):
        by_person.setdefault(claim.assignee, []).append(claim)
    reminders = 0
    for person, claims in by_person.items():
        items = [
            {"claim": c.pk, "quote": c.quote[:200], "due": c.due.isoformat(), "overdue": c.due < today}
            for c in claims
            if c.due < today or c.due == tomorrow
        ]
        if not items:
            continue
        delivery = deliveries([person], Kind.DUE)[person.pk]
        try:
            with transaction.atomic():
                Notification.objects.create(
                    recipient=person,
                    kind=Kind.DUE,
                    items=items,
                    day=today,
                    created_at=now,
                    mail_state=MailState.NONE if delivery == Delivery.APP or not person.email else MailState.DIGEST,
                )
                reminders += 1
        except IntegrityError:
            continue  # today's reminder is already written: run twice a day, mail once
    digests = 0
    waiting = {}
    for recipient_id, pk in Notification.objects.filter(mail_state=MailState.DIGEST).values_list("recipient_id", "id"):
        waiting.setdefault(recipient_id, []).append(pk)
    for recipient_id, ids in waiting.items():
        # Claimed before queueing, so a second run never queues the same mail again.
        if Notification.objects.filter(pk__in=ids, mail_state=MailState.DIGEST).update(mail_state=MailState.PENDING):
            send_digest.enqueue(recipient_id, ids)
            digests += 1
    return reminders, digests
