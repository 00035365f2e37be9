"""The claim list's query filters: ?essay=<slug>&status=&assignee=<username>|none&claim_type=&verdict=."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from claims.models import Claim, ClaimType, Status, Verdict

CHOICE_FILTERS = ("status", "claim_type", "verdict")


class ClaimFilterForm(forms.Form):
    def clean(self):
        # An HTML form sends an empty choice for "any"; an API caller who sends ?status= made a mistake.
        for name in CHOICE_FILTERS:
            if name in self.data and not self.data.get(name):
                self.add_error(name, _("Choose a value, or leave the parameter out."))
        return super().clean()


class ClaimFilter(django_filters.FilterSet):
    essay = django_filters.CharFilter(field_name="essay__slug", max_length=120, help_text=_("The essay's slug."))
    status = django_filters.ChoiceFilter(choices=Status.choices)
    assignee = django_filters.CharFilter(
        method="filter_assignee", max_length=150, help_text=_("A username, or `none` for unassigned claims.")
    )
    claim_type = django_filters.ChoiceFilter(choices=ClaimType.choices)
    verdict = django_filters.ChoiceFilter(
        choices=Verdict.choices, null_value="none", null_label=_("No verdict yet"), method="filter_verdict"
    )

    class Meta:
        model = Claim
        fields = ["essay", "status", "assignee", "claim_type", "verdict"]
        form = ClaimFilterForm

    def filter_assignee(self, queryset, name, value):
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee__username=value)

    def filter_verdict(self, queryset, name, value):
        return queryset.filter(verdict="" if value == "none" else value)
