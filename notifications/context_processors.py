from django.utils.functional import SimpleLazyObject


def bell(request):
    """The unread count in the header: one COUNT, and only on pages that show the bell."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}

    def count():
        from .models import Notification

        return Notification.objects.for_user(user).unread().count()

    return {"unread_notifications": SimpleLazyObject(count)}
