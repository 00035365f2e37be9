"""Every source attached (page, API, import) is captured in the background, never in the request.

With the database task backend (the default) the task row is written in the
source's own transaction: the request pays one small INSERT and no extra
commit, and a capture is never lost between the commit and the enqueue (the
worker makes the Capture row when it takes the task; bench/capture.py). With
any other backend (e.g. ImmediateBackend, which would run the fetch at once)
the capture is enqueued after the commit.
"""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from claims.models import Source


def enqueue_capture(source_id, new=False):
    """Queue the capture; a recapture (not `new`) also shows the source as waiting at once."""
    from .models import Capture
    from .tasks import capture_source

    if not new:
        Capture.objects.get_or_create(source_id=source_id)
    capture_source.enqueue(source_id)


def _queue_is_the_database():
    from .tasks import capture_source

    return type(capture_source.get_backend()).__module__.startswith("django_tasks_db")


@receiver(post_save, sender=Source, dispatch_uid="evidence.capture_on_attach")
def capture_on_attach(sender, instance, created, raw=False, **kwargs):
    if raw or not created or not getattr(settings, "SOURCE_CAPTURE", True):
        return
    if _queue_is_the_database():
        enqueue_capture(instance.pk, new=True)
    else:
        transaction.on_commit(lambda: enqueue_capture(instance.pk))
