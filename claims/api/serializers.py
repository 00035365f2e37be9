"""What the API reads and writes.

Read serializers describe stored rows; write serializers only check the
shape and bounds of what a client sends (types, lengths, choices) so that
nothing malformed reaches the database. The rules themselves (who may do
what, in which state) stay in claims/workflow.py.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.models import HTTP_URL, ClaimType, Language, Priority, Stance, Status, Verdict
from claims.reasons import reason_codes, translate_reasons
from claims.workflow import CLAIM_ACTIONS, available_actions

# Bounds for what a client may send: the database columns' lengths, and
# generous limits for free text so that one request cannot fill the disk.
MAX_ID = 2**31 - 1
LONG_TEXT = 20_000
COMMENT_TEXT = 5_000


class StrictBoolean(serializers.BooleanField):
    """A JSON true or false, nothing else: DRF's BooleanField also takes 0, 1, "yes" and "on", which the schema does not."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class Text(serializers.CharField):
    """Text, and only text: a number or a list where a string belongs is refused, not turned into one."""

    default_error_messages = {"invalid": _("Enter text (a JSON string).")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        # The schema's maxLength is of the text as sent, before white space is trimmed.
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class Slug(Text, serializers.SlugField):
    pass


@extend_schema_field({"type": "string", "format": "uri", "pattern": "^(|[Hh][Tt][Tt][Pp][Ss]?://.*)$"})
class URL(Text, serializers.URLField):
    """A web address: http or https only."""


class ErrorSerializer(serializers.Serializer):
    """Every error body: a sentence, and per field what is wrong."""

    detail = serializers.CharField(help_text=_("What went wrong, in words."))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("For bad input: the fields (or guards) at fault, each with its messages."),
    )
    current_status = serializers.ChoiceField(
        choices=Status.choices, required=False, allow_null=True, help_text=_("On a conflict: the claim's status now.")
    )
    current_version = serializers.IntegerField(required=False, allow_null=True, help_text=_("On a conflict: the claim's version now."))


def username_of(relation):
    """A person as their username (null when nobody, or the account was deleted)."""
    return serializers.CharField(source=f"{relation}.username", read_only=True, allow_null=True)


# --- Essays ---------------------------------------------------------------------------------------


class StatusCountsSerializer(serializers.Serializer):
    """How many claims of the essay are in each status."""

    open = serializers.IntegerField()
    researching = serializers.IntegerField()
    in_review = serializers.IntegerField()
    approved = serializers.IntegerField()
    published = serializers.IntegerField()
    dismissed = serializers.IntegerField()
    total = serializers.IntegerField()


def status_counts(values):
    """{status: n, ..., total} from a row holding `n_<status>` for every status."""
    counts = {status: values.get(f"n_{status}") or 0 for status in Status.values}
    counts["total"] = sum(counts.values())
    return counts


class EssaySerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    language = serializers.ChoiceField(choices=Language.choices)
    author = serializers.CharField()
    url = serializers.CharField(help_text=_("Where the essay was published; empty when unknown."))
    published_on = serializers.DateField(allow_null=True)
    imported_by = username_of("imported_by")
    imported_at = serializers.DateTimeField()
    counts = serializers.SerializerMethodField()

    @extend_schema_field(StatusCountsSerializer)
    def get_counts(self, essay):
        return status_counts(getattr(essay, "status_counts", None) or {})


class PublicationSummarySerializer(serializers.Serializer):
    number = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    published_by = username_of("published_by")


class EssayDetailSerializer(EssaySerializer):
    text = serializers.CharField(help_text=_("The full text exactly as imported; claim offsets are code points into it."))
    latest_publication = serializers.SerializerMethodField()

    @extend_schema_field(PublicationSummarySerializer(allow_null=True))
    def get_latest_publication(self, essay):
        publication = getattr(essay, "latest_publication", None)
        return PublicationSummarySerializer(publication).data if publication else None


class EssayImportSerializer(serializers.Serializer):
    title = Text(max_length=300, required=False, help_text=_("Required, unless the page at from_url names its title."))
    # The text is stored as sent, line endings made \n (claims/intake.py): no trimming.
    text = Text(
        trim_whitespace=False,
        required=False,
        help_text=_("The full essay text, stored exactly as sent except that line endings (CR LF, CR) become LF. Give text or from_url."),
    )
    from_url = URL(
        max_length=1000,
        required=False,
        validators=[HTTP_URL],
        help_text=_("Instead of text: the article's web address; the desk fetches it and keeps its main text, title, author and date."),
    )
    language = serializers.ChoiceField(
        choices=Language.choices, required=False, allow_null=True, help_text=_("zh or en; omitted or null: detected from the text.")
    )
    slug = Slug(max_length=120, required=False, help_text=_("Letters, digits, hyphens and underscores; made from the title when omitted."))
    author = Text(max_length=200, required=False, allow_blank=True)
    url = URL(max_length=1000, required=False, allow_blank=True, validators=[HTTP_URL])
    published_on = serializers.DateField(required=False, allow_null=True)

    def validate(self, data):
        if ("text" in data) == ("from_url" in data):
            raise serializers.ValidationError({"text": [_("Give the essay's text or its from_url, one of the two.")]})
        return data


