"""Reusing an earlier check: its sources, added to the claim in front of the reviewer in one step."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from claims import workflow
from claims.models import Source

COPIED = ("url", "title", "publisher", "published_on", "archive_url", "excerpt", "stance")


def reuse_sources(claim, user, earlier, version=None):
    """Add every source of `earlier` that `claim` lacks (by URL), through the workflow; all or nothing. Returns the new sources."""
    workflow.check("add_source", user, claim)
    if earlier.pk == claim.pk:
        raise workflow.InvalidInput(_("Choose another claim."), {"earlier": [_("Choose another claim.")]})
    added = []
    with transaction.atomic():
        have = set(Source.objects.filter(claim_id=claim.pk).values_list("url", flat=True))
        for source in Source.objects.filter(claim_id=earlier.pk).order_by("added_at", "id"):
            if source.url in have:
                continue
            fields = {name: getattr(source, name) for name in COPIED}
            # The version the reviewer saw guards the first write; the next ones follow from it.
            added.append(workflow.add_source(claim, user, version=version if not added else None, **fields))
            have.add(source.url)
    return added
