"""Translation helpers for templates. Load with `{% load i18n_extras %}`.

Filters:
    {{ claim.reasons|translate_reasons }}   the stored English reasons of a proposal, in the active language
"""

from django import template

from claims.reasons import translate_reasons as _translate_reasons

register = template.Library()


@register.filter
def translate_reasons(reasons):
    return _translate_reasons(reasons)
