from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import importing
from .models import HTTP_URL, ClaimType, Language, Priority, Stance, Verdict
from .workflow import ACTIONS, CLAIM_ACTIONS, EDITABLE_FIELDS


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with the attributes password managers and phones expect."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
        self.error_messages["invalid_login"] = _(
            "That username and password do not match. Both are case-sensitive. "
            "After several failed attempts, sign-in pauses for a few minutes."
        )


# --- The reviewer's forms (claim page and essay page) ----------------------------------------------
# Each form carries the claim `version` it was rendered with; the workflow compares it
# with the stored one, so a stale save becomes a conflict instead of a lost update.


class VersionedForm(forms.Form):
    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, error_messages={"required": _("The form lost the claim version; reload the page.")}
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ClaimEditForm(VersionedForm):
    """The verdict and the claim's own fields; `changes()` is what workflow.edit takes."""

    verdict = forms.ChoiceField(label=_("Verdict"), choices=[("", _("— no verdict yet —")), *Verdict.choices], required=False)
    verdict_summary = forms.CharField(
        label=_("Explanation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What a reader sees: why the verdict holds, in a few sentences."),
    )
    normalized = forms.CharField(
        label=_("Normalized statement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The claim restated in checkable form."),
    )
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)
    due = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    speaker = forms.CharField(
        label=_("Speaker"), max_length=200, required=False, help_text=_("Who makes the claim; empty means the essay's author.")
    )
    claim_type = forms.ChoiceField(label=_("Type"), choices=ClaimType.choices)

    field_order = ["verdict", "verdict_summary", "normalized", "priority", "due", "speaker", "claim_type", "version"]

    @classmethod
    def for_claim(cls, claim, **kwargs):
        initial = {name: getattr(claim, name) for name in EDITABLE_FIELDS}
        initial["version"] = claim.version
        return cls(initial=initial, **kwargs)

    def changes(self):
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}


