"""The words of a notification, in whatever language is active when they are read."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Kind


def headline(notification):
    n = notification
    who = n.actor.get_username() if n.actor_id and n.actor else _("Someone")
    claim = f"#{n.claim_id}" if n.claim_id else ""
    if n.kind == Kind.ASSIGNED:
        return _("%(who)s assigned claim %(claim)s to you.") % {"who": who, "claim": claim}
    if n.kind == Kind.RETURNED:
        return _("%(who)s returned claim %(claim)s to research.") % {"who": who, "claim": claim}
    if n.kind == Kind.APPROVED:
        return _("%(who)s approved your verdict on claim %(claim)s.") % {"who": who, "claim": claim}
    if n.kind == Kind.PUBLISHED:
        count = len(n.items or [])
        return ngettext(
            "%(who)s published your verdict on %(count)s claim.", "%(who)s published your verdicts on %(count)s claims.", count
        ) % {"who": who, "count": count}
    if n.kind == Kind.MENTION:
        return _("%(who)s mentioned you in a note on claim %(claim)s.") % {"who": who, "claim": claim}
    if n.kind == Kind.DUE:
        overdue = sum(1 for item in n.items or [] if item.get("overdue"))
        tomorrow = len(n.items or []) - overdue
        return _("Your claims: %(overdue)s overdue, %(tomorrow)s due tomorrow.") % {"overdue": overdue, "tomorrow": tomorrow}
    if n.kind == Kind.IMPORTED:
        count = n.count if n.count is not None else len(n.items or [])
        return ngettext(
            "The essay you imported received %(count)s proposed claim.", "The essay you imported received %(count)s proposed claims.", count
        ) % {"count": count}
    if n.kind == Kind.SOURCE_ROT:
        count = len(n.items or [])
        return ngettext(
            "Claim %(claim)s: %(count)s source changed or is gone since publication.",
            "Claim %(claim)s: %(count)s sources changed or are gone since publication.",
            count,
        ) % {"claim": claim, "count": count}
    return str(Kind(n.kind).label)
