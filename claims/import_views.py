"""The import page: paste or upload an essay, review the proposed claims, import."""

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import importing
from .forms import EssayImportForm
from .models import ClaimType
from .roles import is_editor


@login_required
def essay_import(request):
    if not is_editor(request.user):
        raise PermissionDenied(_("Only editors import essays."))
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
    proposals = importing.propose(text, data["language"] or None)
    if "import" not in request.POST:
        # The preview: the text moves into the textarea so that an upload is not needed twice.
        form = EssayImportForm(initial={**data, "text": text, "file": None})
        ctx.update(form=form, proposals=proposals, preview=True, language=data["language"] or importing.extraction.detect_language(text))
        return render(request, "claims/essay_import.html", ctx)

    chosen = set(request.POST.getlist("keep"))
    if "keep_all" not in request.POST:
        proposals = _keep(proposals, chosen)
    try:
        essay = importing.import_essay(
            title=data["title"],
            text=text,
            language=data["language"] or None,
            slug=data["slug"] or None,
            author=data["author"],
            url=data["url"],
            published_on=data["published_on"],
            user=request.user,
            proposals=proposals,
        )
    except importing.EssayRejected as exc:
        for field, errors in exc.errors.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, str(error))
        if not exc.errors:
            form.add_error(None, str(exc.message))
        return render(request, "claims/essay_import.html", ctx, status=400)
    messages.success(
        request,
        _("Imported “%(title)s” with %(count)s proposed claims. Next: assign them to reviewers, or dismiss what is not check-worthy.")
        % {"title": essay.title, "count": len(proposals)},
    )
    return redirect(essay)


def _keep(proposals, chosen):
    """Keep the proposals the editor ticked; a kept duplicate whose original was dropped stands alone."""
    kept, new_index = [], {}
    for i, p in enumerate(proposals):
        if f"{p.start}-{p.end}" in chosen:
            new_index[i] = len(kept)
            kept.append(p)
    return [p if p.duplicate_of is None else replace(p, duplicate_of=new_index.get(p.duplicate_of)) for p in kept]
