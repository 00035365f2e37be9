from django.http import Http404
from django.shortcuts import redirect


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    from .public import published_essays

    return published_essays(request)


def _pending(request, *args, **kwargs):
    raise Http404("being built")


essay_import = essay_detail = claim_create = claim_detail = claim_edit = claim_transition = _pending
claim_assign = source_add = source_remove = note_add = claim_split = claim_merge = _pending
