"""Who else has a claim open: the page posts a heartbeat every 20 seconds and gets the others back.

No websockets: a POST that upserts one row and reads the rows seen in the last
PRESENCE_WINDOW seconds. Leaving the page (pagehide) deletes the person's row.
"""

import datetime as dt

from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claims import workflow
from claims.models import Claim

from .models import Presence
from .templatetags.desk_time import zoned_text

HEARTBEAT_SECONDS = 20
# Three missed heartbeats and the person is gone.
PRESENCE_WINDOW = 3 * HEARTBEAT_SECONDS


def _error(message, status):
    return JsonResponse({"detail": message}, status=status)


def others_on(claim_id, user, now):
    rows = (
        Presence.objects.filter(claim_id=claim_id, last_seen__gte=now - dt.timedelta(seconds=PRESENCE_WINDOW))
        .exclude(user=user)
        .filter(user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    )
    return [
        {"username": row.user.get_username(), "last_seen": row.last_seen.isoformat(), "seen": zoned_text(row.last_seen)} for row in rows
    ]


@require_POST
def heartbeat(request, pk):
    if not request.user.is_authenticated:
        return _error(_("Sign in to see who else has this claim open."), 401)
    if workflow.refused("view", request.user) is not None:
        return _error(_("Only members of the desk may open claims."), 403)
    if not Claim.objects.filter(pk=pk).exists():
        return _error(_("No claim #%(id)s.") % {"id": pk}, 404)
    now = timezone.now()
    if request.POST.get("leave") == "1":
        Presence.objects.filter(claim_id=pk, user=request.user).delete()
        return JsonResponse({"others": []})
    Presence.objects.update_or_create(claim_id=pk, user=request.user, defaults={"last_seen": now})
    # Rows nobody refreshed for a day are of no use to anyone.
    Presence.objects.filter(claim_id=pk, last_seen__lt=now - dt.timedelta(days=1)).delete()
    return JsonResponse({"others": others_on(pk, request.user, now), "interval": HEARTBEAT_SECONDS})
