"""The desk's HTML pages for essays and claims.

Views are thin: they read forms, call claims/workflow.py (where every rule
lives) and map its refusals to pages: NotAllowed → 403 with the reason,
InvalidInput → 400 with the form kept, Conflict → 409 with the form kept and
what changed since the person loaded the page. Every action redirects back
with a message that says what happened and what comes next.
"""

from collections import Counter
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import logging as desk_logging
from . import workflow
from .forms import AssignForm, ClaimCreateForm, ClaimEditForm, MergeForm, NoteForm, SourceForm, SplitForm, TransitionForm
from .models import Claim, ClaimEvent, Essay, Publication, Source, Status
from .roles import is_editor, is_reviewer
from .templatetags.desk import claim_context, display_value, field_label, split_points
from .workflow import ACTIONS, EDITABLE_FIELDS, Conflict, InvalidInput, NotAllowed


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    from .public import published_essays

    return published_essays(request)


def _pending(request, *args, **kwargs):
    raise Http404("being built")


essay_import = _pending


# --- Helpers ------------------------------------------------------------------------------------

# Everything the claim page shows about the claim itself comes with it in one query.
CLAIM_PAGE_RELATED = ("essay", "essay__imported_by", "assignee", "submitted_by", "duplicate_of", "split_from", "merged_into")


class Refused(Exception):
    def __init__(self, message):
        self.message = message


def _refused(request, message, claim=None, essay=None, status=403):
    desk_logging.set_refusal_reason(message)
    ctx = {"message": message, "claim": claim, "essay": essay, "status": status}
    return render(request, "claims/claim_refused.html", ctx, status=status)


def _check_desk(user):
    if not is_reviewer(user):
        raise Refused(_("Only members of the desk (reviewers and editors) may open claims. Ask an editor if you need access."))


def _get_claim_for_user(request, pk):
    """The claim with everything its page shows in one query: 404 if unknown, 403 if not on the desk."""
    claim = get_object_or_404(Claim.objects.select_related(*CLAIM_PAGE_RELATED), pk=pk)
    _check_desk(request.user)
    return claim


def _desk_claim(view):
    """The view gets the claim instead of its pk: 404 if unknown, the refusal page if the person is not on the desk."""

    @wraps(view)
    def with_claim(request, pk, **kwargs):
        try:
            claim = _get_claim_for_user(request, pk)
        except Refused as refused:
            return _refused(request, refused.message)
        return view(request, claim, **kwargs)

    return with_claim


def _seen_version(request):
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _apply_errors(form, error):
    """Put a workflow refusal's field errors on the form (unknown fields become form errors)."""
    for name, msgs in (error.errors or {}).items():
        for msg in msgs:
            form.add_error(name if name in form.fields else None, msg)
    if not error.errors:
        form.add_error(None, error.message)


def _back(claim, anchor=""):
    return redirect(reverse("claim", args=[claim.pk]) + (f"#{anchor}" if anchor else ""))


# --- The claim page -----------------------------------------------------------------------------


@login_required
@_desk_claim
def claim_detail(request, claim):
    return _render_claim(request, claim)


