"""Reusing an earlier check: its sources, added to the claim in front of the reviewer in one step."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from claims import workflow
from claims.models import Source

COPIED = ("url", "title", "publisher", "published_on", "archive_url", "excerpt", "stance")


def reuse_sources(claim, user, earlier, version=None):
    """Add every source of `earlier` that `claim` lacks (by URL), through the workflow in one step; all or nothing. Returns the new sources."""
    workflow.check("add_source", user, claim)
    if earlier.pk == claim.pk:
        raise workflow.InvalidInput(_("Choose another claim."), {"earlier": [_("Choose another claim.")]})
    with transaction.atomic():
        have = set(Source.objects.filter(claim_id=claim.pk).values_list("url", flat=True))
        new = []
        for source in Source.objects.filter(claim_id=earlier.pk).order_by("added_at", "id"):
            if source.url not in have:
                new.append({name: getattr(source, name) for name in COPIED})
                have.add(source.url)
        # One step under one lock, at the version the reviewer saw: all the sources, or none (the cap, a conflict).
        return workflow.add_sources(claim, user, new, version=version, action="reuse_sources")
