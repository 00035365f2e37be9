"""The search pages (/search/ for the desk, /p/search/ for readers) and the claim page's "checked before" actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claims import workflow
from claims.models import Claim

from . import actions
from .engine import search
from .forms import PublicSearchForm, SearchForm

PER_PAGE = 20
MAX_PAGE = 50


def _page(request):
    value = request.GET.get("page", "1")
    if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_PAGE:
        return int(value)
    return None


def _render_search(request, form, template, public):
    page = _page(request)
    result = None
    status = 200
    if page is None:
        form.is_valid()
        form.add_error(None, _("The page must be a whole number from 1 to %(max)s.") % {"max": MAX_PAGE})
        status = 400
    elif form.is_valid() and form.cleaned_data.get("q"):
        result = search(form.cleaned_data["q"], form.filters(), limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    elif form.errors:
        status = 400
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "result": result,
        "page": page,
        "query": query.urlencode(),
        "public": public,
    }
    return render(request, template, context, status=status)


@login_required
def desk_search(request):
    if workflow.refused("view", request.user) is not None:
        raise PermissionDenied(_("Search across the desk is for the desk's reviewers and editors."))
    return _render_search(request, SearchForm(request.GET), "search/search.html", public=False)


def public_search(request):
    """Readers search the published checks only: the index holds them as their publication shows them."""
    return _render_search(request, PublicSearchForm(request.GET), "search/public_search.html", public=True)


def _claim_for_action(request, pk):
    claim = get_object_or_404(Claim.objects.select_related("essay", "assignee"), pk=pk)
    earlier = request.POST.get("earlier", "")
    if not (earlier.isascii() and earlier.isdigit() and 0 < int(earlier) < 2**63):
        messages.error(request, _("Choose the earlier claim to link to."))
        return claim, None
    other = Claim.objects.select_related("essay").filter(pk=int(earlier)).first()
    if other is None:
        messages.error(request, _("The earlier claim no longer exists."))
    return claim, other


@login_required
@require_POST
def link_earlier(request, pk):
    claim, other = _claim_for_action(request, pk)
    if other is not None:
        try:
            workflow.link_checked_before(claim, request.user, other, version=request.POST.get("version"))
        except workflow.WorkflowError as error:
            if error.status_code == 403:
                raise PermissionDenied(error.message) from None
            messages.error(request, error.message)
        else:
            messages.success(request, _("Linked to the earlier check #%(id)s.") % {"id": other.pk})
    return redirect(claim.get_absolute_url() + "#checked-before")


@login_required
@require_POST
def reuse_sources(request, pk):
    claim, other = _claim_for_action(request, pk)
    if other is not None:
        try:
            added = actions.reuse_sources(claim, request.user, other, version=request.POST.get("version"))
        except workflow.WorkflowError as error:
            if error.status_code == 403:
                raise PermissionDenied(error.message) from None
            messages.error(request, error.message)
        else:
            if added:
                messages.success(request, _("Added %(count)s sources of claim #%(id)s.") % {"count": len(added), "id": other.pk})
            else:
                messages.info(request, _("This claim already has every source of claim #%(id)s.") % {"id": other.pk})
    return redirect(claim.get_absolute_url() + "#sources")
