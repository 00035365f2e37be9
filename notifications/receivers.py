"""The workflow's history rows become notifications.

Every change in claims/workflow.py writes a ClaimEvent (publishing writes a
Publication), so listening to those rows needs no hook inside the workflow and
sees every path: the pages, the API, the bulk actions. The request only queues
one task per such row; the worker (manage.py db_worker) writes the notifications.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from claims.models import ClaimEvent, EventKind, Publication

from .models import Kind
from .notify import mentioned_members, mentioned_names, notify


@receiver(post_save, sender=ClaimEvent, dispatch_uid="notifications.claim_event")
def claim_event_saved(sender, instance, created, raw=False, **kwargs):
    """Queue the notifications of an event that tells somebody something, in the event's own transaction.

    The request writes one task row, whatever the number of people (a note that mentions twenty writes
    no more than a note that mentions one); the worker writes their rows and queues their mails. The task
    row commits, or rolls back, with the event, so no notification is lost and none is made for a change
    that did not happen."""
    if not created or raw or notification_kind(instance) is None:
        return
    from .tasks import notify_event

    notify_event.enqueue(instance.pk)


def notification_kind(event):
    """The kind of notification a history row makes, or None (decided without a query)."""
    if event.kind == EventKind.ASSIGN and (event.changes.get("assignee") or [None, None])[1]:
        return Kind.ASSIGNED
    if event.kind == EventKind.TRANSITION and event.action == "return":
        return Kind.RETURNED
    if event.kind == EventKind.TRANSITION and event.action == "approve":
        return Kind.APPROVED
    if event.kind == EventKind.NOTE and mentioned_names(event.comment):
        return Kind.MENTION
    return None


def notifications_for_event(event):
    """Write the notifications of one history row (the worker calls this); returns the rows written."""
    claim, kind = event.claim, notification_kind(event)
    if kind == Kind.ASSIGNED:
        assignee = get_user_model().objects.filter(username=event.changes["assignee"][1]).first()
        return notify([assignee], kind, event.at, actor=event.actor, claim=claim)
    if kind == Kind.RETURNED:
        return notify(_researchers(claim), kind, event.at, actor=event.actor, claim=claim, comment=event.comment)
    if kind == Kind.APPROVED:
        return notify(_researchers(claim, submitter_only=True), kind, event.at, actor=event.actor, claim=claim)
    if kind == Kind.MENTION:
        return notify(mentioned_members(event.comment), kind, event.at, actor=event.actor, claim=claim, comment=event.comment)
    return []


def _researchers(claim, submitter_only=False):
    """Whose work it is: who submitted the verdict, and the assignee."""
    ids = {claim.submitted_by_id} if submitter_only else {claim.submitted_by_id, claim.assignee_id}
    ids.discard(None)
    return list(get_user_model().objects.filter(pk__in=ids)) if ids else []


@receiver(post_save, sender=Publication, dispatch_uid="notifications.publication")
def publication_saved(sender, instance, created, raw=False, **kwargs):
    """Publishing moves claims with a bulk update, so the Publication row is the moment to listen to."""
    if not created or raw:
        return
    from .tasks import notify_publication

    notify_publication.enqueue(instance.pk)


def notifications_for_publication(publication):
    """Each person whose verdicts went out hears once, with their claims listed."""
    from claims.models import Claim

    published = Claim.objects.filter(
        essay_id=publication.essay_id, events__action="publish", events__at=publication.published_at, submitted_by__isnull=False
    ).select_related("submitted_by", "essay")
    by_person = {}
    for claim in published:
        by_person.setdefault(claim.submitted_by, []).append(claim)
    rows = []
    for person, claims in by_person.items():
        items = [{"claim": c.pk, "quote": c.quote[:200]} for c in claims]
        rows += notify(
            [person], Kind.PUBLISHED, publication.published_at, actor=publication.published_by, essay=publication.essay, items=items
        )
    return rows
