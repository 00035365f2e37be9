"""The notifications page, marking read, the choices per kind and the unsubscribe link."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .mail import read_unsubscribe_token
from .messages import headline
from .models import DEFAULT_DELIVERY, Delivery, Kind, Notification, Preference, Profile, time_zone_choices

PAGE_SIZE = 30


@login_required
def notification_list(request):
    rows = Notification.objects.for_user(request.user).select_related("actor", "essay")
    if request.GET.get("unread") == "1":
        rows = rows.unread()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [{"notification": n, "headline": headline(n)} for n in page.object_list]
    return render(request, "notifications/list.html", {"page": page, "entries": entries, "unread_only": request.GET.get("unread") == "1"})


@login_required
@require_POST
def mark_read(request):
    now = timezone.now()
    rows = Notification.objects.for_user(request.user).unread()
    if request.POST.get("all") != "1":
        ids = [value for value in request.POST.getlist("id") if value.isdigit()]
        if not ids:
            messages.error(request, _("Choose a notification to mark as read."))
            return redirect("notifications")
        rows = rows.filter(pk__in=ids)
    count = rows.update(read_at=now)
    messages.success(request, _("Marked %(count)s as read.") % {"count": count})
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("notifications")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    user = request.user
    profile, _created = Profile.objects.get_or_create(user=user)
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "delivery"))
    zones = {value for value, _label in time_zone_choices()}
    errors = {}
    if request.method == "POST":
        deliveries = {}
        for kind in Kind.values:
            value = request.POST.get(f"kind_{kind}", chosen.get(kind, DEFAULT_DELIVERY.get(kind, Delivery.EMAIL)))
            if value not in Delivery.values:
                errors[kind] = _("Choose one of the offered ways.")
            deliveries[kind] = value
        zone = request.POST.get("time_zone", profile.time_zone)
        if zone not in zones:
            errors["time_zone"] = _("Choose a time zone from the list.")
        language = request.POST.get("language", profile.language)
        from django.conf import settings

        if language not in ["", *[code for code, _name in settings.LANGUAGES]]:
            errors["language"] = _("Choose a language from the list.")
        if not errors:
            for kind, value in deliveries.items():
                Preference.objects.update_or_create(user=user, kind=kind, defaults={"delivery": value})
            profile.time_zone, profile.language = zone, language
            profile.save()
            from activity.timezones import remember

            remember(request, user)
            messages.success(request, _("Your choices are saved."))
            return redirect("notification_settings")
        chosen.update(deliveries)
        profile.time_zone, profile.language = zone, language
    rows = [
        {"kind": kind, "label": label, "value": chosen.get(kind, DEFAULT_DELIVERY.get(kind, Delivery.EMAIL)), "error": errors.get(kind)}
        for kind, label in Kind.choices
    ]
    return render(
        request,
        "notifications/settings.html",
        {
            "rows": rows,
            "deliveries": Delivery.choices,
            "profile": profile,
            "zones": time_zone_choices(),
            "errors": errors,
            "has_email": bool(user.email),
        },
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET asks, POST stops the mails of one kind (mail scanners follow links, they do not post)."""
    found = read_unsubscribe_token(token)
    user = get_user_model().objects.filter(pk=found[0]).first() if found else None
    if user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    kind = found[1]
    if request.method == "POST":
        Preference.objects.update_or_create(user=user, kind=kind, defaults={"delivery": Delivery.APP})
        return render(request, "notifications/unsubscribe.html", {"done": True, "kind": Kind(kind).label})
    return render(request, "notifications/unsubscribe.html", {"kind": Kind(kind).label})


MEMBERS_LIMIT = 8


@login_required
def mention_members(request):
    """GET ?q=ro → the desk members whose username (or name) starts with it, for @-completion."""
    from django.http import JsonResponse

    from claims import workflow

    from .notify import desk_members

    if workflow.refused("view", request.user) is not None:
        return JsonResponse({"detail": _("Only members of the desk may mention people.")}, status=403)
    if request.method != "GET":
        return JsonResponse({"detail": _("Use GET.")}, status=405)
    query = request.GET.get("q", "")
    if len(query) > 150 or any(ch.isspace() for ch in query):
        return JsonResponse({"detail": _("A username has no spaces and at most 150 characters.")}, status=400)
    from django.db.models import Q

    people = desk_members().filter(Q(username__istartswith=query) | Q(first_name__istartswith=query) | Q(last_name__istartswith=query))
    rows = people.order_by("username").values("username", "first_name", "last_name")[:MEMBERS_LIMIT]
    return JsonResponse({"results": [{"username": r["username"], "name": f"{r['first_name']} {r['last_name']}".strip()} for r in rows]})
