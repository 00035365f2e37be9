"""Background work of notifications: the request only queues; a worker (manage.py db_worker) writes the
notifications of an event and sends the mails.

A refused, timed-out or dropped connection marks the notification failed and
queues a retry with a growing pause; the notification stays in the app whatever
happens to the mail.
"""

import datetime as dt
import logging
import smtplib
import socket

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from .mail import build_message, open_connection
from .models import Kind, MailState, Notification

log = logging.getLogger("claims.notifications")

MAX_ATTEMPTS = 5
# Minutes to wait before attempt 2, 3, 4, 5.
BACKOFF_MINUTES = [1, 5, 30, 120]
MAIL_ERRORS = (smtplib.SMTPException, OSError, socket.timeout)


@task()
def notify_event(event_id):
    """The notifications of one history row (queued by receivers.claim_event_saved). Run twice, it writes them once."""
    from claims.models import ClaimEvent

    from .receivers import notification_kind, notifications_for_event

    event = ClaimEvent.objects.select_related("claim__essay", "actor").filter(pk=event_id).first()
    if event is None:
        return 0
    with transaction.atomic():
        done = Notification.objects.filter(
            claim_id=event.claim_id, kind=notification_kind(event), created_at=event.at, actor_id=event.actor_id
        )
        if done.exists():
            return 0  # already written by an earlier run of this task
        return len(notifications_for_event(event))


@task()
def notify_publication(publication_id):
    """The PUBLISHED notifications of one publication (queued by receivers.publication_saved); once only."""
    from claims.models import Publication

    from .receivers import notifications_for_publication

    publication = Publication.objects.select_related("essay", "published_by").filter(pk=publication_id).first()
    if publication is None:
        return 0
    with transaction.atomic():
        if Notification.objects.filter(kind=Kind.PUBLISHED, essay_id=publication.essay_id, created_at=publication.published_at).exists():
            return 0
        return len(notifications_for_publication(publication))


@task()
def send_mails(ids):
    """Send one mail per pending notification in `ids`."""
    rows = list(
        Notification.objects.filter(pk__in=ids, mail_state__in=[MailState.PENDING, MailState.FAILED])
        .select_related("recipient__desk_profile", "actor", "essay")
        .order_by("id")
    )
    _deliver([[row] for row in rows])
    return len(rows)


@task()
def send_digest(recipient_id, ids):
    """One mail with every notification in `ids` for one person."""
    rows = list(
        Notification.objects.filter(pk__in=ids, recipient_id=recipient_id, mail_state__in=[MailState.PENDING, MailState.FAILED])
        .select_related("recipient__desk_profile", "actor", "essay")
        .order_by("created_at", "id")
    )
    if rows:
        _deliver([rows])
    return len(rows)


def _deliver(batches):
    if not batches:
        return
    connection = None
    for batch in batches:
        try:
            if connection is None:
                connection = open_connection()
                connection.open()
            build_message(batch, connection=connection).send()
        except MAIL_ERRORS as exc:
            _failed(batch, exc)
            # The server may be gone: the next mail opens a fresh connection.
            _close(connection)
            connection = None
            continue
        now = timezone.now()
        Notification.objects.filter(pk__in=[n.pk for n in batch]).update(mail_state=MailState.SENT, mailed_at=now, mail_error="")
        log.info("notifications.mailed", extra={"event": "notifications.mailed", "user": batch[0].recipient.username, "count": len(batch)})
    _close(connection)


def _close(connection):
    if connection is not None:
        try:
            connection.close()
        except MAIL_ERRORS:
            pass


def _failed(batch, exc):
    now = timezone.now()
    attempts = batch[0].mail_attempts + 1
    ids = [n.pk for n in batch]
    error = f"{type(exc).__name__}: {exc}"[:300]
    Notification.objects.filter(pk__in=ids).update(mail_state=MailState.FAILED, mail_attempts=attempts, mail_error=error)
    log.warning(
        "notifications.mail_failed",
        extra={"event": "notifications.mail_failed", "user": batch[0].recipient.username, "attempts": attempts, "error": error},
    )
    if attempts >= MAX_ATTEMPTS:
        return
    run_after = now + dt.timedelta(minutes=BACKOFF_MINUTES[min(attempts - 1, len(BACKOFF_MINUTES) - 1)])
    if len(batch) > 1:
        retry = send_digest.using(run_after=run_after)
        transaction.on_commit(lambda: retry.enqueue(batch[0].recipient_id, ids))
    else:
        retry = send_mails.using(run_after=run_after)
        transaction.on_commit(lambda: retry.enqueue(ids))
