"""/activity/: every event of the desk, newest first, in two queries whatever its size.

The timeline is one UNION of four tables, each already holding its part:
ClaimEvent (transitions, edits, assignments, sources, notes, splits, merges and
claims added by hand), Essay (imports), EssayEvent (corrections of an essay's
details) and Publication (publications). The
claims an import proposes are one "import" line, not one line per claim.
Each part carries the names the page shows through its joins, so the page is
the COUNT and the page's rows, plus the form's lists of people and essays.
"""

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import CharField, DateTimeField, F, IntegerField, Value
from django.db.models.functions import Cast
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from claims import workflow
from claims.models import ClaimEvent, Essay, EssayEvent, EventKind, Publication
from claims.views import _refused

PAGE_SIZE = 50
IMPORT, ESSAY_EDIT, PUBLICATION = "import", "essay_edit", "publication"
KIND_CHOICES = [(IMPORT, _("Import")), (ESSAY_EDIT, _("Essay corrected")), *EventKind.choices, (PUBLICATION, _("Publication"))]
OWN_TABLES = (IMPORT, ESSAY_EDIT, PUBLICATION)
COLUMNS = (
    "at",
    "kind",
    "action",
    "actor_name",
    "claim_ref",
    "quote",
    "essay_title",
    "essay_slug",
    "pub_number",
    "comment",
    "row_id",
    "rank",
)


