"""Search across the desk and "checked before" (see search/engine.py and search/matching.py)."""


def filter_claims(queryset, q):
    """The claims of `queryset` that match the query `q` (in their text, sources or notes)."""
    from .engine import filter_claims as filter_

    return filter_(queryset, q)
