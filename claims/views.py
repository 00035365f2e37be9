"""The desk's HTML pages for essays and claims.

Views are thin: they read forms, call claims/workflow.py (where every rule
lives) and map its refusals to pages: NotAllowed → 403 with the reason,
InvalidInput → 400 with the form kept, Conflict → 409 with the form kept and
what changed since the person loaded the page. Every action redirects back
with a message that says what happened and what comes next.
"""

from collections import Counter
from dataclasses import replace
from functools import wraps
from typing import NamedTuple

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Subquery
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from . import corrections, import_jobs, importing, slugs, workflow
from . import logging as desk_logging
from .forms import (
    ASSIGN,
    DUE,
    PRIORITY,
    AssignForm,
    BulkActionForm,
    ClaimCreateForm,
    ClaimEditForm,
    EssayEditForm,
    EssayImportForm,
    MergeForm,
    MoveSpanForm,
    NoteForm,
    SourceForm,
    SplitForm,
    TransitionForm,
)
from .models import Claim, ClaimEvent, ClaimType, Essay, EssayEvent, ImportJob, Priority, Publication, Source, Status, choice_label
from .publishing import publish_essay
from .roles import desk_members
from .templatetags.desk import display_value, field_label
from .text import Mark, claim_context, highlight_text, split_points
from .workflow import ACTIONS, EDITABLE_FIELDS, Conflict, InvalidInput, NotAllowed


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    from .public import published_essays

    return published_essays(request)


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
    error = workflow.refused("view", user)
    if error is not None:
        raise Refused(error.message)


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
    sources = list(Source.objects.filter(claim=claim).select_related("added_by", "capture").order_by("added_at", "id"))
    for source in sources:
        source.evidence = getattr(source, "capture", None)  # the evidence app's Capture, or None
    unverified = [source for source in sources if source.evidence and source.evidence.excerpt_found is False]
    notes = list(claim.notes.select_related("author").order_by("created_at", "id"))
    events = list(ClaimEvent.objects.filter(claim=claim).select_related("actor").order_by("at", "id"))
    before, after = claim_context(essay.text, claim.start, claim.end)
    may_edit = workflow.can_edit(claim, user)

    actions = []
    for action in workflow.available_actions(claim, user):
        form = bound.get("transition") if bound.get("transition_action") == action.name else None
        actions.append(
            {
                "action": action,
                "form": form or TransitionForm.for_action(action, claim),
                "confirms_excerpts": bool(unverified) and action.name in workflow.CONFIRMS_EXCERPTS,
            }
        )

    ctx = {
        "claim": claim,
        "essay": essay,
        "before": before,
        "after": after,
        "sources": sources,
        "unverified_sources": unverified,
        "capture_on": getattr(settings, "SOURCE_CAPTURE", True),
        "notes": notes,
        "events": events,
        "actions": actions,
        "may_edit": may_edit,
        "may_research": workflow.can_research(claim, user),
        "is_claim_editor": workflow.may("assign", user),
        "edit_form": bound.get("edit") or ClaimEditForm.for_claim(claim, auto_id="edit_%s"),
        "source_form": bound.get("source") or SourceForm(initial={"version": claim.version}, auto_id="source_%s"),
        "note_form": bound.get("note") or NoteForm(initial={"version": claim.version}, auto_id="note_%s"),
        "conflict": conflict,
        "error": bound.get("error"),
        "next_hint": _next_hint(claim, user, may_edit),
    }
    if workflow.may("assign", user):
        # The form shows on claims no longer in work too, with a line that says why they cannot be assigned.
        ctx["assign_form"] = bound.get("assign") or AssignForm(
            initial={"version": claim.version, "assignee": claim.assignee_id}, auto_id="assign_%s"
        )
        if workflow.may("split", user, claim):
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
        request,
        claim,
        lambda: workflow.transition(
            claim,
            action.name,
            request.user,
            data["comment"],
            data["version"],
            confirm_unverified_excerpts=data["confirm_unverified_excerpts"],
            public_note=data.get("public_note", ""),
        ),
        bound,
        done,
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
    essay = get_object_or_404(Essay.objects.select_related("imported_by").annotate(**_essay_page_extras()), slug=slug)
    error = workflow.refused("view", request.user)
    if error is not None:
        return _refused(request, error.message + " " + _("Published essays are on their public page."))
    return _render_essay(request, essay)


