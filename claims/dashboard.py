"""The desk's lists: the editors' dashboard, the reviewer's queue and the bulk actions.

Queries per page, whatever the number of claims: the session and the user
(with their permissions), the essays and the desk members (filter choices),
the counts per status, per essay and per verdict (one statement unfiltered,
two when filtered; their totals also give the paginator its count, so nothing
is counted twice), the ids of the page, and the rows of the page.
Fetching the page's ids first and the rows second (a deferred join) keeps deep
pages cheap: the database skips OFFSET rows of ids only, never joined rows."""

import csv
from dataclasses import dataclass, field
from functools import lru_cache

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, Case, Count, F, Func, IntegerField, OuterRef, Q, Subquery, Value, When
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin
from django_tables2.data import TableQuerysetData
from django_tables2.export import ExportMixin

from . import workflow
from .charts import bar_chart, progress_bar
from .filters import ClaimFilter, FastSelect, MyQueueFilter, statuses_for
from .models import OPEN_STATUSES, Claim, Essay, Priority, Status, Verdict
from .roles import is_editor, is_reviewer
from .tables import EXPORT_COLUMNS, ClaimTable

PER_PAGE = 50
STATUSES = tuple(Status.values)
VERDICTS = tuple(Verdict.values)
MAX_PER_PAGE = 200
MAX_BULK = 500
PROGRESS_SHOWN = 8
# Checked: a verdict an editor approved (and perhaps published).
CHECKED_STATUSES = (Status.APPROVED, Status.PUBLISHED)
VERDICT_FILLS = {
    Verdict.TRUE: "#1a7f37",
    Verdict.MOSTLY_TRUE: "#5a9e2f",
    Verdict.MIXED: "#b58100",
    Verdict.MOSTLY_FALSE: "#c4511a",
    Verdict.FALSE: "#b42318",
    Verdict.MISLEADING: "#7b3fa0",
    Verdict.UNVERIFIABLE: "#5a6272",
}
# What a row of the table reads; its essay comes from the essays the page has already loaded.
ROW_FIELDS = (
    "id", "version", "essay_id", "quote", "claim_type", "status", "verdict",
    "assignee_id", "assignee__username", "priority", "due", "updated_at",
)  # fmt: skip
CSV_FORMULA_STARTS = frozenset("=+-@\t\r")
# Export columns that hold what people typed or imported.
FREE_TEXT_COLUMNS = {"essay", "quote", "normalized", "speaker", "assignee"}


def desk_members():
    """Active people who may research claims: the choices for assignee."""
    can_research = Q(groups__permissions__codename="research_claim") | Q(user_permissions__codename="research_claim")
    return list(
        get_user_model()
        .objects.filter(Q(is_superuser=True) | can_research, is_active=True)
        .distinct()
        .order_by("username")
        .only("id", "username")
    )


