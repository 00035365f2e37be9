"""Making notifications: who hears about what, and whether a mail goes out.

A change that tells somebody something queues one task in its own transaction
(receivers.py), so nothing is lost and the request pays one row whatever the
number of people; the worker writes a row per person here and queues the mails
(after its commit), which another task sends: never inside the request.
"""

import re

from django.db import transaction

from claims.roles import desk_members

from .models import DEFAULT_DELIVERY, Delivery, Kind, MailState, Notification, Preference

# @username as Django allows it (letters, digits and @.+-_), not inside a word or an e-mail address.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.+-]+[\w+-]|[\w])", re.UNICODE)


def mentioned_names(text):
    return list(dict.fromkeys(MENTION.findall(text or "")))


def mentioned_members(text):
    names = mentioned_names(text)
    if not names:
        return []
    return list(desk_members().filter(username__in=names))


def deliveries(users, kind):
    """{user id: Delivery} from the people's choices, with the default for the kind."""
    chosen = dict(Preference.objects.filter(user__in=[u.pk for u in users], kind=kind).values_list("user_id", "delivery"))
    default = DEFAULT_DELIVERY.get(kind, Delivery.EMAIL)
    return {u.pk: chosen.get(u.pk, default) for u in users}


def _mail_state(user, delivery):
    if not user.email or delivery == Delivery.APP:
        return MailState.NONE
    return MailState.DIGEST if delivery == Delivery.DIGEST else MailState.PENDING


def notify(recipients, kind, now, actor=None, claim=None, essay=None, comment="", items=None, day=None, count=None):
    """One notification per recipient (never the actor); returns the rows written."""
    people = {u.pk: u for u in recipients if u is not None and u.is_active and (actor is None or u.pk != actor.pk)}
    if not people:
        return []
    chosen = deliveries(list(people.values()), kind)
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=kind,
                actor=actor,
                claim=claim,
                essay=essay if essay is not None else (claim.essay if claim is not None else None),
                comment=comment,
                items=items or [],
                day=day,
                count=count,
                created_at=now,
                mail_state=_mail_state(user, chosen[user.pk]),
            )
            for user in people.values()
        ]
    )
    queue_mails([row.pk for row in rows if row.mail_state == MailState.PENDING])
    return rows


def queue_mails(ids):
    if not ids:
        return
    from .tasks import send_mails

    # One task for the lot: the request pays one row in the queue whatever the number of people.
    transaction.on_commit(lambda: send_mails.enqueue(list(ids)))


__all__ = ["Kind", "notify", "mentioned_members", "desk_members", "essay_proposals_ready"]


# The proposals an import notification lists (the highest scores); the headline gives the total.
IMPORTED_LISTED = 10


def essay_proposals_ready(essay, user, now=None):
    """Tell `user` (who imported `essay`) that its proposed claims are ready: for the background import.

    Call it once the proposals are stored (inside the import's transaction is
    best: the row then exists exactly when the claims do). It writes one
    IMPORTED notification, in the app and by mail if the person chose so, and
    returns the rows written ([] for no user or an inactive one).
    """
    from django.utils import timezone

    from claims.models import Claim

    if user is None:
        return []
    claims = Claim.objects.filter(essay=essay)
    top = list(claims.order_by("-score", "start", "id").values("id", "quote")[:IMPORTED_LISTED])
    items = [{"claim": row["id"], "quote": row["quote"][:200]} for row in top]
    return notify([user], Kind.IMPORTED, now or timezone.now(), essay=essay, items=items, count=claims.count())