# Claims listed in the essay page's table (all of them are highlighted in the text): a table of
# a thousand rows costs ten times the text itself (bench/essay_page.py) and nobody reads it.
ESSAY_TABLE_ROWS = 50
ESSAY_PAGE_CLAIM_FIELDS = ("id", "start", "end", "quote", "status", "verdict", "claim_type", "priority", "assignee__username")


class _TableClaim(NamedTuple):
    """A row of the essay page's table: what it shows, with its labels already translated."""

    id: int
    quote: str
    status: str
    verdict: str
    type_label: str
    priority_label: str
    assignee_name: str | None


def _table_claims(rows):
    """The table's claims from plain rows, each label translated once per page rather than once per row."""
    labels = {}

    def label(choices, value):
        if (choices, value) not in labels:
            labels[choices, value] = str(choice_label(choices, value))
        return labels[choices, value]

    return [
        _TableClaim(
            row.id,
            row.quote,
            row.status,
            row.verdict,
            label(ClaimType, row.claim_type),
            label(Priority, row.priority),
            row.assignee__username,
        )
        for row in rows
    ]


def _essay_page_extras():
    """Whether the essay has a history, its latest publication, and its import still under way: read with the
    essay, no query of their own."""
    pending = ImportJob.objects.filter(essay=OuterRef("pk")).exclude(status=ImportJob.State.DONE).order_by("-created_at", "-id")
    latest = Publication.objects.latest_of(OuterRef("pk"))
    return {
        "has_history": Exists(EssayEvent.objects.filter(essay=OuterRef("pk"))),
        "publication_number": Subquery(latest.values("number")[:1]),
        "publication_at": Subquery(latest.values("published_at")[:1]),
        "pending_job_id": Subquery(pending.values("pk")[:1]),
        "pending_job_status": Subquery(pending.values("status")[:1]),
    }


def _latest_publication(essay):
    if not hasattr(essay, "publication_number"):
        return Publication.objects.latest_for(essay)
    return {"number": essay.publication_number, "published_at": essay.publication_at} if essay.publication_number else None


def _history_and_job(essay):
    if not hasattr(essay, "has_history"):
        essay = Essay.objects.annotate(**_essay_page_extras()).only("pk").get(pk=essay.pk)
    history = list(EssayEvent.objects.filter(essay=essay).select_related("actor").order_by("at", "id")) if essay.has_history else []
    job = {"pk": essay.pending_job_id, "status": essay.pending_job_status} if essay.pending_job_id else None
    return {"history": history, "import_job": job}


def _render_essay(request, essay, form=None, status=200, error=None):
    # Only what the marks and the table show: an essay may have thousands of claims (bench/essay_page.py).
    # Every claim is marked in the text: plain (id, start, end, status) rows (a model instance per claim costs
    # five times a tuple, bench/essay_page.py); the table's first rows in a query of their own.
    ordered = Claim.objects.filter(essay=essay).order_by("start", "id")
    claims = list(ordered.values_list("id", "start", "end", "status"))
    counts = Counter(status for _id, _start, _end, status in claims)
    ctx = {
        "essay": essay,
        "claims": claims,
        "status_counts": [(value, counts.get(value, 0)) for value in Status.values],
        "publication": _latest_publication(essay),
        "form": form or ClaimCreateForm(essay=essay, auto_id="new_%s"),
        "statuses": Status.values,
        "error": error or (_("No claim was made: check the span below.") if form is not None and form.errors else None),
        # Corrections after import (claims/corrections.py) and a long essay's import still under way.
        "may_correct": workflow.may("edit_essay", request.user),
        **_history_and_job(essay),
        # The table lists the first claims in text order; the dashboard (filtered by the essay) has them all.
        "table_claims": _table_claims(ordered.values_list(*ESSAY_PAGE_CLAIM_FIELDS, named=True)[:ESSAY_TABLE_ROWS]) if claims else [],
    }
    return render(request, "claims/essay_detail.html", ctx, status=status)


