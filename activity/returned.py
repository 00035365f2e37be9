"""Returned work: the editor's latest return comment, shown until the person it went back to acts.

"Acts" means any change of theirs after the return (an edit, a source, a
transition); a note alone does not clear it. My queue reads it with two
subqueries in its one query; the claim page finds it in the history it has
already loaded.
"""

from django.db.models import Exists, OuterRef, Subquery

from claims.models import ClaimEvent, EventKind, Status

RETURN = "return"


def annotate_returned(queryset):
    """Adds returned_at and returned_comment (None unless the claim waits on its assignee after a return)."""
    latest = ClaimEvent.objects.filter(claim=OuterRef("pk"), action=RETURN).order_by("-at", "-id")
    acted = ClaimEvent.objects.filter(claim=OuterRef("pk"), at__gt=OuterRef("returned_at"), actor=OuterRef("assignee_id")).exclude(
        kind=EventKind.NOTE
    )
    return queryset.annotate(
        returned_at=Subquery(latest.values("at")[:1]),
        returned_comment=Subquery(latest.values("comment")[:1]),
        returned_by=Subquery(latest.values("actor__username")[:1]),
        acted_since_return=Exists(acted),
    )


def is_waiting_after_return(claim):
    return getattr(claim, "returned_at", None) is not None and not claim.acted_since_return and claim.status == Status.RESEARCHING


def return_banner(claim, events):
    """The latest return event while nobody it went back to has acted since, else None. `events` oldest first."""
    if claim.status != Status.RESEARCHING:
        return None
    latest = None
    for event in events:
        if event.kind == EventKind.TRANSITION and event.action == RETURN:
            latest = event
        elif latest is not None and event.kind != EventKind.NOTE and event.actor_id is not None and event.actor_id != latest.actor_id:
            if event.actor_id in (claim.assignee_id, claim.submitted_by_id):
                latest = None
    return latest
