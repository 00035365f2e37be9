"""The one query form: the search pages and the search API read their input through it."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from claims.models import Essay, Status, Verdict

from .engine import Filters
from .models import DESK_KINDS, Kind
from .text import required_terms

QUERY_MAX_LENGTH = 200


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=QUERY_MAX_LENGTH, required=False, strip=True)
    kind = forms.MultipleChoiceField(
        label=_("Kind"), required=False, choices=[(kind.value, kind.label) for kind in DESK_KINDS], widget=forms.CheckboxSelectMultiple
    )
    essay = forms.SlugField(label=_("Essay"), max_length=120, required=False, help_text=_("The essay's slug."))
    status = forms.MultipleChoiceField(label=_("Status"), required=False, choices=Status.choices)
    verdict = forms.MultipleChoiceField(label=_("Verdict"), required=False, choices=Verdict.choices)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    # Readers search published checks only: no kind, status or essay of work in progress to choose.
    public = False

    def clean_q(self):
        q = self.cleaned_data["q"]
        if q and not required_terms(q)[0]:
            raise forms.ValidationError(_("Type at least one word or figure to search for."))
        return q

    def clean_essay(self):
        slug = self.cleaned_data["essay"]
        if not slug:
            return None
        essay_id = Essay.objects.filter(slug=slug).values_list("pk", flat=True).first()
        if essay_id is None:
            raise forms.ValidationError(_("There is no essay with this slug."))
        return essay_id

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date must not be before the start date."))
        return data

    def filters(self):
        data = self.cleaned_data
        return Filters(
            kinds=tuple(data.get("kind") or ()) or (DESK_KINDS if not self.public else (Kind.PUBLISHED,)),
            essay_id=data.get("essay"),
            statuses=tuple(data.get("status") or ()),
            verdicts=tuple(data.get("verdict") or ()),
            date_from=_day_start(data.get("since")),
            date_to=_day_start(data.get("until"), plus=1),
        )


class PublicSearchForm(SearchForm):
    public = True
    kind = None
    status = None
    essay = None


def _day_start(day, plus=0):
    if day is None:
        return None
    moment = dt.datetime.combine(day + dt.timedelta(days=plus), dt.time.min)
    return timezone.make_aware(moment, timezone.get_current_timezone())