@login_required
@require_POST
def claim_create(request, slug):
    essay = get_object_or_404(Essay, slug=slug)
    error = workflow.refused("create", request.user)
    if error is not None:
        return _refused(request, error.message, essay=essay)
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


# --- publishing -----------------------------------------------------------------------------------


@login_required
@require_POST
def publish(request, slug):
    """Publish every approved claim of the essay (publishing.publish_essay, which asks the workflow who may)."""
    essay = get_object_or_404(Essay, slug=slug)
    try:
        publication = publish_essay(essay, request.user)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except (InvalidInput, Conflict) as error:
        messages.error(request, error.message)
        return redirect("essay", slug=essay.slug)
    total = len(publication.snapshot["claims"])
    new = len(publication.newly_published)
    corrections = len(publication.corrections)
    public_url = reverse("public_essay", args=[essay.slug])
    what = ngettext(
        "Published %(new)s newly approved verdict of “%(title)s” as publication #%(number)s",
        "Published %(new)s newly approved verdicts of “%(title)s” as publication #%(number)s",
        new,
    ) % {"new": new, "title": essay.title, "number": publication.number}
    extra = ngettext("%(total)s claim is public in all", "%(total)s claims are public in all", total) % {"total": total}
    if corrections:
        extra += "; " + ngettext("%(count)s correction is listed", "%(count)s corrections are listed", corrections) % {"count": corrections}
    messages.success(
        request,
        format_html(
            '{} ({}). {} <a href="{}">{}</a>. {}',
            what,
            extra,
            _("Readers see it at"),
            public_url,
            request.build_absolute_uri(public_url),
            _("Verdicts approved from now on go out with the next publication."),
        ),
    )
    return redirect("essay", slug=essay.slug)


# --- the import page (paste, upload, address), a long essay's import job, corrections after import ------


@login_required
def essay_import(request):
    try:
        workflow.check("import", request.user)
    except workflow.NotAllowed as error:
        raise PermissionDenied(error.message) from None
    ctx = {"claim_types": dict(ClaimType.choices)}
    if request.method != "POST":
        ctx["form"] = EssayImportForm()
        return render(request, "claims/essay_import.html", ctx)

    form = EssayImportForm(request.POST, request.FILES)
    ctx["form"] = form
    if not form.is_valid():
        return render(request, "claims/essay_import.html", ctx, status=400)
    data = form.cleaned_data
    text = data["text"]
    if import_jobs.runs_in_background(text):
        return _import_in_background(request, form, data, ctx)
    proposals = importing.propose(text, data["language"] or None)
    if "import" not in request.POST:
        # The preview: the text moves into the textarea so that an upload is not needed twice;
        # the address the essay will get shows in the slug field, to keep or to change.
        slug = data["slug"] or slugs.unique_slug(data["title"], text)
        ctx["intake"] = form.intake  # how the text was read: the file's kind and encoding, or the page fetched
        form = EssayImportForm(initial={**form.preview_initial(), "slug": slug})
        ctx.update(form=form, proposals=proposals, preview=True, language=data["language"] or importing.extraction.detect_language(text))
        return render(request, "claims/essay_import.html", ctx)

    if "unticked" in request.POST:
        # One JSON field with what the editor unticked (the page's script): never one field per proposal.
        try:
            unticked = import_jobs.parse_unticked(request.POST["unticked"], proposals)
        except workflow.InvalidInput as error:
            form.add_error(None, str(error.message))
            return render(request, "claims/essay_import.html", ctx, status=400)
        proposals = import_jobs.keep_only(proposals, lambda p: f"{p.start}-{p.end}" not in unticked)
    elif "keep_all" not in request.POST:
        proposals = _keep(proposals, set(request.POST.getlist("keep")))
    try:
        essay = importing.import_essay(
            title=data["title"],
            text=text,
            language=data["language"] or None,
            slug=data["slug"] or None,
            author=data["author"],
            url=data["url"],
            published_on=data["published_on"],
            fetched_at=data.get("fetched_at"),
            user=request.user,
            proposals=proposals,
        )
    except importing.EssayRejected as exc:
        return _rejected(request, form, exc, ctx)
    messages.success(
        request,
        ngettext(
            "Imported “%(title)s” with %(count)s proposed claim. Next: assign it to a reviewer, or dismiss it if it is not check-worthy.",
            "Imported “%(title)s” with %(count)s proposed claims. Next: assign them to reviewers, or dismiss what is not check-worthy.",
            len(proposals),
        )
        % {"title": essay.title, "count": len(proposals)},
    )
    return redirect(essay)


