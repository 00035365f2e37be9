"""The import page: paste or upload an essay, review the proposed claims, import."""

from dataclasses import replace

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import importing
from .models import ClaimType, Language
from .roles import is_editor


class EssayImportForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=importing.MAX_TITLE)
    text = forms.CharField(
        label=gettext_lazy("Essay text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=gettext_lazy("Paste the text exactly as published, or choose a file below."),
    )
    file = forms.FileField(
        label=gettext_lazy("…or a text file"),
        required=False,
        help_text=gettext_lazy("A UTF-8 .txt or .md file."),
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.md,text/plain,text/markdown"}),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), required=False, choices=[("", gettext_lazy("Detect automatically")), *Language.choices]
    )
    slug = forms.SlugField(
        label=gettext_lazy("Slug (web address)"),
        required=False,
        max_length=120,
        help_text=gettext_lazy("Leave empty to make one from the title."),
    )
    author = forms.CharField(label=gettext_lazy("Author"), required=False, max_length=200)
    url = forms.URLField(label=gettext_lazy("Published at (URL)"), required=False, max_length=1000, assume_scheme="https")
    published_on = forms.DateField(label=gettext_lazy("Published on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            if not upload.name.lower().endswith((".txt", ".md", ".markdown", ".text")):
                self.add_error("file", _("Choose a .txt or .md file."))
                return data
            if upload.size > importing.max_bytes():
                self.add_error("file", _("The file is larger than %(limit)s MB.") % {"limit": round(importing.max_bytes() / 1e6, 1)})
                return data
            try:
                data["text"] = importing.decode_upload(upload.read())
            except importing.EssayRejected as exc:
                self.add_error("file", str(exc.message))
                return data
        text = data.get("text") or ""
        try:
            importing.check_text(text)
        except importing.EssayRejected as exc:
            self.add_error("text" if not upload else "file", str(exc.message))
            return data
        existing = importing.already_imported(text)
        if existing:
            self.add_error("text", _("This text was already imported as “%(title)s”.") % {"title": existing.title})
        return data


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