class PublicationSerializer(serializers.Serializer):
    essay = serializers.CharField(source="essay.slug")
    number = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    published_by = username_of("published_by")
    claims = serializers.SerializerMethodField(help_text=_("How many claims this publication carries."))
    corrections = serializers.JSONField(help_text=_("The corrections this publication carries against the previous one."))

    @extend_schema_field(OpenApiTypes.INT)
    def get_claims(self, publication):
        snapshot = publication.snapshot if isinstance(publication.snapshot, dict) else {}
        claims = snapshot.get("claims")
        return len(claims) if isinstance(claims, list) else 0


# --- Claims ---------------------------------------------------------------------------------------


class ClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    essay = serializers.SerializerMethodField(help_text=_("The essay's slug."))
    start = serializers.IntegerField(help_text=_("Offset of the first code point of the quote in the essay text."))
    end = serializers.IntegerField(help_text=_("Offset just after the quote's last code point."))
    quote = serializers.CharField()
    claim_type = serializers.ChoiceField(choices=ClaimType.choices)
    speaker = serializers.CharField()
    normalized = serializers.CharField()
    score = serializers.FloatField(help_text=_("Check-worthiness, 0 to 1."))
    reasons = serializers.SerializerMethodField(help_text=_("Why the claim was proposed, in the language of the request."))
    reason_codes = serializers.SerializerMethodField(
        help_text=_("The same reasons as the engine gave them: a code and the words it found in the essay.")
    )
    priority = serializers.ChoiceField(choices=Priority.choices, help_text=_("1 high, 2 normal, 3 low."))
    assignee = username_of("assignee")
    due = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices)
    verdict = serializers.ChoiceField(choices=[("", _("No verdict yet")), *Verdict.choices])
    verdict_summary = serializers.CharField()
    version = serializers.IntegerField(help_text=_("Send it back with an edit: a stale version is refused with 409."))
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    actions = serializers.SerializerMethodField(help_text=_("The transitions you may take on this claim now."))

    @extend_schema_field(OpenApiTypes.STR)
    def get_essay(self, claim):
        slug = getattr(claim, "essay_slug", None)
        return slug if slug is not None else claim.essay.slug

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=CLAIM_ACTIONS)))
    def get_actions(self, claim):
        request = self.context.get("request")
        return [action.name for action in available_actions(claim, request.user)] if request else []

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_reasons(self, claim):
        return translate_reasons(claim.reasons)

    @extend_schema_field(serializers.ListField(child=serializers.DictField(child=serializers.CharField())))
    def get_reason_codes(self, claim):
        return reason_codes(claim.reasons)


class ClaimCreateSerializer(serializers.Serializer):
    essay = Slug(max_length=120, help_text=_("The essay's slug."))
    start = serializers.IntegerField(min_value=0, max_value=MAX_ID)
    end = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    claim_type = serializers.ChoiceField(choices=ClaimType.choices, required=False)
    speaker = Text(max_length=200, required=False, allow_blank=True)
    normalized = Text(max_length=LONG_TEXT, required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)


class ClaimEditSerializer(serializers.Serializer):
    """A PATCH: `version` and any of the editable fields."""

    version = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("The version you read; required."))
    verdict = serializers.ChoiceField(choices=[("", _("No verdict yet")), *Verdict.choices], required=False, allow_blank=True)
    verdict_summary = Text(max_length=LONG_TEXT, required=False, allow_blank=True)
    normalized = Text(max_length=LONG_TEXT, required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    due = serializers.DateField(required=False, allow_null=True)
    speaker = Text(max_length=200, required=False, allow_blank=True)
    claim_type = serializers.ChoiceField(choices=ClaimType.choices, required=False)
    assignee = Text(
        max_length=150, required=False, allow_null=True, help_text=_("A desk member's username, or null to unassign (editors only).")
    )

    def validate(self, attrs):
        if isinstance(self.initial_data, dict):
            unknown = sorted(set(self.initial_data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("This field cannot be edited.")] for name in unknown})
        name = attrs.get("assignee")
        if name is not None:
            user = get_user_model().objects.filter(username=name, is_active=True).first()
            if user is None:
                raise serializers.ValidationError({"assignee": [_("There is no active user named %(name)s.") % {"name": name}]})
            attrs["assignee"] = user
        return attrs


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=CLAIM_ACTIONS)
    comment = Text(
        max_length=COMMENT_TEXT,
        required=False,
        allow_blank=True,
        help_text=_("Required for return, dismiss and reopen; never shown to readers."),
    )
    public_note = Text(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text=_("Reopen of a published claim only: the correction note readers see when it is published again."),
    )
    confirm_unverified_excerpts = StrictBoolean(
        required=False,
        default=False,
        help_text=_("Submit and approve: true to go on although some sources' excerpts were not found on their captured pages."),
    )
    version = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, help_text=_("The version you read; 409 if stale.")
    )