def _render_claim(request, claim, status=200, conflict=None, **bound):
    """The claim page; `bound` replaces the fresh form of the same name with the person's input."""
    user = request.user
    essay = claim.essay
    editor = is_editor(user)
    sources = list(Source.objects.filter(claim=claim).select_related("added_by").order_by("added_at", "id"))
    notes = list(claim.notes.select_related("author").order_by("created_at", "id"))
    events = list(ClaimEvent.objects.filter(claim=claim).select_related("actor").order_by("at", "id"))
    before, after = claim_context(essay.text, claim.start, claim.end)
    may_edit = workflow.can_edit(claim, user)

    actions = []
    for action in workflow.available_actions(claim, user):
        form = bound.get("transition") if bound.get("transition_action") == action.name else None
        actions.append({"action": action, "form": form or TransitionForm.for_action(action, claim)})

    ctx = {
        "claim": claim,
        "essay": essay,
        "before": before,
        "after": after,
        "sources": sources,
        "notes": notes,
        "events": events,
        "actions": actions,
        "may_edit": may_edit,
        "may_research": workflow.can_research(claim, user),
        "is_claim_editor": editor,
        "edit_form": bound.get("edit") or ClaimEditForm.for_claim(claim, auto_id="edit_%s"),
        "source_form": bound.get("source") or SourceForm(initial={"version": claim.version}, auto_id="source_%s"),
        "note_form": bound.get("note") or NoteForm(initial={"version": claim.version}, auto_id="note_%s"),
        "conflict": conflict,
        "error": bound.get("error"),
        "next_hint": _next_hint(claim, user, may_edit),
    }
    if editor:
        ctx["assign_form"] = bound.get("assign") or AssignForm(
            initial={"version": claim.version, "assignee": claim.assignee_id}, auto_id="assign_%s"
        )
        if claim.status in (Status.OPEN, Status.RESEARCHING):
            points = split_points(essay.text, claim.start, claim.end)
            ctx["split_form"] = bound.get("split") or SplitForm(
                initial={"version": claim.version}, claim=claim, points=points, auto_id="split_%s"
            )
            ctx["next_claim"] = (
                Claim.objects.filter(essay=essay, start__gte=claim.end, status__in=(Status.OPEN, Status.RESEARCHING))
                .exclude(pk=claim.pk)
                .order_by("start", "id")
                .first()
            )
            if ctx["next_claim"]:
                ctx["merge_form"] = bound.get("merge") or MergeForm(
                    initial={"version": claim.version, "other": ctx["next_claim"].pk}, auto_id="merge_%s"
                )
    return render(request, "claims/claim_detail.html", ctx, status=status)


def _next_hint(claim, user, may_edit):
    """One line under the status that tells this person what the claim waits for."""
    if claim.status == Status.OPEN:
        return (
            _("Nobody researches this claim yet. Start research to take it.")
            if claim.assignee_id is None
            else _("Assigned; research has not started.")
        )
    if claim.status == Status.RESEARCHING:
        if may_edit:
            return _("Add sources, choose a verdict and write the explanation, then submit it for review.")
        return _("Being researched by %(name)s.") % {"name": claim.assignee or _("nobody yet")}
    if claim.status == Status.IN_REVIEW:
        if claim.submitted_by_id == user.pk:
            return _("You submitted this verdict: an editor other than you will approve or return it.")
        return _("Waiting for an editor to approve or return the verdict.")
    if claim.status == Status.APPROVED:
        return _("Approved: it goes out with the essay's next publication.")
    if claim.status == Status.PUBLISHED:
        return _("Published. An editor may reopen it to correct the verdict.")
    return _("Dismissed: not checked. An editor may reopen it.")


def _conflict(request, claim_pk, error, **bound):
    """Re-render with 409: the current claim, the events the person did not see, their input kept."""
    claim = get_object_or_404(Claim.objects.select_related(*CLAIM_PAGE_RELATED), pk=claim_pk)
    seen = _seen_version(request)
    newer = ClaimEvent.objects.filter(claim=claim).select_related("actor").order_by("at", "id")
    if seen is not None:
        newer = newer.filter(version__gt=seen)
    differences = []
    edit = bound.get("edit")
    if edit is not None and edit.is_valid():
        for name in EDITABLE_FIELDS:
            mine, theirs = edit.cleaned_data.get(name), getattr(claim, name)
            if (mine or "") != (theirs or ""):
                differences.append({"field": field_label(name), "mine": display_value(mine, name), "theirs": display_value(theirs, name)})
    # Keep the person's input but with the current version, so saving again is a deliberate overwrite.
    for form in bound.values():
        if hasattr(form, "data") and form.is_bound:
            form.data = form.data.copy()
            form.data["version"] = str(claim.version)
    conflict = {
        "message": error.message,
        "stale": seen is not None and seen != claim.version,
        "seen": seen,
        "current": claim.version,
        "differences": differences,
        "events": list(newer),
    }
    return _render_claim(request, claim, status=409, conflict=conflict, **bound)


def _run(request, claim, operation, bound, success):
    """Call the workflow and map its refusals; `success(result)` returns the redirect."""
    try:
        result = operation()
    except NotAllowed as error:
        return _refused(request, error.message, claim=claim)
    except Conflict as error:
        return _conflict(request, claim.pk, error, **bound)
    except InvalidInput as error:
        form = next((f for f in bound.values() if hasattr(f, "add_error")), None)
        if form is not None:
            _apply_errors(form, error)
        return _render_claim(request, _reload(claim), status=400, error=error.message, **bound)
    return success(result)


def _reload(claim):
    return get_object_or_404(Claim.objects.select_related(*CLAIM_PAGE_RELATED), pk=claim.pk)


