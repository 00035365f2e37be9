"""GET /api/v1/claims/ query filters: ?essay=<slug>&status=&assignee=<username>|none&claim_type=&verdict= (the dashboard's are claims/filters.py ClaimFilter)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from claims.models import Claim, ClaimType, Status, Verdict

CHOICE_FILTERS = ("status", "claim_type", "verdict")


class ClaimAPIFilterForm(forms.Form):
    def clean(self):
        # An HTML form sends an empty choice for "any"; an API caller who sends ?status= made a mistake.
        for name in CHOICE_FILTERS:
            if name in self.data and not self.data.get(name):
                self.add_error(name, _("Choose a value, or leave the parameter out."))
        # A yes/no parameter is true or false; anything else ("null", "maybe", twice) is a mistake, not "no filter".
        values = self.data.getlist("checked_elsewhere") if hasattr(self.data, "getlist") else [self.data.get("checked_elsewhere")]
        if "checked_elsewhere" in self.data and (len(values) != 1 or values[0] not in ("true", "false")):
            self.add_error("checked_elsewhere", _("Use true or false."))
        return super().clean()


class ClaimAPIFilter(django_filters.FilterSet):
    essay = django_filters.CharFilter(field_name="essay__slug", max_length=120, help_text=_("The essay's slug."))
    status = django_filters.ChoiceFilter(choices=Status.choices)
    assignee = django_filters.CharFilter(
        method="filter_assignee", max_length=150, help_text=_("A username, or `none` for unassigned claims.")
    )
    claim_type = django_filters.ChoiceFilter(choices=ClaimType.choices)
    verdict = django_filters.ChoiceFilter(
        choices=Verdict.choices, null_value="none", null_label=_("No verdict yet"), method="filter_verdict"
    )

    q = django_filters.CharFilter(
        method="filter_search",
        max_length=200,
        help_text=_('Words (all must match, any order) or a "quoted phrase" in the claim, its sources or notes.'),
    )
    checked_elsewhere = django_filters.BooleanFilter(
        method="filter_checked_elsewhere", help_text=_("true: only claims that a claim of another essay with a verdict states too.")
    )

    class Meta:
        model = Claim
        fields = ["essay", "status", "assignee", "claim_type", "verdict"]
        form = ClaimAPIFilterForm

    def filter_assignee(self, queryset, name, value):
        if value == "none":
            return queryset.unassigned()
        return queryset.filter(assignee__username=value)

    def filter_verdict(self, queryset, name, value):
        return queryset.filter(verdict="" if value == "none" else value)

    def filter_search(self, queryset, name, value):
        from search import filter_claims

        return filter_claims(queryset, value) if value.strip() else queryset

    def filter_checked_elsewhere(self, queryset, name, value):
        from search.matching import checked_elsewhere

        return checked_elsewhere(queryset) if value else queryset
