"""{% checked_before claim %}: the claim page's "Checked before" section (search/matching.py)."""

from django import template

from claims import workflow

from .. import factcheck_api
from ..matching import earlier_published, similar, similar_to_text

register = template.Library()


@register.inclusion_tag("search/_checked_before.html", takes_context=True)
def checked_before(context, claim):
    user = context["request"].user
    found = similar(claim)
    return {
        "claim": claim,
        "found": found,
        "linked_id": claim.duplicate_of_id,
        "may_link": workflow.may("link", user, claim),
        "may_research": workflow.may("add_source", user, claim),
        "outside": factcheck_api.search_claims(claim.normalized or claim.quote),
        "outside_enabled": factcheck_api.enabled(),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def earlier_checks(page):
    """{claim id: [published documents]}: each claim's earlier published checks on this desk (one query, two with any)."""
    claims = list(page.claims)
    found = earlier_published([claim["id"] for claim in claims])
    published = {claim["id"]: claim.get("published_at") for claim in claims}
    return {
        claim_id: [doc for doc in docs if doc.date and (published.get(claim_id) is None or doc.date < published[claim_id])][:3]
        for claim_id, docs in found.items()
    }


@register.inclusion_tag("search/_earlier_checks.html")
def earlier_checks_of(earlier, claim_id):
    return {"docs": earlier.get(claim_id, [])}


@register.inclusion_tag("search/_checked_before_proposal.html")
def checked_before_proposal(quote):
    """Beside a proposal of the import preview: the best earlier claim that states it, if any (it has no essay yet)."""
    found = similar_to_text(quote, limit=1)
    return {"item": found[0] if found else None}