def _invalid(request, claim, **bound):
    return _render_claim(request, claim, status=400, error=_("Some fields need attention; nothing was saved."), **bound)


# --- Actions on a claim -------------------------------------------------------------------------


@login_required
@require_POST
@_desk_claim
def claim_edit(request, claim):
    form = ClaimEditForm(request.POST, auto_id="edit_%s")
    if not form.is_valid():
        return _invalid(request, claim, edit=form)
    old_status = claim.status

    def saved(updated):
        if updated.version == form.cleaned_data["version"]:
            messages.info(request, _("Nothing changed, so nothing was saved."))
        elif updated.status != old_status:
            messages.warning(
                request,
                _(
                    "Saved. The verdict changed after it was submitted, so the claim went back to research: submit it again when it is ready."
                ),
            )
        elif updated.status == Status.RESEARCHING:
            messages.success(
                request, _("Saved. When the verdict, the explanation and at least one source are in place, submit it for review.")
            )
        else:
            messages.success(request, _("Saved."))
        return _back(updated, "verdict")

    return _run(
        request, claim, lambda: workflow.edit(claim, request.user, form.changes(), form.cleaned_data["version"]), {"edit": form}, saved
    )


TRANSITION_MESSAGES = {
    "start": lambda: _("Research started and the claim is assigned to you. Add sources and a verdict, then submit it for review."),
    "submit": lambda: _("Sent for review. An editor other than you will approve or return it."),
    "approve": lambda: _("Approved. The verdict goes out with the essay's next publication."),
    "return": lambda: _("Returned to research with your comment. The assignee revises the verdict and submits it again."),
    "dismiss": lambda: _("Dismissed: this claim will not be checked. An editor may reopen it."),
    "reopen": lambda: _("Reopened for research. Revise the verdict and submit it for review again."),
}


@login_required
@require_POST
@_desk_claim
def claim_transition(request, claim):
    action = ACTIONS.get(request.POST.get("action", ""))
    if action is None or action.name == "publish":
        return _refused(request, _("Unknown action. Use the buttons on the claim page."), claim=claim, status=400)
    form = TransitionForm.for_action(action, claim, data=request.POST)
    bound = {"transition": form, "transition_action": action.name}
    if not form.is_valid():
        return _invalid(request, claim, **bound)

    def done(updated):
        messages.success(request, TRANSITION_MESSAGES[action.name]())
        return _back(updated)

    # The workflow checks the version, the role, the state and the comment, in that order.
    data = form.cleaned_data
    return _run(
        request, claim, lambda: workflow.transition(claim, action.name, request.user, data["comment"], data["version"]), bound, done
    )


@login_required
@require_POST
@_desk_claim
def claim_assign(request, claim):
    form = AssignForm(request.POST, auto_id="assign_%s")
    if not form.is_valid():
        return _invalid(request, claim, assign=form)
    assignee = form.cleaned_data["assignee"]

    def done(updated):
        if assignee is None:
            messages.success(request, _("The claim is now unassigned. A reviewer can take it by starting research."))
        else:
            messages.success(request, _("Assigned to %(name)s. The claim is in their queue.") % {"name": assignee.get_username()})
        return _back(updated)

    return _run(
        request, claim, lambda: workflow.assign(claim, request.user, assignee, form.cleaned_data["version"]), {"assign": form}, done
    )


@login_required
@require_POST
@_desk_claim
def source_add(request, claim):
    form = SourceForm(request.POST, auto_id="source_%s")
    if not form.is_valid():
        return _invalid(request, claim, source=form)
    old_status = claim.status

    def done(source):
        if source.claim.status != old_status:
            messages.warning(
                request, _("Source added. The evidence changed after submission, so the claim went back to research: submit it again.")
            )
        else:
            messages.success(request, _("Source added. Add more, or submit the claim for review when the verdict is ready."))
        return _back(claim, "sources")

    return _run(
        request,
        claim,
        lambda: workflow.add_source(claim, request.user, version=form.cleaned_data["version"], **form.source_fields()),
        {"source": form},
        done,
    )


@login_required
@require_POST
@_desk_claim
def source_remove(request, claim, source_pk):
    source = get_object_or_404(Source, pk=source_pk, claim=claim)
    old_status = claim.status

    def done(updated):
        if updated.status != old_status:
            messages.warning(
                request, _("Source removed. The evidence changed after submission, so the claim went back to research: submit it again.")
            )
        else:
            messages.success(request, _("Source removed. The history keeps a record of it."))
        return _back(updated, "sources")

    return _run(request, claim, lambda: workflow.remove_source(source, request.user, _seen_version(request)), {}, done)


