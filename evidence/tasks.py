from django.tasks import task

from claims.models import Source


@task()
def capture_source(source_id):
    """Capture one source in the worker; a source deleted meanwhile is simply skipped."""
    from .capture import capture_source as capture

    source = Source.objects.filter(pk=source_id).first()
    if source is None:
        return None
    return capture(source).status
