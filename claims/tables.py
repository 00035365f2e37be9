"""The dashboard's table of claims (django-tables2).

`render_<column>` builds the HTML cells with format_html (quotes, titles and
usernames are user input); `value_<column>` gives the plain value for the CSV
export. The value methods take only the raw database value, so the export can
stream `values_list()` rows through them without building model instances.
No TemplateColumn: one template per cell is too slow on a 50-row page.
"""

from functools import lru_cache

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_tables2 import Column, Table

from activity.returned import is_waiting_after_return
from activity.templatetags.desk_time import zone_label, zoned_text

from .charts import truncate_to_width
from .models import Claim, ClaimType, Priority, Status, Verdict

EXCERPT_COLUMNS = 90  # about 45 Chinese characters or 90 Latin ones

# The columns of the CSV export, in order; each is a column of ClaimTable.
EXPORT_COLUMNS = (
    "id", "essay", "quote", "normalized", "claim_type", "speaker", "status", "verdict",
    "assignee", "priority", "due", "overdue", "updated_at", "link",
)  # fmt: skip


@lru_cache(maxsize=8)
def _labels_and_cells(language):
    """Translated labels and the HTML of the cells that depend on nothing but a choice."""
    labels = {
        "status": {key: str(label) for key, label in Status.choices},
        "verdict": {key: str(label) for key, label in Verdict.choices},
        "claim_type": {key: str(label) for key, label in ClaimType.choices},
        "priority": {key: str(label) for key, label in Priority.choices},
        "overdue": gettext("overdue"),
    }
    cells = {
        "status": {key: format_html('<span class="badge status-{}">{}</span>', key, label) for key, label in labels["status"].items()},
        "verdict": {key: format_html('<span class="badge verdict-{}">{}</span>', key, label) for key, label in labels["verdict"].items()}
        | {"": format_html('<span class="muted">{}</span>', gettext("none yet"))},
        "claim_type": {key: conditional_escape(label) for key, label in labels["claim_type"].items()},
        "priority": {key: conditional_escape(label) for key, label in labels["priority"].items()}
        | {Priority.HIGH: format_html('<strong class="priority-high">{}</strong>', labels["priority"][Priority.HIGH])},
        "unassigned": format_html('<span class="muted">{}</span>', gettext("unassigned")),
        "no_due": format_html('<span class="muted">{}</span>', "—"),
    }
    return labels, cells


