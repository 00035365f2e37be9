"""Every source attached (page, API, import) is captured once its transaction commits."""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from claims.models import Source


def enqueue_capture(source_id):
    from .models import Capture
    from .tasks import capture_source

    Capture.objects.get_or_create(source_id=source_id)
    capture_source.enqueue(source_id)


@receiver(post_save, sender=Source, dispatch_uid="evidence.capture_on_attach")
def capture_on_attach(sender, instance, created, raw=False, **kwargs):
    if raw or not getattr(settings, "SOURCE_CAPTURE", True):
        return
    if created:
        transaction.on_commit(lambda: enqueue_capture(instance.pk))