class ActivityFilter(forms.Form):
    person = forms.ModelChoiceField(
        label=_("Person"), required=False, queryset=get_user_model().objects.none(), to_field_name="username", empty_label=_("Everyone")
    )
    essay = forms.ModelChoiceField(
        label=_("Essay"), required=False, queryset=Essay.objects.none(), to_field_name="slug", empty_label=_("Every essay")
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Every kind")), *KIND_CHOICES])
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = get_user_model().objects.filter(is_active=True).order_by("username").only("id", "username")
        self.fields["essay"].queryset = Essay.objects.order_by("-imported_at", "-id").only("id", "title", "slug")

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data


def _bounds(since, until):
    """The dates as moments in the active zone: [since 00:00, until+1 00:00)."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(since, dt.time(), tzinfo=zone) if since else None
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=zone) if until else None
    return start, end


def _null_int():
    # Typed, so that PostgreSQL does not read a bare NULL in the UNION's first part as text.
    return Cast(Value(None), IntegerField())


def _text(value):
    return Value(value, output_field=CharField())


def _narrow(queryset, *, person, person_field, essay, essay_field, start, end, at_field):
    """One part of the timeline cut to the person, the essay and the time window the filters ask for."""
    if person is not None:
        queryset = queryset.filter(**{person_field: person})
    if essay is not None:
        queryset = queryset.filter(**{essay_field: essay})
    if start:
        queryset = queryset.filter(**{f"{at_field}__gte": start})
    if end:
        queryset = queryset.filter(**{f"{at_field}__lt": end})
    return queryset


def timeline(person=None, essay=None, kind="", since=None, until=None):
    """The union queryset of every matching event, newest first (values with COLUMNS)."""
    start, end = _bounds(since, until)
    parts = []
    if kind not in OWN_TABLES:
        events = ClaimEvent.objects.exclude(kind=EventKind.CREATED, at=F("claim__essay__imported_at"))
        if kind:
            events = events.filter(kind=kind)
        events = _narrow(
            events, person=person, person_field="actor", essay=essay, essay_field="claim__essay", start=start, end=end, at_field="at"
        )
        parts.append(
            events.values(
                at_=F("at"),
                kind_=Cast("kind", CharField()),
                action_=Cast("action", CharField()),
                actor_name=F("actor__username"),
                claim_ref=F("claim_id"),
                quote=Cast("claim__quote", CharField()),
                essay_title=Cast("claim__essay__title", CharField()),
                essay_slug=Cast("claim__essay__slug", CharField()),
                pub_number=_null_int(),
                comment_=Cast("comment", CharField()),
                row_id=F("id"),
                rank=Value(1, output_field=IntegerField()),
            )
        )
    if kind in ("", IMPORT):
        imports = _narrow(
            Essay.objects.all(),
            person=person,
            person_field="imported_by",
            essay=essay.pk if essay is not None else None,
            essay_field="pk",
            start=start,
            end=end,
            at_field="imported_at",
        )
        parts.append(
            imports.values(
                at_=F("imported_at"),
                kind_=_text(IMPORT),
                action_=_text(""),
                actor_name=F("imported_by__username"),
                claim_ref=_null_int(),
                quote=_text(""),
                essay_title=Cast("title", CharField()),
                essay_slug=Cast("slug", CharField()),
                pub_number=_null_int(),
                comment_=_text(""),
                row_id=F("id"),
                rank=Value(0, output_field=IntegerField()),
            )
        )
    if kind in ("", ESSAY_EDIT):
        edits = _narrow(
            EssayEvent.objects.all(),
            person=person,
            person_field="actor",
            essay=essay,
            essay_field="essay",
            start=start,
            end=end,
            at_field="at",
        )
        parts.append(
            edits.values(
                at_=F("at"),
                kind_=_text(ESSAY_EDIT),
                action_=Cast("action", CharField()),
                actor_name=F("actor__username"),
                claim_ref=_null_int(),
                quote=_text(""),
                essay_title=Cast("essay__title", CharField()),
                essay_slug=Cast("essay__slug", CharField()),
                pub_number=_null_int(),
                comment_=_text(""),
                row_id=F("id"),
                rank=Value(1, output_field=IntegerField()),
            )
        )
    if kind in ("", PUBLICATION):
        publications = _narrow(
            Publication.objects.all(),
            person=person,
            person_field="published_by",
            essay=essay,
            essay_field="essay",
            start=start,
            end=end,
            at_field="published_at",
        )
        parts.append(
            publications.values(
                at_=F("published_at"),
                kind_=_text(PUBLICATION),
                action_=_text(""),
                actor_name=F("published_by__username"),
                claim_ref=_null_int(),
                quote=_text(""),
                essay_title=Cast("essay__title", CharField()),
                essay_slug=Cast("essay__slug", CharField()),
                pub_number=F("number"),
                comment_=_text(""),
                row_id=F("id"),
                rank=Value(2, output_field=IntegerField()),
            )
        )
    for index, part in enumerate(parts):
        parts[index] = part.order_by()
    first, *rest = parts
    combined = first.union(*rest, all=True) if rest else first
    # On a tie (publishing moves the claims at the moment of the publication) the publication comes first.
    return combined.order_by("-at_", "-rank", "-row_id")


def _row(values):
    row = dict(values)
    for key in ("at", "kind", "action", "comment"):
        row[key] = row.pop(f"{key}_")
    if isinstance(row["at"], str):  # SQLite hands back a UNION's datetime as text
        row["at"] = DateTimeField().to_python(row["at"])
    if row["at"] is not None and timezone.is_naive(row["at"]):
        row["at"] = timezone.make_aware(row["at"], dt.UTC)
    row["kind_label"] = dict(KIND_CHOICES).get(row["kind"], row["kind"])
    return row


@login_required
@require_safe
def activity(request):
    if workflow.refused("view", request.user) is not None:
        return _refused(request, _("Only members of the desk (reviewers and editors) may see the desk's activity."))
    form = ActivityFilter(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    data = form.cleaned_data if form.is_bound and valid else {}
    rows = timeline(data.get("person"), data.get("essay"), data.get("kind") or "", data.get("since"), data.get("until"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")) if valid else None
    entries = [_row(values) for values in page.object_list] if page else []
    return render(
        request,
        "activity/activity.html",
        {"form": form, "page": page, "entries": entries, "is_filtered": bool(request.GET.dict().keys() - {"page"})},
        status=200 if valid else 400,
    )


@login_required
def landing(request):
    """Where signing in leads: editors to the dashboard, reviewers to their queue, others home."""
    if workflow.may("bulk", request.user):
        return redirect("dashboard")
    if workflow.may("view", request.user):
        return redirect("my_queue")
    return redirect("home")