class SelectColumn(Column):
    """A checkbox per row for the bulk actions, with its own label (never exported)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("accessor", "pk")
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("exclude_from_export", True)
        kwargs.setdefault("empty_values", ())
        super().__init__(**kwargs)

    @property
    def header(self):
        return format_html(
            '<label class="visually-hidden" for="select-page">{}</label><input type="checkbox" id="select-page" class="select-page" hidden>',
            gettext("Select every claim on this page"),
        )


class ClaimTable(Table):
    select = SelectColumn(verbose_name=_("select"))
    quote = Column(verbose_name=_("claim"), order_by=("quote", "id"))
    essay = Column(accessor="essay__title", verbose_name=_("essay"), order_by=("essay__title", "id"))
    claim_type = Column(verbose_name=_("type"), order_by=("claim_type", "id"))
    status = Column(verbose_name=_("status"), order_by=("status", "id"))
    verdict = Column(verbose_name=_("verdict"), order_by=("verdict", "id"), empty_values=())
    assignee = Column(accessor="assignee__username", verbose_name=_("assignee"), empty_values=())
    priority = Column(verbose_name=_("priority"), order_by=("priority", "id"))
    due = Column(verbose_name=_("due"), empty_values=())
    updated_at = Column(verbose_name=_("last change"), order_by=("updated_at", "id"))
    # Only in the export.
    id = Column(verbose_name=_("ID"), visible=False)
    normalized = Column(verbose_name=_("normalized statement"), visible=False, orderable=False)
    speaker = Column(verbose_name=_("speaker"), visible=False, orderable=False)
    overdue = Column(accessor="is_overdue", verbose_name=_("overdue"), visible=False, orderable=False)
    link = Column(accessor="pk", verbose_name=_("link"), visible=False, orderable=False)

    class Meta:
        model = Claim
        fields = ()
        sequence = ("select", "quote", "essay", "claim_type", "status", "verdict", "assignee", "priority", "due", "updated_at", "...")
        template_name = "claims/dashboard_table.html"
        attrs = {"class": "claims-table"}
        empty_text = _("No claim matches these filters.")
        per_page = 50

    def __init__(self, *args, base_url="", **kwargs):
        super().__init__(*args, **kwargs)
        self.base_url = base_url
        # Labels and badges built once per language, not once per cell: a 50-row page has 500 cells.
        self._labels, self._cells = _labels_and_cells(get_language())
        self._unassigned = self._cells["unassigned"]
        self._no_due = self._cells["no_due"]
        self._overdue = str(self._labels["overdue"])
        self._yes = gettext("yes")
        self._tz = timezone.get_current_timezone()
        self._select_label = gettext("Select claim #%(id)s")

    # Ordering with the empty values last on every database.
    def order_assignee(self, queryset, is_descending):
        key = F("assignee__username").desc(nulls_last=True) if is_descending else F("assignee__username").asc(nulls_last=True)
        return queryset.order_by(key, "-id" if is_descending else "id"), True

    def order_due(self, queryset, is_descending):
        key = F("due").desc(nulls_last=True) if is_descending else F("due").asc(nulls_last=True)
        return queryset.order_by(key, "-priority" if is_descending else "priority", "-id" if is_descending else "id"), True

    # HTML cells. Each takes the record only, so that html_rows() can call them directly.
    def html_rows(self):
        """The page's rows as HTML: the render_<column> methods called without django-tables2's
        per-cell dispatch (signature inspection per cell: about 0.5 ms a cell, 250 ms on a 50-row
        page at 100,000 claims on PostgreSQL; bench/dashboard.py misses its bar without this)."""
        columns = list(self.columns)
        # Column names are identifiers from this class, never user input.
        row = "<tr>" + "".join(f'<td class="col-{column.name}">{{}}</td>' for column in columns) + "</tr>"
        renderers = [getattr(self, f"render_{column.name}") for column in columns]
        records = self.page.object_list.data if hasattr(self, "page") else self.data
        return format_html_join("\n", row, ([render(record) for render in renderers] for record in records))

    def render_select(self, record):
        return format_html(
            '<label class="visually-hidden" for="select-{0}">{1}</label>'
            '<input type="checkbox" id="select-{0}" name="claims" value="{0}:{2}" form="bulk-form" class="select-row">',
            record.pk,
            self._select_label % {"id": record.pk},
            record.version,
        )

    def render_quote(self, record):
        cell = format_html(
            '<a href="{}">{}</a> <span class="claim-id">#{}</span>',
            reverse("claim", args=[record.pk]),
            truncate_to_width(record.quote, EXCERPT_COLUMNS),
            record.pk,
        )
        if is_waiting_after_return(record):  # My queue only: the rows carry the latest return (activity/returned.py)
            cell = format_html(
                '{} <span class="badge returned-badge">{}</span><span class="return-comment">{} “{}”</span>',
                cell,
                gettext("returned"),
                gettext("%(name)s:") % {"name": record.returned_by or "—"},
                truncate_to_width(record.returned_comment or "", 160),
            )
        return cell

    def render_essay(self, record):
        return format_html('<a href="{}">{}</a>', reverse("essay", args=[record.essay.slug]), truncate_to_width(record.essay.title, 32))

    def render_claim_type(self, record):
        return self._cells["claim_type"].get(record.claim_type) or record.claim_type

    def render_status(self, record):
        return self._cells["status"].get(record.status) or record.status

    def render_verdict(self, record):
        return self._cells["verdict"].get(record.verdict) or record.verdict

    def render_assignee(self, record):
        if record.assignee_id is None:
            return self._unassigned
        return record.assignee.username

    def render_priority(self, record):
        return self._cells["priority"].get(record.priority) or record.priority

    def render_due(self, record):
        value = record.due
        if value is None:
            return self._no_due
        if record.is_overdue:
            return format_html('<time datetime="{0}">{0}</time> <strong class="overdue">{1}</strong>', value.isoformat(), self._overdue)
        return format_html('<time datetime="{0}">{0}</time>', value.isoformat())

    def render_updated_at(self, record):
        stamp = record.updated_at.astimezone(self._tz).isoformat(timespec="seconds")  # 2026-11-20T09:30:00+00:00
        zone = zone_label(record.updated_at.astimezone(self._tz))
        return format_html('<time datetime="{}">{} <span class="time">{} {}</span></time>', stamp, stamp[:10], stamp[11:16], zone)

    # Plain values for the export: each takes the raw database value only.
    def value_claim_type(self, value):
        return self._labels["claim_type"].get(value, value)

    def value_status(self, value):
        return self._labels["status"].get(value, value)

    def value_verdict(self, value):
        return self._labels["verdict"].get(value, value) if value else ""

    def value_priority(self, value):
        return self._labels["priority"].get(value, value)

    def value_due(self, value):
        return value.isoformat() if value else ""

    def value_overdue(self, value):
        return self._yes if value else ""

    def value_updated_at(self, value):
        return zoned_text(value.astimezone(self._tz)) if value else ""

    def value_link(self, value):
        return self.base_url + reverse("claim", args=[value])
