"""Who may call the API at all; finer rules are the workflow's.

Anonymous callers are refused before these run (401); a signed-in user who
is on neither desk group gets 403 everywhere except the public ClaimReview.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from claims.roles import is_editor, is_reviewer


class IsDeskMember(BasePermission):
    message = _("You are not on the desk's reviewers or editors.")

    def has_permission(self, request, view):
        return is_reviewer(request.user)


class IsEditorToWrite(BasePermission):
    """Reading is for the desk; creating (import, new claim, publish) is for editors."""

    message = _("Only an editor may do this.")

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or is_editor(request.user)
