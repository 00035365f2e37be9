"""The desk's lists: the editors' dashboard and the reviewer's queue, their counts and their CSV export.

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

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, Case, Count, F, Func, IntegerField, OuterRef, Q, Subquery, Value, When
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin
from django_tables2.data import TableQuerysetData
from django_tables2.export import ExportMixin

from . import workflow
from .charts import bar_chart, progress_bar
from .filters import ClaimFilter, MyQueueFilter, statuses_for
from .forms import BulkActionForm
from .models import OPEN_STATUSES, Claim, Essay, Status, Verdict
from .roles import desk_members
from .tables import EXPORT_COLUMNS, ClaimTable

PER_PAGE = 50
STATUSES = tuple(Status.values)
VERDICTS = tuple(Verdict.values)
MAX_PER_PAGE = 200
PROGRESS_SHOWN = 8
# Checked: a verdict an editor approved (and perhaps published).
CHECKED_STATUSES = (Status.APPROVED, Status.PUBLISHED)
# What a row of the table reads; its essay comes from the essays the page has already loaded.
ROW_FIELDS = (
    "id", "version", "essay_id", "quote", "claim_type", "status", "verdict",
    "assignee_id", "assignee__username", "priority", "due", "updated_at",
)  # fmt: skip
CSV_FORMULA_STARTS = frozenset("=+-@\t\r")
# What a spreadsheet may also read as the start of a formula: the full-width and small forms of = + - @.
CSV_FORMULA_LOOKALIKES = frozenset("\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b")
# What a spreadsheet may skip before a formula character: zero-width and direction marks, the BOM (white space is str.isspace).
CSV_INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u00ad\u034f\u061c"
                          "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")  # fmt: skip
# Export columns that hold what people typed or imported.
FREE_TEXT_COLUMNS = {"essay", "quote", "normalized", "speaker", "assignee"}


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
        error = workflow.refused("view", request.user) if request.user.is_authenticated else None
        if error is not None:
            raise PermissionDenied(error.message)
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
        if not (self.bulk and workflow.may("bulk", self.request.user)):
            kwargs["exclude"] = ("select",)
        return kwargs

    # The request.
    def get(self, request, *args, **kwargs):
        remembered = self.remember(request)
        if remembered is not None:
            return remembered
        self.today = timezone.localdate()
        self.essays = list(Essay.objects.only("id", "title", "slug").order_by("-imported_at", "-id"))
        self.members = list(desk_members().only("id", "username"))
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
        verdicts = [(label, summary.verdict_counts[value], f"verdict-{value}") for value, label in Verdict.choices]
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
                "bulk_form": BulkActionForm(members=self.members) if self.bulk and workflow.may("bulk", self.request.user) else None,
                "today": self.today,
                "link_rot_count": self.link_rot_count(),
                "per_page_choices": sorted({25, 50, 100, 200, context["table"].paginator.per_page}),
            }
        )
        return context

    def chip_statuses(self):
        return list(Status)

    def link_rot_count(self):
        """Published claims with a source changed or gone (evidence app), for those who may reopen them: editors."""
        if "link_rot" not in self.filterset.filters or not workflow.may("reopen", self.request.user):
            return None
        from evidence.recheck import rotten_claims

        return rotten_claims().count()

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
    return "'" + value if _starts_a_formula(value) else value


def _starts_a_formula(value):
    """The first character a spreadsheet would act on is a formula character (or its full-width form),
    once white space, zero-width characters and a BOM before it are skipped."""
    if value[0] in CSV_FORMULA_STARTS:
        return True
    for char in value:
        if char in CSV_FORMULA_STARTS or char in CSV_FORMULA_LOOKALIKES:
            return True
        if not (char.isspace() or char in CSV_INVISIBLE):
            return False
    return False


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

    def get_queryset(self):
        # Returned claims are marked with the editor's latest comment: two subqueries in the rows' one query.
        from activity.returned import annotate_returned

        return annotate_returned(super().get_queryset())

    def get_ordering(self):
        return (F("due").asc(nulls_last=True), "priority", "id")

    def chip_statuses(self):
        return [Status(s) for s in OPEN_STATUSES]
