"""Background work of the search app: the "checked before" matches of many claims at once (an import, a publication)."""

from django.tasks import task

from . import matching


@task()
def update_matches(claim_ids):
    matching.update_matches(claim_ids)