def _rejected(request, form, exc, ctx):
    """The import form again (400) with why the essay was refused, each error on its field."""
    for field, errors in exc.errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, str(error))
    if not exc.errors:
        form.add_error(None, str(exc.message))
    return render(request, "claims/essay_import.html", ctx, status=400)


def _keep(proposals, chosen):
    """Keep the proposals the editor ticked; a kept duplicate whose original was dropped stands alone."""
    kept, new_index = [], {}
    for i, p in enumerate(proposals):
        if f"{p.start}-{p.end}" in chosen:
            new_index[i] = len(kept)
            kept.append(p)
    return [p if p.duplicate_of is None else replace(p, duplicate_of=new_index.get(p.duplicate_of)) for p in kept]


def _import_in_background(request, form, data, ctx):
    """A long essay: store it now, let a worker propose its claims, and show the progress."""
    try:
        essay = importing.import_essay(
            title=data["title"],
            text=data["text"],
            language=data["language"] or None,
            slug=data["slug"] or None,
            author=data["author"],
            url=data["url"],
            published_on=data["published_on"],
            fetched_at=data.get("fetched_at"),
            user=request.user,
            job_mode=ImportJob.Mode.REVIEW,
        )
    except importing.EssayRejected as exc:
        return _rejected(request, form, exc, ctx)
    messages.info(
        request,
        _("“%(title)s” is stored. It is long, so a background worker proposes its claims; this page shows how far it is.")
        % {"title": essay.title},
    )
    return redirect(essay.import_job)


def _job_for_editor(request, pk):
    job = get_object_or_404(ImportJob.objects.select_related("essay", "created_by"), pk=pk)
    error = workflow.refusal("import", request.user)
    return job, error


@login_required
def import_job(request, pk):
    job, error = _job_for_editor(request, pk)
    if error is not None:
        return _refused(request, error.message, essay=job.essay)
    if request.method == "POST":
        return _accept(request, job)
    return _render(request, job)


def _render(request, job, status=200, error=None):
    ctx = {
        "job": job,
        "essay": job.essay,
        "essay_url": job.essay.get_absolute_url(),
        "error": error,
        "claim_types": dict(ClaimType.choices),
        "proposals": import_jobs.job_proposals(job) if job.status == ImportJob.State.READY else [],
    }
    return render(request, "claims/import_job.html", ctx, status=status)


