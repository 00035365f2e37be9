import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core import signing
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from . import importing, intake
from .importing import MAX_TITLE
from .models import HTTP_URL, ClaimType, Language, Priority, Stance, Verdict
from .roles import desk_members
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
    "reopen": _("Why reopen it? (internal)"),
}


class TransitionForm(VersionedForm):
    action = forms.ChoiceField(choices=[(name, ACTIONS[name].label) for name in CLAIM_ACTIONS], widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    # Reopening a published claim only: what readers see in the corrections log (optional).
    public_note = forms.CharField(
        label=_("Correction note for readers (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown on the public page when the corrected verdict is published; without it readers see a neutral line."),
    )
    confirm_unverified_excerpts = forms.BooleanField(
        label=_("I checked the sources whose excerpt was not found on the captured page; go on anyway."), required=False
    )

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
            form.fields["comment"].help_text = _("Required; it stays in the claim's history and is never shown to readers.")
        return form


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


FETCHED_SALT = "claims.intake.fetched"


class EssayImportForm(forms.Form):
    """One essay from pasted text, a file or a web address (claims/intake.py reads each).

    The title, author, date and address a file or page gives fill the fields left empty;
    `intake` is what was read, for the preview to say how.
    """

    # Not required here: a file or a page may give it; the importer refuses an essay without one.
    title = forms.CharField(label=_("Title"), max_length=importing.MAX_TITLE, required=False)
    text = forms.CharField(
        label=_("Essay text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Paste the text exactly as published, or choose a file below."),
    )
    file = forms.FileField(
        label=_("…or a file"),
        required=False,
        help_text=_(
            "A .txt or .md file (UTF-8, UTF-16, GB18030/GBK or Big5), a Word .docx document, or a web page saved as .html, .htm or .mhtml."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": intake.ACCEPT}),
    )
    from_url = forms.CharField(
        label=_("…or the article's web address"),
        required=False,
        max_length=1000,
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
        help_text=_("The desk fetches the page and keeps its main text, title, author and date."),
    )
    # Signed by the preview of a fetched page: the address and the time it was fetched.
    fetched = forms.CharField(required=False, widget=forms.HiddenInput)
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
        self.intake = None
        upload, address, text = data.get("file"), (data.get("from_url") or "").strip(), data.get("text") or ""
        if upload and address:
            self.add_error("from_url", _("Choose a file or give a web address, not both."))
            return data
        if address and text.strip():
            self.add_error("from_url", _("Empty the text box to import from a web address, or leave the address empty."))
            return data
        try:
            if upload:
                # One byte over the largest file read is enough to refuse it.
                received = intake.from_file(upload.name, upload.read(intake.max_file_bytes() + 1))
            elif address:
                received = intake.from_url(address)
            else:
                received = intake.from_text(text)
        except importing.EssayRejected as exc:
            field = "file" if upload else "from_url" if address else "text"
            self.add_error(field, str(exc.message))
            return data
        self.intake = received
        data["text"] = received.text
        for name, value in received.metadata().items():
            if not data.get(name):
                data[name] = value
        data["fetched_at"] = received.fetched_at or self._signed_fetch_time(data)
        if upload or address:
            # Shown again (an error below, or the preview) without the file or the fetch.
            self.data = self.data.copy()
            self.data.update({name: data[name] for name in ("text", "title", "author", "url") if data.get(name)})
            if data.get("published_on"):
                self.data["published_on"] = data["published_on"].isoformat()
            self.data["from_url"] = ""
            if received.fetched_at:
                self.data["fetched"] = self.fetched_token(received)
        if not data.get("title") and "title" not in self.errors:
            self.add_error("title", _("Give the essay a title (the file or page named none)."))
        existing = importing.already_imported(received.text)
        if existing:
            self.add_error("text", _("This text was already imported as “%(title)s”.") % {"title": existing.title})
        return data

    @staticmethod
    def fetched_token(received):
        return signing.dumps({"url": received.url, "at": received.fetched_at.isoformat()}, salt=FETCHED_SALT)

    def _signed_fetch_time(self, data):
        """The time the preview fetched the page, if the address is still the one fetched."""
        try:
            fetched = signing.loads(data.get("fetched") or "", salt=FETCHED_SALT, max_age=7 * 24 * 3600)
            at = dt.datetime.fromisoformat(fetched["at"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return None
        return at if fetched.get("url") and fetched["url"] == data.get("url") else None

    def preview_initial(self):
        """The fields of the preview's form: the text in the text box, the fetch signed, no file, no address."""
        initial = {**self.cleaned_data, "file": None, "from_url": ""}
        received = self.intake
        initial["fetched"] = self.fetched_token(received) if received is not None and received.fetched_at else self.data.get("fetched", "")
        return initial


class EssayEditForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=MAX_TITLE)
    author = forms.CharField(label=gettext_lazy("Author"), required=False, max_length=200)
    url = forms.URLField(label=gettext_lazy("Published at (URL)"), required=False, max_length=1000, assume_scheme="https")
    published_on = forms.DateField(label=gettext_lazy("Published on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class MoveSpanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    passage = forms.CharField(
        label=gettext_lazy("New passage"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Paste the exact words of the essay the claim should cover (the occurrence nearest the claim is taken)…"),
    )
    start = forms.IntegerField(label=gettext_lazy("…or start"), required=False, min_value=0)
    end = forms.IntegerField(label=gettext_lazy("end"), required=False, min_value=1)

    def __init__(self, *args, claim=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        self.claim = claim
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        passage, start, end = data.get("passage") or "", data.get("start"), data.get("end")
        if passage.strip():
            data["start"], data["end"] = self._find(passage)
        elif start is None or end is None:
            raise forms.ValidationError(_("Paste the new passage, or give its start and end."))
        return data

    def _find(self, passage):
        text = self.claim.essay.text
        hits, at = [], text.find(passage)
        while at >= 0 and len(hits) < 10_000:
            hits.append(at)
            at = text.find(passage, at + 1)
        if not hits:
            raise forms.ValidationError({"passage": _("These words are not in the essay. Copy them from the essay's text exactly.")})
        start = min(hits, key=lambda at: abs(at - self.claim.start))
        return start, start + len(passage)


# The dashboard's bulk actions (claims/views.py bulk_action).
ASSIGN, PRIORITY, DUE, DISMISS = "assign", "priority", "due", "dismiss"
UNASSIGN = "none"


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        choices=[
            ("", gettext_lazy("Choose an action…")),
            (ASSIGN, gettext_lazy("Assign to a reviewer")),
            (PRIORITY, gettext_lazy("Set the priority")),
            (DUE, gettext_lazy("Set the due date")),
            (DISMISS, gettext_lazy("Dismiss (not check-worthy)")),
        ],
    )
    assignee = forms.ChoiceField(label=gettext_lazy("Reviewer"), required=False)
    priority = forms.TypedChoiceField(
        label=gettext_lazy("Priority"),
        choices=[("", "—"), *Priority.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    due = forms.DateField(label=gettext_lazy("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    comment = forms.CharField(
        label=gettext_lazy("Comment (why they are dismissed)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, members=(), **kwargs):
        kwargs.setdefault("auto_id", "bulk_%s")  # the filter form above has fields of the same names
        super().__init__(*args, **kwargs)
        self.members = {str(user.pk): user for user in members}
        self.fields["assignee"].choices = [
            ("", "—"),
            (UNASSIGN, _("Nobody (unassign)")),
            *((pk, user.get_username()) for pk, user in self.members.items()),
        ]
        for name, bound in self.fields.items():
            bound.widget.attrs.setdefault("form", "bulk-form")
            bound.widget.attrs.setdefault("class", f"bulk-{name}")

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == ASSIGN and not data.get("assignee"):
            self.add_error("assignee", _("Choose the reviewer to assign the claims to."))
        if action == PRIORITY and data.get("priority") is None:
            self.add_error("priority", _("Choose the priority."))
        if action == DUE and data.get("due") is None:
            self.add_error("due", _("Choose the due date."))
        if action == DISMISS and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Dismissing needs a comment that says why these claims are not check-worthy."))
        return data

    @property
    def assignee_user(self):
        value = self.cleaned_data.get("assignee")
        return None if value == UNASSIGN else self.members.get(value)