class CaptureSerializer(serializers.Serializer):
    """The desk's capture of the source's page (the evidence app), refreshed by a recapture."""

    status = serializers.ChoiceField(choices=["pending", "captured", "failed"])
    http_status = serializers.IntegerField(allow_null=True)
    captured_at = serializers.DateTimeField(allow_null=True)
    final_url = serializers.CharField()
    sha256 = serializers.CharField(help_text=_("SHA-256 of the body as received (after gzip), hex."))
    excerpt_found = serializers.BooleanField(allow_null=True, help_text=_("null when there is no excerpt or no page to look in."))
    closest_passage = serializers.CharField(help_text=_("The page's passage nearest to an excerpt not found."))
    error = serializers.CharField(help_text=_("Why the page could not be captured."))
    archive_url = serializers.SerializerMethodField(
        help_text=_("The desk's archived copy (a page for the desk; readers see it once published).")
    )
    link_check = serializers.CharField(source="rot_status", help_text=_("unchanged, changed or gone after the last recheck; empty before."))
    rechecked_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.URLField(allow_null=True))  # null until a copy is archived
    def get_archive_url(self, capture):
        if not capture.warc_name:
            return None
        from django.urls import reverse

        path = reverse("source_archive", args=[capture.source_id])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class SourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    title = serializers.CharField()
    publisher = serializers.CharField()
    published_on = serializers.DateField(allow_null=True)
    accessed_at = serializers.DateTimeField()
    archive_url = serializers.CharField()
    excerpt = serializers.CharField()
    stance = serializers.ChoiceField(choices=Stance.choices)
    added_by = username_of("added_by")
    added_at = serializers.DateTimeField()
    capture = serializers.SerializerMethodField(
        help_text=_("null until the background worker takes the capture up, or when capture is off (SOURCE_CAPTURE).")
    )

    @extend_schema_field(CaptureSerializer(allow_null=True))
    def get_capture(self, source):
        capture = getattr(source, "capture", None)
        return CaptureSerializer(capture, context=self.context).data if capture is not None else None


class SourceCreatedSerializer(SourceSerializer):
    """The new source, and the claim as adding it left it (its version moved on)."""

    claim_status = serializers.ChoiceField(choices=Status.choices, source="claim.status")
    claim_version = serializers.IntegerField(source="claim.version")


class SourceCreateSerializer(serializers.Serializer):
    url = URL(max_length=2000, validators=[HTTP_URL])
    title = Text(max_length=500, required=False, allow_blank=True)
    publisher = Text(max_length=300, required=False, allow_blank=True)
    published_on = serializers.DateField(required=False, allow_null=True)
    accessed_at = serializers.DateTimeField(required=False, help_text=_("When the source was read; now when omitted."))
    archive_url = URL(max_length=2000, required=False, allow_blank=True, validators=[HTTP_URL])
    excerpt = Text(max_length=LONG_TEXT, required=False, allow_blank=True)
    stance = serializers.ChoiceField(choices=Stance.choices, required=False)
    version = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, help_text=_("The claim version you read; 409 if stale.")
    )


class NoteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = username_of("author")
    created_at = serializers.DateTimeField()
    text = serializers.CharField()


class NoteCreateSerializer(serializers.Serializer):
    text = Text(max_length=LONG_TEXT)


class ClaimEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    actor = username_of("actor")
    at = serializers.DateTimeField()
    kind = serializers.CharField(help_text=_("created, transition, edit, assign, source_added, source_removed, note, split or merge."))
    action = serializers.CharField(help_text=_("For a transition: the action taken."))
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    changes = serializers.DictField(child=serializers.JSONField(), help_text=_("{field: [old, new]}"))
    comment = serializers.CharField()
    version = serializers.IntegerField(help_text=_("The claim's version after this change."))


# --- Sign-in --------------------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = Text(max_length=150)
    password = Text(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send it as `Authorization: Token <token>`."))