def _accept(request, job):
    if job.status != ImportJob.State.READY:
        return _render(request, job, status=409, error=_("There are no proposals waiting to be imported here; reload the page."))
    proposals = import_jobs.job_proposals(job)
    try:
        if "unticked" in request.POST:
            unticked = import_jobs.parse_unticked(request.POST["unticked"], proposals)
        else:
            # Without the page's script: the ticked boxes themselves (fine for a few hundred proposals).
            kept = set(request.POST.getlist("keep"))
            unticked = {f"{p.start}-{p.end}" for p in proposals} - kept
        count = import_jobs.accept(job, request.user, unticked)
    except workflow.NotAllowed as error:
        return _refused(request, error.message, essay=job.essay)
    except workflow.WorkflowError as error:
        job.refresh_from_db()
        return _render(request, job, status=error.status_code, error=error.message)
    messages.success(
        request,
        ngettext(
            "Imported “%(title)s” with %(count)s proposed claim. Next: assign it to a reviewer, or dismiss it if it is not check-worthy.",
            "Imported “%(title)s” with %(count)s proposed claims. Next: assign them to reviewers, or dismiss what is not check-worthy.",
            count,
        )
        % {"title": job.essay.title, "count": count},
    )
    return redirect(job.essay)


@login_required
@require_GET
def import_job_status(request, pk):
    job, error = _job_for_editor(request, pk)
    if error is not None:
        return JsonResponse({"detail": str(error.message)}, status=403)
    return JsonResponse(import_jobs.status(job))


@login_required
@require_POST
def import_job_retry(request, pk):
    job, error = _job_for_editor(request, pk)
    if error is not None:
        return _refused(request, error.message, essay=job.essay)
    try:
        import_jobs.retry(job, request.user)
    except workflow.WorkflowError as refusal:
        return _render(request, job, status=refusal.status_code, error=refusal.message)
    messages.info(request, _("The import is queued again; this page shows its progress."))
    return redirect(job)


def _essay_for_editor(request, slug, rule):
    essay = get_object_or_404(Essay.objects.select_related("imported_by"), slug=slug)
    error = workflow.refusal(rule, request.user)
    return essay, error


@login_required
def essay_edit(request, slug):
    essay, error = _essay_for_editor(request, slug, "edit_essay")
    if error is not None:
        return _refused(request, error.message, essay=essay)
    initial = {name: getattr(essay, name) for name in corrections.EDITABLE}
    if request.method != "POST":
        return render(request, "claims/essay_edit.html", {"essay": essay, "form": EssayEditForm(initial=initial)})
    form = EssayEditForm(request.POST, initial=initial)
    if form.is_valid():
        try:
            updated, changed = corrections.edit_essay(essay, request.user, form.cleaned_data)
        except workflow.NotAllowed as refusal:
            return _refused(request, refusal.message, essay=essay)
        except workflow.InvalidInput as refusal:
            for name, msgs in refusal.errors.items():
                for msg in msgs:
                    form.add_error(name if name in form.fields else None, msg)
        else:
            messages.success(
                request, _("Saved; the essay's history shows the change.") if changed else _("Nothing changed, so nothing was saved.")
            )
            return redirect(updated)
    return render(request, "claims/essay_edit.html", {"essay": essay, "form": form}, status=400)


@login_required
def essay_delete(request, slug):
    essay, error = _essay_for_editor(request, slug, "delete_essay")
    if error is not None:
        return _refused(request, error.message, essay=essay)
    counts = corrections.what_goes(essay)
    refusal = corrections.deletion_refusal(counts)
    ctx = {"essay": essay, "counts": counts, "refusal": refusal.message if refusal else None}
    if request.method != "POST":
        return render(request, "claims/essay_delete.html", ctx, status=409 if refusal else 200)
    if request.POST.get("confirm") != "yes":
        ctx["error"] = _("Tick the box to confirm that all of this goes.")
        return render(request, "claims/essay_delete.html", ctx, status=400)
    try:
        gone = corrections.delete_essay(essay, request.user)
    except workflow.WorkflowError as refused:
        ctx.update(refusal=refused.message, counts=corrections.what_goes(essay))
        return render(request, "claims/essay_delete.html", ctx, status=refused.status_code)
    messages.success(
        request,
        _("Deleted “%(title)s” with its %(claims)s claims, %(sources)s sources and %(notes)s notes.")
        % {"title": essay.title, "claims": gone["claims"], "sources": gone["sources"], "notes": gone["notes"]},
    )
    return redirect("dashboard")


