"""The dashboard's filters (django-filter), shared by /dashboard/ and /my/.

Choices that come from the database (essays, desk members) are handed in by
the view, which has already loaded them once for the page, so building the
form costs no query of its own.
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OPEN_STATUSES, ClaimType, Priority, Status, Verdict

# Status filter values beyond the statuses themselves.
OPEN_WORK = ""  # the default: every claim that still needs work
EVERY_STATUS = "all"
NO_VERDICT = "none"
UNASSIGNED = "none"
SEARCH_MAX_LENGTH = 200


def statuses_for(value):
    """The statuses a status filter value stands for."""
    if value == EVERY_STATUS:
        return tuple(Status.values)
    if value in Status.values:
        return (value,)
    return tuple(OPEN_STATUSES)


class ClaimFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Words from the claim, its sources or notes")}),
    )
    essay = django_filters.ChoiceFilter(label=_("Essay"), method="filter_essay", empty_label=_("Every essay"))
    status = django_filters.ChoiceFilter(label=_("Status"), method="filter_nothing", empty_label=None)
    assignee = django_filters.ChoiceFilter(label=_("Assignee"), method="filter_assignee", empty_label=_("Anyone"))
    claim_type = django_filters.ChoiceFilter(label=_("Type"), choices=ClaimType.choices, empty_label=_("Every type"))
    verdict = django_filters.ChoiceFilter(
        label=_("Verdict"),
        method="filter_verdict",
        choices=[(NO_VERDICT, _("No verdict yet")), *Verdict.choices],
        empty_label=_("Any verdict"),
    )
    priority = django_filters.ChoiceFilter(label=_("Priority"), choices=Priority.choices, empty_label=_("Any priority"))
    overdue = django_filters.BooleanFilter(label=_("Overdue only"), method="filter_overdue", widget=forms.CheckboxInput)
    checked_elsewhere = django_filters.BooleanFilter(
        label=_("Already checked elsewhere"), method="filter_checked_elsewhere", widget=forms.CheckboxInput
    )
    link_rot = django_filters.BooleanFilter(
        label=_("Published, with sources changed or gone"), method="filter_link_rot", widget=forms.CheckboxInput
    )

    # Filters that the status counts ignore, so that every status can be counted.
    status_filter_name = "status"

    def __init__(self, *args, essays=(), members=(), status_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["essay"].extra["choices"] = [(str(essay.pk), essay.title) for essay in essays]
        if "assignee" in self.filters:
            self.filters["assignee"].extra["choices"] = [
                (UNASSIGNED, _("Unassigned")),
                *((str(user.pk), user.get_username()) for user in members),
            ]
        if status_choices is None:
            status_choices = [(OPEN_WORK, _("All open work")), *Status.choices, (EVERY_STATUS, _("Every status"))]
        self.filters["status"].extra["choices"] = status_choices

    @property
    def status_value(self):
        if not self.is_bound or not self.form.is_valid():
            return OPEN_WORK
        chosen = self.form.cleaned_data.get("status") or OPEN_WORK
        # Changed or gone sources (recheck_sources) are a matter of published claims: that filter alone shows them.
        if chosen == OPEN_WORK and self.form.cleaned_data.get("link_rot"):
            return Status.PUBLISHED
        return chosen

    @property
    def is_filtered(self):
        """True when anything but the defaults is asked for."""
        if not self.is_bound or not self.form.is_valid():
            return bool(self.data)
        return any(value not in (None, "", False) for value in self.form.cleaned_data.values())

    def filter_queryset(self, queryset):
        """Every filter, then the status (open work unless another status is chosen)."""
        queryset = self.filter_queryset_except_status(queryset)
        return queryset.filter(status__in=statuses_for(self.status_value))

    def filter_queryset_except_status(self, queryset):
        for name, value in self.form.cleaned_data.items():
            if name != self.status_filter_name:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_search(self, queryset, name, value):
        # The desk's search index (search/engine.py): every word, quoted phrases, in the claim, its sources and notes.
        from search import filter_claims

        value = value.strip()
        if not value:
            return queryset
        return filter_claims(queryset, value)

    def filter_checked_elsewhere(self, queryset, name, value):
        from search.matching import checked_elsewhere

        return checked_elsewhere(queryset) if value else queryset

    def filter_essay(self, queryset, name, value):
        return queryset.filter(essay_id=int(value))

    def filter_assignee(self, queryset, name, value):
        if value == UNASSIGNED:
            return queryset.unassigned()
        return queryset.filter(assignee_id=int(value))

    def filter_verdict(self, queryset, name, value):
        return queryset.filter(verdict="" if value == NO_VERDICT else value)

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.overdue()

    def filter_link_rot(self, queryset, name, value):
        from evidence.recheck import rotten_claims

        return queryset.filter(pk__in=rotten_claims().values("pk")) if value else queryset


class MyQueueFilter(ClaimFilter):
    """The reviewer's own queue: no assignee to choose, and only open statuses."""

    assignee = None
    link_rot = None

    def __init__(self, *args, **kwargs):
        kwargs["status_choices"] = [(OPEN_WORK, _("Every open status")), *((s.value, s.label) for s in OPEN_STATUSES)]
        super().__init__(*args, **kwargs)
