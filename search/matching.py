"""Has this been checked before? The claims of other essays that state the same thing, best first.

A candidate search on the index (search/engine.py `candidates`: any of the
claim's most telling terms, ranked by the database) shortlists claims of other
essays and published checks; search/features.py re-ranks them on entities,
figures and dates. Three queries whatever the size of the desk: the shortlist,
the claims it names, the publications that show them.

The claim's own essay is left out, so a claim is never "checked before" by
itself, its split parts or the siblings merged into it; claims merged away
are left out too (their text lives on in the claim that absorbed them).
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from claims.models import Claim, Status

from .engine import Filters, candidates
from .features import features, similarity
from .models import Kind, Match, SearchDocument

SHORTLIST = 60
SEARCH_TERMS = 16
# The least score shown as "checked before" (tuned on tests/data/matching/, see tests/test_similar.py).
THRESHOLD = 0.3
KEPT = 10


@dataclass
class Similar:
    claim: Claim
    score: float
    published_at: object = None

    def as_dict(self):
        return {
            "id": self.claim.pk,
            "essay": self.claim.essay.slug,
            "quote": self.claim.quote,
            "status": self.claim.status,
            "verdict": self.claim.verdict,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "score": self.score,
        }


def claim_text(claim):
    """What a claim states: its words and the desk's restatement (never the explanation, which cites other figures)."""
    return "\n".join(part for part in (claim.quote, claim.normalized) if part)


def similar_to_text(text, exclude_essay_id=None, exclude_ids=(), limit=5, threshold=THRESHOLD):
    """Claims (of other essays than `exclude_essay_id`) that state what `text` states, best first."""
    wanted = features(text)
    terms = wanted.search_terms[:SEARCH_TERMS]
    if not terms:
        return []
    filters = Filters(kinds=(Kind.CLAIM, Kind.PUBLISHED), exclude_essay_id=exclude_essay_id)
    rows = candidates(terms, filters, limit=SHORTLIST)
    ids = list(dict.fromkeys(claim_id for claim_id in (_claim_of(row) for row in rows) if claim_id not in exclude_ids))
    if not ids:
        return []
    claims = (
        Claim.objects.filter(pk__in=ids, merged_into__isnull=True)
        .select_related("essay")
        .only("id", "quote", "normalized", "status", "verdict", "essay__slug", "essay__title", "essay_id")
    )
    scored = [(similarity(wanted, features(claim_text(claim))), claim) for claim in claims]
    scored = sorted(((score, claim) for score, claim in scored if score >= threshold), key=lambda pair: (-pair[0], pair[1].pk))[:limit]
    published = published_dates([claim.pk for _score, claim in scored])
    return [Similar(claim, score, published.get(claim.pk)) for score, claim in scored]


def _claim_of(row):
    # candidates() answers (document id, rank, claim id).
    return row[2]


def published_dates(claim_ids):
    """When each of these claims was last published (the date of its essay's latest publication)."""
    if not claim_ids:
        return {}
    rows = SearchDocument.objects.filter(kind=Kind.PUBLISHED, claim_id__in=claim_ids).values_list("claim_id", "date")
    return dict(rows)


def similar(claim, limit=5, threshold=THRESHOLD):
    """The claims of other essays that state what `claim` states, best first."""
    return similar_to_text(claim_text(claim), exclude_essay_id=claim.essay_id, exclude_ids={claim.pk}, limit=limit, threshold=threshold)


def update_matches(claim_ids):
    """Recompute the stored matches of these claims (both ways); the dashboard filter reads them."""
    ids = set(claim_ids)
    if not ids:
        return
    claims = list(Claim.objects.filter(pk__in=ids).only("id", "quote", "normalized", "essay_id", "merged_into_id", "status"))
    rows = {}
    for claim in claims:
        if claim.merged_into_id is not None:
            continue
        for found in similar(claim, limit=KEPT):
            rows[(claim.pk, found.claim.pk)] = found.score
            rows[(found.claim.pk, claim.pk)] = found.score
    with transaction.atomic():
        Match.objects.filter(Q(claim_id__in=ids) | Q(other_id__in=ids)).delete()
        Match.objects.bulk_create([Match(claim_id=a, other_id=b, score=s) for (a, b), s in rows.items()], batch_size=500)


def checked_elsewhere(queryset):
    """The claims of `queryset` that another essay's claim with a verdict states too (the dashboard filter)."""
    checked = Claim.objects.exclude(verdict="").exclude(status=Status.DISMISSED).values("pk")
    others = Match.objects.filter(other_id__in=checked).values("claim_id")
    return queryset.filter(pk__in=others)


def earlier_published(claim_ids, before=None):
    """{claim id: [(other claim id, essay slug, published at, verdict)]}: earlier published checks, for the public page."""
    matches = list(Match.objects.filter(claim_id__in=claim_ids).values_list("claim_id", "other_id", "score"))
    if not matches:
        return {}
    docs = {
        doc.claim_id: doc
        for doc in SearchDocument.objects.filter(kind=Kind.PUBLISHED, claim_id__in={other for _c, other, _s in matches}).only(
            "claim_id", "date", "url", "title", "verdict", "essay_id"
        )
    }
    found = {}
    for claim_id, other_id, _score in sorted(matches, key=lambda m: -m[2]):
        doc = docs.get(other_id)
        if doc is None or (before is not None and doc.date and doc.date >= before):
            continue
        found.setdefault(claim_id, []).append(doc)
    return found
