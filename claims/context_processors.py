from django.conf import settings

from . import workflow


def desk(request):
    """What the header and the pages offer this person, as the workflow table decides (claims/workflow.py)."""
    user = getattr(request, "user", None)
    may_import = workflow.may("import", user)
    on_desk = workflow.may("view", user)
    return {
        "desk_name": settings.DESK_NAME,
        "on_desk": on_desk,
        "may_import": may_import,
        "may_publish": workflow.may("publish", user),
    }