class SourceForm(VersionedForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=2000,
        validators=[HTTP_URL],
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    title = forms.CharField(label=_("Title"), max_length=500, required=False)
    publisher = forms.CharField(label=_("Publisher"), max_length=300, required=False)
    published_on = forms.DateField(label=_("Published on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    archive_url = forms.URLField(
        label=_("Archive URL"),
        max_length=2000,
        required=False,
        validators=[HTTP_URL],
        assume_scheme="https",
        help_text=_("A copy in a web archive, if any."),
    )
    excerpt = forms.CharField(
        label=_("Excerpt"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("The passage the verdict relies on.")
    )
    stance = forms.ChoiceField(label=_("Stance"), choices=Stance.choices, initial=Stance.CONTEXT)

    def source_fields(self):
        return {name: self.cleaned_data[name] for name in ("url", "title", "publisher", "published_on", "archive_url", "excerpt", "stance")}


class NoteForm(VersionedForm):
    text = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Notes cannot be edited later; correct a note with a new one."),
        error_messages={"required": _("Write something before adding the note.")},
    )


COMMENT_LABELS = {
    "return": _("Why return it? The assignee reads this."),
    "dismiss": _("Why is it not worth checking?"),
    "reopen": _("Why reopen it?"),
}


class TransitionForm(VersionedForm):
    action = forms.ChoiceField(choices=[(name, ACTIONS[name].label) for name in CLAIM_ACTIONS], widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    @classmethod
    def for_action(cls, action, claim, data=None):
        """The form of one action button; the comment is required in the browser where the table says so.

        The server-side check of the comment is workflow.transition's, so that the
        HTML page and the API refuse a missing comment with the same words.
        """
        form = cls(data=data, initial={"action": action.name, "version": claim.version}, auto_id=f"{action.name}_%s")
        if action.needs_comment:
            form.fields["comment"].widget.attrs["required"] = True
            form.fields["comment"].label = COMMENT_LABELS.get(action.name, _("Comment"))
            form.fields["comment"].help_text = _("Required; it stays in the claim's history.")
        return form


def desk_members():
    """Active users who may research claims (the Reviewers and Editors groups, or superusers)."""
    group_perm = Q(groups__permissions__codename="research_claim", groups__permissions__content_type__app_label="claims")
    user_perm = Q(user_permissions__codename="research_claim", user_permissions__content_type__app_label="claims")
    return get_user_model().objects.filter(Q(is_superuser=True) | group_perm | user_perm, is_active=True).distinct().order_by("username")


class AssignForm(VersionedForm):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("— nobody (unassigned) —"),
        help_text=_("Members of the desk: reviewers and editors."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = desk_members()


class ClaimCreateForm(forms.Form):
    """A new claim at essay.text[start:end] (code points); `quote` is what the person saw selected."""

    start = forms.IntegerField(label=_("Start"), min_value=0, help_text=_("Offset of the first character, counted in characters from 0."))
    end = forms.IntegerField(label=_("End"), min_value=1, help_text=_("Offset just after the last character."))
    quote = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    claim_type = forms.ChoiceField(label=_("Type"), choices=ClaimType.choices, initial=ClaimType.OTHER)

    def __init__(self, *args, essay=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.essay = essay

    def clean(self):
        cleaned = super().clean()
        start, end, quote = cleaned.get("start"), cleaned.get("end"), cleaned.get("quote")
        if start is None or end is None or self.essay is None:
            return cleaned
        text = self.essay.text
        if not (start < end <= len(text)):
            self.add_error("end", _("The span must end after it starts and inside the essay (0 to %(length)s).") % {"length": len(text)})
        elif quote and text[start:end] != quote:
            self.add_error(
                None,
                _(
                    "The selected text does not match the essay at %(start)s–%(end)s, so no claim was made. Reload the page and select the text again."
                )
                % {"start": start, "end": end},
            )
        return cleaned


class SplitForm(VersionedForm):
    point = forms.TypedChoiceField(label=_("Split after"), coerce=int, required=False, empty_value=None)
    offset = forms.IntegerField(
        label=_("…or after this many characters of the quote"),
        required=False,
        min_value=1,
        help_text=_("Counted from the first character of the quote."),
    )

    def __init__(self, *args, claim=None, points=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.claim = claim
        text = claim.essay.text if claim else ""
        self.fields["point"].choices = [("", _("— choose a point —"))] + [
            (p, f"…{text[max(claim.start, p - 12) : p]} | {text[p : min(claim.end, p + 12)]}…") for p in points
        ]

    def clean(self):
        cleaned = super().clean()
        point, offset = cleaned.get("point"), cleaned.get("offset")
        if point is None and offset is None:
            if not self.errors:
                raise forms.ValidationError(_("Choose a point inside the quote, or give a number of characters."))
            return cleaned
        cleaned["at"] = point if point is not None else self.claim.start + offset
        return cleaned


class MergeForm(VersionedForm):
    other = forms.IntegerField(widget=forms.HiddenInput)


class EssayImportForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=importing.MAX_TITLE)
    text = forms.CharField(
        label=_("Essay text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Paste the text exactly as published, or choose a file below."),
    )
    file = forms.FileField(
        label=_("…or a text file"),
        required=False,
        help_text=_("A UTF-8 .txt or .md file."),
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.md,text/plain,text/markdown"}),
    )
    language = forms.ChoiceField(label=_("Language"), required=False, choices=[("", _("Detect automatically")), *Language.choices])
    slug = forms.SlugField(
        label=_("Slug (web address)"),
        required=False,
        max_length=120,
        help_text=_("Leave empty to make one from the title."),
    )
    author = forms.CharField(label=_("Author"), required=False, max_length=200)
    url = forms.URLField(label=_("Published at (URL)"), required=False, max_length=1000, assume_scheme="https")
    published_on = forms.DateField(label=_("Published on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

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
