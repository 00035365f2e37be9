from django.conf import settings

from .roles import is_editor, is_reviewer


def desk(request):
    user = getattr(request, "user", None)
    return {
        "desk_name": settings.DESK_NAME,
        "is_editor": is_editor(user),
        "is_reviewer": is_reviewer(user),
    }
