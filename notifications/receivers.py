"""The workflow's history rows become notifications.

Every change in claims/workflow.py writes a ClaimEvent (publishing writes a
Publication), so listening to those rows needs no hook inside the workflow and
sees every path: the pages, the API, the bulk actions.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from claims.models import ClaimEvent, EventKind, Publication

from .models import Kind
from .notify import mentioned_members, notify


@receiver(post_save, sender=ClaimEvent, dispatch_uid="notifications.claim_event")
def claim_event_saved(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    event = instance
    claim = event.claim
    if event.kind == EventKind.ASSIGN:
        username = (event.changes.get("assignee") or [None, None])[1]
        if username:
            assignee = get_user_model().objects.filter(username=username).first()
            notify([assignee], Kind.ASSIGNED, event.at, actor=event.actor, claim=claim)
    elif event.kind == EventKind.TRANSITION and event.action == "return":
        people = _researchers(claim)
        notify(people, Kind.RETURNED, event.at, actor=event.actor, claim=claim, comment=event.comment)
    elif event.kind == EventKind.TRANSITION and event.action == "approve":
        notify(_researchers(claim, submitter_only=True), Kind.APPROVED, event.at, actor=event.actor, claim=claim)
    elif event.kind == EventKind.NOTE:
        notify(mentioned_members(event.comment), Kind.MENTION, event.at, actor=event.actor, claim=claim, comment=event.comment)


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
    from claims.models import Claim

    published = Claim.objects.filter(
        essay_id=instance.essay_id, events__action="publish", events__at=instance.published_at, submitted_by__isnull=False
    ).select_related("submitted_by", "essay")
    by_person = {}
    for claim in published:
        by_person.setdefault(claim.submitted_by, []).append(claim)
    for person, claims in by_person.items():
        items = [{"claim": c.pk, "quote": c.quote[:200]} for c in claims]
        notify([person], Kind.PUBLISHED, instance.published_at, actor=instance.published_by, essay=instance.essay, items=items)