def with_overdue(queryset, today):
    return queryset.annotate(
        is_overdue=Case(
            When(Q(due__lt=today, status__in=OPEN_STATUSES), then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


@dataclass
class EssayProgress:
    essay: Essay
    checked: int
    checkworthy: int
    remaining: int
    bar: str = ""


@dataclass
class Summary:
    """Everything above the table."""

    status_counts: dict = field(default_factory=dict)
    verdict_counts: dict = field(default_factory=dict)
    progress: list = field(default_factory=list)

    def total(self, statuses):
        return sum(self.status_counts.get(status, 0) for status in statuses)


# Above this many essays the whole-desk counts are one GROUP BY rather than a subquery per essay and status.
SUBQUERY_ESSAYS = 200


def summarize(queryset, essays_by_id):
    """Counts per status, progress per essay and the verdicts so far.

    Progress of an essay = checked claims (approved or published) out of its
    check-worthy claims (every claim not dismissed: dismissing is how an
    editor says a claim is not worth checking).

    With no filter (the dashboard's default view) one statement counts every
    essay's claims per status and every verdict with COUNT(*) subqueries that
    each read a narrow range of the (status, essay) or verdict index; with
    filters, a GROUP BY status, essay and a GROUP BY verdict over the filtered
    claims. Either way the number of queries does not grow with the claims.
    """
    queryset = queryset.order_by()
    if not queryset.query.has_filters() and len(essays_by_id) <= SUBQUERY_ESSAYS:
        per_essay, verdicts = _whole_desk_counts()
    else:
        per_essay, verdicts = _filtered_counts(queryset)
    summary = Summary(status_counts=dict.fromkeys(STATUSES, 0), verdict_counts=dict.fromkeys(VERDICTS, 0))
    for counts in per_essay.values():
        for status, count in counts.items():
            summary.status_counts[status] += count
    for verdict, count in verdicts.items():
        summary.verdict_counts[verdict] += count
    order = {essay_id: index for index, essay_id in enumerate(essays_by_id)}
    for essay_id, counts in per_essay.items():
        essay = essays_by_id.get(essay_id)
        if essay is not None and any(counts.values()):
            checked = counts[Status.APPROVED] + counts[Status.PUBLISHED]
            checkworthy = sum(counts.values()) - counts[Status.DISMISSED]
            summary.progress.append(EssayProgress(essay, checked, checkworthy, remaining=sum(counts[s] for s in OPEN_STATUSES)))
    # Most open work first; an essay whose work is done sinks to the bottom.
    summary.progress.sort(key=lambda p: (-p.remaining, order[p.essay.pk]))
    return summary


def _filtered_counts(queryset):
    """{essay_id: {status: n}} and {verdict: n} for a filtered set of claims, in two grouped queries."""
    per_essay = {}
    for row in queryset.values("status", "essay_id").annotate(n=Count("*")):
        counts = per_essay.setdefault(row["essay_id"], dict.fromkeys(STATUSES, 0))
        if row["status"] in counts:
            counts[row["status"]] += row["n"]
    # "<> ''" rather than "> ''": the planner may start from the filtered rows
    # (with "> ''" SQLite walks the verdict index and looks up every row).
    verdicts = {row["verdict"]: row["n"] for row in queryset.exclude(verdict="").values("verdict").annotate(n=Count("*"))}
    return per_essay, {verdict: n for verdict, n in verdicts.items() if verdict in VERDICTS}


def _count(queryset):
    """SELECT COUNT(*) of a queryset, as a subquery (no GROUP BY: each reads one index range)."""
    return Subquery(queryset.order_by().annotate(n=Func(Value(1), function="COUNT", output_field=IntegerField())).values("n"))


@lru_cache(maxsize=4)
def _whole_desk_counts_sql(vendor):
    """The statement of _whole_desk_counts, compiled once per database engine (13 subqueries cost the ORM more than the database)."""
    counts = {f"s_{status}": _count(Claim.objects.filter(essay=OuterRef("pk"), status=status)) for status in STATUSES}
    counts |= {f"v_{verdict}": _count(Claim.objects.filter(verdict=verdict)) for verdict in VERDICTS}
    return Essay.objects.order_by().values("pk").annotate(**counts).query.sql_with_params()


def _whole_desk_counts():
    """{essay_id: {status: n}} and {verdict: n} for every claim, in one statement."""
    sql, params = _whole_desk_counts_sql(connection.vendor)
    per_essay, verdicts = {}, dict.fromkeys(VERDICTS, 0)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            per_essay[row["pk"]] = {status: row[f"s_{status}"] for status in STATUSES}
            verdicts = {verdict: row[f"v_{verdict}"] for verdict in VERDICTS}
    return per_essay, verdicts


class DeferredJoinData(TableQuerysetData):
    """Table data that knows its length and fetches a page as ids first, then rows."""

    def __init__(self, data, count, rows, essays):
        super().__init__(data)
        self._length = count
        self.rows = rows  # a queryset with the joins a row needs, unordered
        self.essays = essays  # every essay by id, already loaded for the filters

    def __len__(self):
        return self._length

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return super().__getitem__(key)
        ids = list(self.data.values_list("pk", flat=True)[key])
        if not ids:
            return []
        by_id = {claim.pk: claim for claim in self.rows.filter(pk__in=ids)}
        page = [by_id[pk] for pk in ids if pk in by_id]
        for claim in page:
            if claim.essay_id in self.essays:
                claim.essay = self.essays[claim.essay_id]
        return page


class CappedPaginator(Paginator):
    """A page size from the query string stays between 1 and MAX_PER_PAGE."""

    def __init__(self, object_list, per_page, *args, **kwargs):
        try:
            per_page = int(per_page)
        except (TypeError, ValueError):
            per_page = PER_PAGE
        super().__init__(object_list, max(1, min(per_page, MAX_PER_PAGE)), *args, **kwargs)


class Echo:
    """csv.writer writes into this and gets the line back, so rows can be streamed."""

    def write(self, value):
        return value


class DashboardView(LoginRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    table_class = ClaimTable
    filterset_class = ClaimFilter
    template_name = "claims/dashboard.html"
    export_name = "claims"
    table_pagination = {"per_page": PER_PAGE, "paginator_class": CappedPaginator}
    remember_key = "dashboard.query"
    # Query-string keys worth remembering: the filters and the sort, never the page.
    remembered_extra = ("sort", "per_page")
    default_ordering = ("-updated_at", "-id")
    bulk = True  # editors get a checkbox per row and the bulk form
    show_every_status = True  # an "every status" chip (the queue shows open work only)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_reviewer(request.user):
            raise PermissionDenied(_("The dashboard is for the desk's reviewers and editors."))
        return super().dispatch(request, *args, **kwargs)

    # Data.
    def base_queryset(self):
        return Claim.objects.all()

    def get_ordering(self):
        return self.default_ordering

    def get_queryset(self):
        # The essay of each row comes from the essays the page loads anyway, not from a join.
        queryset = self.base_queryset().select_related("assignee").only(*ROW_FIELDS)
        return with_overdue(queryset, self.today).order_by(*self.get_ordering())

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        # Always bound: no query string means the defaults (open work), not "no filtering".
        kwargs["data"] = self.request.GET
        kwargs["essays"] = self.essays
        kwargs["members"] = self.members
        return kwargs

    def get_table_data(self):
        rows = self.get_queryset().order_by()
        count = self.summary.total(statuses_for(self.filterset.status_value))
        return DeferredJoinData(self.object_list, count, rows, essays={essay.pk: essay for essay in self.essays})

    def get_table_kwargs(self):
        kwargs = {"base_url": self.request.build_absolute_uri("/").rstrip("/")}
        if not (self.bulk and is_editor(self.request.user)):
            kwargs["exclude"] = ("select",)
        return kwargs

    # The request.
    def get(self, request, *args, **kwargs):
        remembered = self.remember(request)
        if remembered is not None:
            return remembered
        self.today = timezone.localdate()
        self.essays = list(Essay.objects.only("id", "title", "slug").order_by("-imported_at", "-id"))
        self.members = desk_members()
        self.filterset = self.get_filterset(self.get_filterset_class())
        valid = self.filterset.is_valid()
        if valid:
            self.remember_filters(request)
        export = request.GET.get(self.export_trigger_param)
        if export is not None:
            if export != "csv":
                return HttpResponseBadRequest(_("Only CSV export is available (?_export=csv)."))
            return self.export_csv(self.filterset.qs if valid else self.filterset.queryset.none())
        self.object_list = self.filterset.qs if valid else self.filterset.queryset.none()
        summary_queryset = self.filterset.filter_queryset_except_status(self.base_queryset()) if valid else Claim.objects.none()
        self.summary = summarize(summary_queryset, {essay.pk: essay for essay in self.essays})
        context = self.get_context_data(filter=self.filterset, object_list=self.object_list)
        return self.render_to_response(context)

    def remember(self, request):
        """Open where the user left: without a query string, go back to the last filters."""
        session = request.session
        if "clear" in request.GET:
            session.pop(self.remember_key, None)
            return redirect(request.path)
        if not request.GET:
            saved = session.get(self.remember_key)
            return redirect(f"{request.path}?{saved}") if saved else None
        return None

    def remember_filters(self, request):
        """Keep the filters and the sort of a page that could use them (in the session: no migration needed)."""
        session = request.session
        if self.export_trigger_param in request.GET:
            return
        keep = set(self.get_filterset_class().base_filters) | set(self.remembered_extra)
        pairs = [(key, value) for key, values in request.GET.lists() if key in keep for value in values if value]
        query = urlencode(pairs)
        if len(query) > 2000:
            return
        if query and session.get(self.remember_key) != query:
            session[self.remember_key] = query
        elif not query and self.remember_key in session:
            del session[self.remember_key]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        summary = self.summary
        status_value = self.filterset.status_value
        chips = [
            {
                "value": "",
                "label": _("Open work"),
                "count": summary.total(OPEN_STATUSES),
                "current": status_value == "",
                "class": "all-open",
            },
            *(
                {
                    "value": s.value,
                    "label": s.label,
                    "count": summary.status_counts[s.value],
                    "current": status_value == s.value,
                    "class": f"status-{s.value}",
                }
                for s in self.chip_statuses()
            ),
        ]
        if self.show_every_status:
            chips.append(
                {
                    "value": "all",
                    "label": _("Every status"),
                    "count": sum(summary.status_counts.values()),
                    "current": status_value == "all",
                    "class": "all",
                }
            )
        shown = summary.progress[:PROGRESS_SHOWN]
        more = summary.progress[PROGRESS_SHOWN:]
        for item in summary.progress:
            item.bar = progress_bar(item.checked, item.checkworthy, label=item.essay.title)
        verdicts = [(label, summary.verdict_counts[value], VERDICT_FILLS[value]) for value, label in Verdict.choices]
        context.update(
            {
                "filter": self.filterset,
                "status_chips": chips,
                "progress": shown,
                "progress_more": more,
                "verdict_chart": bar_chart(verdicts, title=_("Verdicts so far")),
                "verdicts_total": sum(summary.verdict_counts.values()),
                "has_essays": bool(self.essays),
                "desk_is_empty": not self.filterset.is_filtered and not any(summary.status_counts.values()),
                "is_filtered": self.filterset.is_filtered,
                "bulk_form": BulkActionForm(members=self.members) if self.bulk and is_editor(self.request.user) else None,
                "today": self.today,
                "per_page_choices": sorted({25, 50, 100, 200, context["table"].paginator.per_page}),
            }
        )
        return context

    def chip_statuses(self):
        return list(Status)

    # Export.
    def export_csv(self, queryset):
        """The whole filtered set as CSV, streamed: plain values, translated headers, the table's order.

        Not ExportMixin.create_export: django-tables2 renders every cell of every
        row into a tablib Dataset in memory first (bench/dashboard.py --tablib:
        minutes for 76,000 rows, against about 2 s streamed here).
        """
        table = self.get_table_class()(data=queryset, **self.get_table_kwargs())
        RequestConfig(self.request, paginate=False).configure(table)
        queryset = table.data.data
        columns = [table.columns[name] for name in EXPORT_COLUMNS]
        paths = [column.accessor.replace(".", "__") for column in columns]
        converters = [_exported(getattr(table, f"value_{column.name}", None), column.name in FREE_TEXT_COLUMNS) for column in columns]
        headers = [capfirst(str(column.verbose_name)) for column in columns]

        def lines():
            writer = csv.writer(Echo())
            # A byte-order mark so that spreadsheet programs read the Chinese text as UTF-8.
            yield "\ufeff" + writer.writerow(headers)
            batch = []
            for values in queryset.values_list(*paths).iterator(chunk_size=2000):
                batch.append(writer.writerow([convert(value) for convert, value in zip(converters, values, strict=True)]))
                if len(batch) == 500:
                    yield "".join(batch)
                    batch = []
            if batch:
                yield "".join(batch)

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.export_name}-{self.today.isoformat()}.csv"'
        return response


def _exported(value_of, free_text):
    """The function that turns a database value into a CSV cell."""
    if not free_text:
        return value_of or _blank_none
    if value_of is None:
        return _no_formula
    return lambda value: _no_formula(value_of(value))


def _blank_none(value):
    return "" if value is None else value


def _no_formula(value):
    """Free text as is, except that a spreadsheet never reads it as a formula."""
    if not value:
        return ""
    return "'" + value if value[0] in CSV_FORMULA_STARTS else value


class MyQueueView(DashboardView):
    """The signed-in user's own open claims, soonest due first, then by priority."""

    filterset_class = MyQueueFilter
    template_name = "claims/my_queue.html"
    export_name = "my-claims"
    remember_key = "my_queue.query"
    bulk = False
    show_every_status = False

    def base_queryset(self):
        return Claim.objects.open().assigned_to(self.request.user)

    def get_ordering(self):
        return (F("due").asc(nulls_last=True), "priority", "id")

    def chip_statuses(self):
        return [Status(s) for s in OPEN_STATUSES]


# Bulk actions.

ASSIGN, PRIORITY, DUE, DISMISS = "assign", "priority", "due", "dismiss"
UNASSIGN = "none"


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        widget=FastSelect,
        choices=[
            ("", gettext_lazy("Choose an action…")),
            (ASSIGN, gettext_lazy("Assign to a reviewer")),
            (PRIORITY, gettext_lazy("Set the priority")),
            (DUE, gettext_lazy("Set the due date")),
            (DISMISS, gettext_lazy("Dismiss (not check-worthy)")),
        ],
    )
    assignee = forms.ChoiceField(label=gettext_lazy("Reviewer"), required=False, widget=FastSelect)
    priority = forms.TypedChoiceField(
        label=gettext_lazy("Priority"),
        choices=[("", "—"), *Priority.choices],
        coerce=int,
        required=False,
        empty_value=None,
        widget=FastSelect,
    )
    due = forms.DateField(label=gettext_lazy("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    comment = forms.CharField(
        label=gettext_lazy("Comment (why they are dismissed)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, members=(), **kwargs):
        kwargs.setdefault("auto_id", "bulk_%s")  # the filter form above has fields of the same names
        super().__init__(*args, **kwargs)
        self.members = {str(user.pk): user for user in members}
        self.fields["assignee"].choices = [
            ("", "—"),
            (UNASSIGN, _("Nobody (unassign)")),
            *((pk, user.get_username()) for pk, user in self.members.items()),
        ]
        for name, bound in self.fields.items():
            bound.widget.attrs.setdefault("form", "bulk-form")
            bound.widget.attrs.setdefault("class", f"bulk-{name}")

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == ASSIGN and not data.get("assignee"):
            self.add_error("assignee", _("Choose the reviewer to assign the claims to."))
        if action == PRIORITY and data.get("priority") is None:
            self.add_error("priority", _("Choose the priority."))
        if action == DUE and data.get("due") is None:
            self.add_error("due", _("Choose the due date."))
        if action == DISMISS and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Dismissing needs a comment that says why these claims are not check-worthy."))
        return data

    @property
    def assignee_user(self):
        value = self.cleaned_data.get("assignee")
        return None if value == UNASSIGN else self.members.get(value)


def _parse_selection(values):
    """("12:3", "15") → ({12: 3, 15: None}, ["bad input"]); the version part is optional."""
    chosen, bad = {}, []
    for raw in values:
        pk_text, _sep, version_text = str(raw).partition(":")
        if not pk_text.isdigit() or len(pk_text) > 18 or (version_text and (not version_text.isdigit() or len(version_text) > 9)):
            bad.append(raw)
            continue
        chosen[int(pk_text)] = int(version_text) if version_text else None
    return chosen, bad


def _back(request):
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("dashboard")


def _apply(action, claim, user, form, version):
    if action == ASSIGN:
        return workflow.assign(claim, user, form.assignee_user, version=version)
    if action == PRIORITY:
        return workflow.edit(
            claim, user, {"priority": form.cleaned_data["priority"]}, version=claim.version if version is None else version
        )
    if action == DUE:
        return workflow.edit(claim, user, {"due": form.cleaned_data["due"]}, version=claim.version if version is None else version)
    return workflow.transition(claim, "dismiss", user, comment=form.cleaned_data["comment"], version=version)


@login_required
@require_POST
def bulk_action(request):
    """Apply one action to the selected claims, each through the workflow, and say what happened to each."""
    if not is_editor(request.user):
        raise PermissionDenied(_("Only an editor may act on several claims at once."))
    back = _back(request)
    form = BulkActionForm(request.POST, members=desk_members())
    chosen, bad = _parse_selection(request.POST.getlist("claims"))
    if not form.is_valid():
        problems = " ".join(str(error) for errors in form.errors.values() for error in errors)
        messages.error(request, _("Nothing was changed: %(problems)s") % {"problems": problems})
        return redirect(back)
    if not chosen and not bad:
        messages.error(request, _("Nothing was changed: select at least one claim in the table first."))
        return redirect(back)
    if len(chosen) + len(bad) > MAX_BULK:
        messages.error(request, _("Nothing was changed: select at most %(max)s claims at once.") % {"max": MAX_BULK})
        return redirect(back)
    action = form.cleaned_data["action"]
    claims = {claim.pk: claim for claim in Claim.objects.select_related("assignee").filter(pk__in=list(chosen))}
    done, unchanged, refused = [], [], []
    for pk, version in chosen.items():
        claim = claims.get(pk)
        if claim is None:
            refused.append((pk, _("There is no such claim (it may have been deleted or merged).")))
            continue
        before = claim.version
        try:
            result = _apply(action, claim, request.user, form, version)
        except workflow.WorkflowError as error:
            refused.append((pk, error.message))
            continue
        (done if result.version != before else unchanged).append(pk)
    for raw in bad:
        refused.append((raw, _("This is not a claim number.")))
    _report(request, action, form, done, unchanged, refused)
    return redirect(back)


def _ids(pks):
    return ", ".join(f"#{pk}" for pk in pks)


def _report(request, action, form, done, unchanged, refused):
    if done:
        if action == ASSIGN:
            who = form.assignee_user
            text = (
                ngettext(
                    "Assigned %(count)s claim to %(name)s (%(ids)s); it is now in their queue.",
                    "Assigned %(count)s claims to %(name)s (%(ids)s); they are now in their queue.",
                    len(done),
                )
                % {"count": len(done), "name": who.get_username(), "ids": _ids(done)}
                if who
                else ngettext(
                    "Unassigned %(count)s claim (%(ids)s); anyone on the desk may pick it up.",
                    "Unassigned %(count)s claims (%(ids)s); anyone on the desk may pick them up.",
                    len(done),
                )
                % {"count": len(done), "ids": _ids(done)}
            )
        elif action == PRIORITY:
            text = ngettext(
                "Set the priority of %(count)s claim to %(priority)s (%(ids)s).",
                "Set the priority of %(count)s claims to %(priority)s (%(ids)s).",
                len(done),
            ) % {"count": len(done), "priority": Priority(form.cleaned_data["priority"]).label, "ids": _ids(done)}
        elif action == DUE:
            text = ngettext(
                "Set the due date of %(count)s claim to %(due)s (%(ids)s).",
                "Set the due date of %(count)s claims to %(due)s (%(ids)s).",
                len(done),
            ) % {"count": len(done), "due": form.cleaned_data["due"].isoformat(), "ids": _ids(done)}
        else:
            text = ngettext(
                "Dismissed %(count)s claim (%(ids)s); an editor can reopen it from its page.",
                "Dismissed %(count)s claims (%(ids)s); an editor can reopen them from their pages.",
                len(done),
            ) % {"count": len(done), "ids": _ids(done)}
        messages.success(request, text)
    if unchanged:
        messages.info(
            request,
            ngettext(
                "%(count)s claim already had that value (%(ids)s).", "%(count)s claims already had that value (%(ids)s).", len(unchanged)
            )
            % {"count": len(unchanged), "ids": _ids(unchanged)},
        )
    for pk, reason in refused:
        messages.error(request, _("Claim #%(id)s was not changed: %(reason)s") % {"id": pk, "reason": reason})
    if refused:
        messages.warning(request, _("Reload the dashboard to see the claims as they are now, then try again for those that were refused."))