@login_required
def claim_move_span(request, pk):
    claim = get_object_or_404(Claim.objects.select_related(*CLAIM_PAGE_RELATED), pk=pk)
    error = workflow.refusal("edit", request.user, claim, guards=False)
    if error is not None and not isinstance(error, workflow.Conflict):
        return _refused(request, error.message, claim=claim)
    if request.method != "POST":
        form = MoveSpanForm(claim=claim, initial={"version": claim.version, "start": claim.start, "end": claim.end})
        return _render_move(request, claim, form, error=error.message if error else None, status=409 if error else 200)
    form = MoveSpanForm(request.POST, claim=claim)
    if not form.is_valid():
        return _render_move(request, claim, form, status=400)
    data = form.cleaned_data
    old_status = claim.status
    try:
        moved = workflow.move_span(claim, request.user, data["start"], data["end"], data["version"])
    except workflow.NotAllowed as refusal:
        return _refused(request, refusal.message, claim=claim)
    except workflow.WorkflowError as refusal:
        form.add_error(None, refusal.message)
        for name, msgs in refusal.errors.items():
            for msg in msgs:
                form.add_error(name if name in form.fields else None, msg)
        claim = get_object_or_404(Claim.objects.select_related(*CLAIM_PAGE_RELATED), pk=pk)
        return _render_move(request, claim, form, status=refusal.status_code)
    if moved.status != old_status:
        messages.warning(
            request, _("The claim now covers the new passage. The span changed after submission, so it went back to research.")
        )
    elif moved.version == data["version"]:
        messages.info(request, _("That is already the claim's passage; nothing changed."))
    else:
        messages.success(request, _("The claim now covers the new passage; its history records the move."))
    return redirect(moved)


def _render_move(request, claim, form, status=200, error=None):
    before, after = claim_context(claim.essay.text, claim.start, claim.end)
    # The essay's text to select the new passage in, the claim's passage marked (the essay page's offsets).
    now = Mark(claim.start, claim.end, f"status-{claim.status}", claim.get_absolute_url(), f"#{claim.pk}", claim.pk)
    ctx = {
        "claim": claim,
        "essay": claim.essay,
        "form": form,
        "before": before,
        "after": after,
        "error": error,
        "marked_text": highlight_text(claim.essay.text, [now]),
    }
    return render(request, "claims/claim_move_span.html", ctx, status=status)


# --- the dashboard's bulk actions ---------------------------------------------------------------

MAX_BULK = 500


def _parse_selection(values):
    """("12:3", "15") → ({12: 3, 15: None}, ["bad input"]); the version part is optional."""
    chosen, bad = {}, []
    for raw in values:
        pk_text, _sep, version_text = str(raw).partition(":")
        if not pk_text.isdigit() or len(pk_text) > 18 or (version_text and (not version_text.isdigit() or len(version_text) > 9)):
            bad.append(raw)
            continue
        chosen[int(pk_text)] = int(version_text) if version_text else None
    return chosen, bad


def _bulk_back(request):
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("dashboard")


def _apply_bulk(action, claim, user, form, version):
    if action == ASSIGN:
        return workflow.assign(claim, user, form.assignee_user, version=version)
    if action == PRIORITY:
        return workflow.edit(
            claim, user, {"priority": form.cleaned_data["priority"]}, version=claim.version if version is None else version
        )
    if action == DUE:
        return workflow.edit(claim, user, {"due": form.cleaned_data["due"]}, version=claim.version if version is None else version)
    return workflow.transition(claim, "dismiss", user, comment=form.cleaned_data["comment"], version=version)


