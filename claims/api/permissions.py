"""Who may call the API at all; every finer rule is the workflow's (claims/workflow.py).

Anonymous callers are refused before this runs (401); a signed-in user whom
the workflow's "view" row does not let in (neither a reviewer nor an editor)
gets 403 everywhere except the public ClaimReview. What a desk member may
change (import, create, publish, split, merge, edit, ...) the views ask the
workflow, with the same rows the HTML pages use.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from claims import workflow


class IsDeskMember(BasePermission):
    message = _("You are not on the desk's reviewers or editors.")

    def has_permission(self, request, view):
        error = workflow.refused("view", request.user)
        if error is not None:
            self.message = error.message
            return False
        return True
