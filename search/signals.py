"""Every write to what the index holds schedules its re-indexing after commit.

The workflow changes claims with conditional UPDATEs (no save signal), but
each change records a ClaimEvent, so its post_save is the hook; publishing
moves claims with one UPDATE and then writes a Publication. Bulk writes that
bypass all of these (a restore from backup) are followed by
`manage.py search_index`.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from claims.models import Claim, ClaimEvent, Essay, Note, Publication, Source

from . import index


@receiver(post_save, sender=Claim)
@receiver(post_delete, sender=Claim)
def claim_changed(sender, instance, using, **kwargs):
    index.schedule("claim", instance.pk, using)


@receiver(post_save, sender=ClaimEvent)
def claim_event(sender, instance, using, **kwargs):
    index.schedule("claim", instance.claim_id, using)


# A source or a note: its own document only (the claim's event, written beside it, updates the claim's).
@receiver(post_save, sender=Source)
@receiver(post_delete, sender=Source)
def source_changed(sender, instance, using, **kwargs):
    index.schedule("source", instance.pk, using)


@receiver(post_save, sender=Note)
@receiver(post_delete, sender=Note)
def note_changed(sender, instance, using, **kwargs):
    index.schedule("note", instance.pk, using)


@receiver(post_save, sender=Essay)
def essay_saved(sender, instance, using, created, **kwargs):
    index.schedule("essay", instance.pk, using)
    if not created:
        index.schedule("essay_heads", instance.pk, using)  # its title, on its claims' documents
        return
    # An import adds the claims with bulk_create in the same transaction: index them all once it commits.
    index.schedule("essay_claims", instance.pk, using)


@receiver(post_delete, sender=Essay)
def essay_deleted(sender, instance, using, **kwargs):
    index.schedule("essay", instance.pk, using)
    index.schedule("published", instance.pk, using)


@receiver(post_save, sender=Publication)
def published(sender, instance, using, **kwargs):
    index.schedule("published", instance.essay_id, using)
    index.schedule("essay_heads", instance.essay_id, using)