@login_required
@require_POST
def bulk_action(request):
    """Apply one action to the selected claims, each through the workflow, and say what happened to each."""
    error = workflow.refused("bulk", request.user)
    if error is not None:
        raise PermissionDenied(error.message)
    back = _bulk_back(request)
    form = BulkActionForm(request.POST, members=desk_members())
    chosen, bad = _parse_selection(request.POST.getlist("claims"))
    if not form.is_valid():
        problems = " ".join(str(error) for errors in form.errors.values() for error in errors)
        messages.error(request, _("Nothing was changed: %(problems)s") % {"problems": problems})
        return redirect(back)
    if not chosen and not bad:
        messages.error(request, _("Nothing was changed: select at least one claim in the table first."))
        return redirect(back)
    if len(chosen) + len(bad) > MAX_BULK:
        messages.error(request, _("Nothing was changed: select at most %(max)s claims at once.") % {"max": MAX_BULK})
        return redirect(back)
    action = form.cleaned_data["action"]
    claims = {claim.pk: claim for claim in Claim.objects.select_related("assignee").filter(pk__in=list(chosen))}
    done, unchanged, refused = [], [], []
    for pk, version in chosen.items():
        claim = claims.get(pk)
        if claim is None:
            refused.append((pk, _("There is no such claim (it may have been deleted or merged).")))
            continue
        before = claim.version
        try:
            result = _apply_bulk(action, claim, request.user, form, version)
        except workflow.WorkflowError as error:
            refused.append((pk, error.message))
            continue
        (done if result.version != before else unchanged).append(pk)
    for raw in bad:
        refused.append((raw, _("This is not a claim number.")))
    _bulk_report(request, action, form, done, unchanged, refused)
    return redirect(back)


def _ids(pks):
    return ", ".join(f"#{pk}" for pk in pks)


def _bulk_report(request, action, form, done, unchanged, refused):
    if done:
        if action == ASSIGN:
            who = form.assignee_user
            text = (
                ngettext(
                    "Assigned %(count)s claim to %(name)s (%(ids)s); it is now in their queue.",
                    "Assigned %(count)s claims to %(name)s (%(ids)s); they are now in their queue.",
                    len(done),
                )
                % {"count": len(done), "name": who.get_username(), "ids": _ids(done)}
                if who
                else ngettext(
                    "Unassigned %(count)s claim (%(ids)s); anyone on the desk may pick it up.",
                    "Unassigned %(count)s claims (%(ids)s); anyone on the desk may pick them up.",
                    len(done),
                )
                % {"count": len(done), "ids": _ids(done)}
            )
        elif action == PRIORITY:
            text = ngettext(
                "Set the priority of %(count)s claim to %(priority)s (%(ids)s).",
                "Set the priority of %(count)s claims to %(priority)s (%(ids)s).",
                len(done),
            ) % {"count": len(done), "priority": Priority(form.cleaned_data["priority"]).label, "ids": _ids(done)}
        elif action == DUE:
            text = ngettext(
                "Set the due date of %(count)s claim to %(due)s (%(ids)s).",
                "Set the due date of %(count)s claims to %(due)s (%(ids)s).",
                len(done),
            ) % {"count": len(done), "due": form.cleaned_data["due"].isoformat(), "ids": _ids(done)}
        else:
            text = ngettext(
                "Dismissed %(count)s claim (%(ids)s); an editor can reopen it from its page.",
                "Dismissed %(count)s claims (%(ids)s); an editor can reopen them from their pages.",
                len(done),
            ) % {"count": len(done), "ids": _ids(done)}
        messages.success(request, text)
    if unchanged:
        messages.info(
            request,
            ngettext(
                "%(count)s claim already had that value (%(ids)s).", "%(count)s claims already had that value (%(ids)s).", len(unchanged)
            )
            % {"count": len(unchanged), "ids": _ids(unchanged)},
        )
    for pk, reason in refused:
        messages.error(request, _("Claim #%(id)s was not changed: %(reason)s") % {"id": pk, "reason": reason})
    if refused:
        messages.warning(request, _("Reload the dashboard to see the claims as they are now, then try again for those that were refused."))
