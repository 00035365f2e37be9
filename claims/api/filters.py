"""The claim list's query filters: ?essay=<slug>&status=&assignee=<username>|none&claim_type=&verdict=."""

import django_filters
from django.utils.translation import gettext_lazy as _

from claims.models import Claim, ClaimType, Status, Verdict


class ClaimFilter(django_filters.FilterSet):
    essay = django_filters.CharFilter(field_name="essay__slug", max_length=120, help_text=_("The essay's slug."))
    status = django_filters.ChoiceFilter(choices=Status.choices)
    assignee = django_filters.CharFilter(method="filter_assignee", max_length=150, help_text=_("A username, or `none` for unassigned claims."))
    claim_type = django_filters.ChoiceFilter(choices=ClaimType.choices)
    verdict = django_filters.ChoiceFilter(choices=Verdict.choices, null_value="none", null_label=_("No verdict yet"), method="filter_verdict")

    class Meta:
        model = Claim
        fields = ["essay", "status", "assignee", "claim_type", "verdict"]

    def filter_assignee(self, queryset, name, value):
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee__username=value)

    def filter_verdict(self, queryset, name, value):
        return queryset.filter(verdict="" if value == "none" else value)