@login_required
@require_POST
@_desk_claim
def note_add(request, claim):
    form = NoteForm(request.POST, auto_id="note_%s")
    if not form.is_valid():
        return _invalid(request, claim, note=form)

    def done(note):
        messages.success(request, _("Note added. Notes cannot be edited; correct one by adding another."))
        return _back(claim, "notes")

    # Notes never conflict: two people writing at once both keep theirs.
    return _run(request, claim, lambda: workflow.add_note(claim, request.user, form.cleaned_data["text"]), {"note": form}, done)


@login_required
@require_POST
@_desk_claim
def claim_split(request, claim):
    form = SplitForm(request.POST, claim=claim, points=split_points(claim.essay.text, claim.start, claim.end), auto_id="split_%s")
    if not form.is_valid():
        return _invalid(request, claim, split=form)

    def done(parts):
        first, second = parts
        messages.success(
            request,
            _("Split: #%(first)s keeps the first part, the new claim #%(second)s holds the second. Check the type and the verdict of both.")
            % {"first": first.pk, "second": second.pk},
        )
        return _back(first)

    return _run(
        request,
        claim,
        lambda: workflow.split(claim, request.user, form.cleaned_data["at"], form.cleaned_data["version"]),
        {"split": form},
        done,
    )


@login_required
@require_POST
@_desk_claim
def claim_merge(request, claim):
    form = MergeForm(request.POST, auto_id="merge_%s")
    if not form.is_valid():
        return _invalid(request, claim, merge=form)
    other = get_object_or_404(Claim, pk=form.cleaned_data["other"], essay_id=claim.essay_id)

    def done(merged):
        messages.success(
            request,
            _("Merged: this claim now covers both passages; #%(other)s is dismissed as merged into it. Check the quote and the verdict.")
            % {"other": other.pk},
        )
        return _back(merged)

    return _run(request, claim, lambda: workflow.merge(claim, other, request.user, form.cleaned_data["version"]), {"merge": form}, done)


# --- The essay page -----------------------------------------------------------------------------


@login_required
def essay_detail(request, slug):
    essay = get_object_or_404(Essay.objects.select_related("imported_by"), slug=slug)
    if not is_reviewer(request.user):
        return _refused(
            request,
            _("Only members of the desk (reviewers and editors) may open essays in work. Published essays are on their public page."),
        )
    return _render_essay(request, essay)


def _render_essay(request, essay, form=None, status=200, error=None):
    claims = list(Claim.objects.filter(essay=essay).select_related("assignee").order_by("start", "id"))
    counts = Counter(c.status for c in claims)
    ctx = {
        "essay": essay,
        "claims": claims,
        "status_counts": [(value, counts.get(value, 0)) for value in Status.values],
        "publication": Publication.objects.filter(essay=essay).order_by("-number").first(),
        "form": form or ClaimCreateForm(essay=essay, auto_id="new_%s"),
        "statuses": Status.values,
        "error": error or (_("No claim was made: check the span below.") if form is not None and form.errors else None),
    }
    return render(request, "claims/essay_detail.html", ctx, status=status)


@login_required
@require_POST
def claim_create(request, slug):
    essay = get_object_or_404(Essay, slug=slug)
    if not is_reviewer(request.user):
        return _refused(request, _("Only members of the desk (reviewers and editors) may create claims."), essay=essay)
    form = ClaimCreateForm(request.POST, essay=essay, auto_id="new_%s")
    if not form.is_valid():
        return _render_essay(request, essay, form=form, status=400)
    data = form.cleaned_data
    try:
        claim = workflow.create_claim(essay, request.user, data["start"], data["end"], claim_type=data["claim_type"])
    except NotAllowed as error:
        return _refused(request, error.message, essay=essay)
    except InvalidInput as error:
        _apply_errors(form, error)
        return _render_essay(request, essay, form=form, status=400, error=error.message)
    messages.success(
        request,
        _("Claim #%(id)s created for “%(quote)s”. Start research to take it, or an editor assigns it.")
        % {"id": claim.pk, "quote": claim.quote[:80]},
    )
    return redirect("claim", pk=claim.pk)
