"""The desk's domain: essays, their claims, the evidence and the record of every change.

Rules that the database can hold live in Meta.constraints so that no code
path (admin, API, shell, a bulk update) can break them; the rules that need
the essay text (offsets inside it, the quote matching it) are checked on save.
Changes of state go through claims/workflow.py, never through save().
"""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

HTTP_URL = URLValidator(schemes=["http", "https"], message=_("Enter a web address that starts with http:// or https://."))
HTTP_ONLY = Q(url__istartswith="http://") | Q(url__istartswith="https://")


def is_http_url(value):
    """True for an http(s) URL; what templates check before rendering a link."""
    try:
        HTTP_URL(value)
    except ValidationError:
        return False
    return True


class Language(models.TextChoices):
    CHINESE = "zh", _("Chinese")
    ENGLISH = "en", _("English")


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    RESEARCHING = "researching", _("Researching")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    DISMISSED = "dismissed", _("Dismissed")


# Claims that still need the desk's work.
OPEN_STATUSES = (Status.OPEN, Status.RESEARCHING, Status.IN_REVIEW, Status.APPROVED)


class Verdict(models.TextChoices):
    TRUE = "true", _("True")
    MOSTLY_TRUE = "mostly_true", _("Mostly true")
    MIXED = "mixed", _("Mixed")
    MOSTLY_FALSE = "mostly_false", _("Mostly false")
    FALSE = "false", _("False")
    MISLEADING = "misleading", _("Misleading")
    UNVERIFIABLE = "unverifiable", _("Unverifiable")


# ClaimReview ratingValue; verdicts without a place on the 5..1 scale carry only a name.
RATING_VALUES = {
    Verdict.TRUE: 5,
    Verdict.MOSTLY_TRUE: 4,
    Verdict.MIXED: 3,
    Verdict.MOSTLY_FALSE: 2,
    Verdict.FALSE: 1,
}

VERDICT_MEANINGS = {
    Verdict.TRUE: _("The statement is accurate and nothing significant is missing."),
    Verdict.MOSTLY_TRUE: _("The statement is accurate but needs clarification or additional information."),
    Verdict.MIXED: _("The statement is partly accurate and partly inaccurate."),
    Verdict.MOSTLY_FALSE: _("The statement contains an element of truth but ignores facts that would give a different impression."),
    Verdict.FALSE: _("The statement is not accurate."),
    Verdict.MISLEADING: _("The facts may be accurate but they are presented so as to give a wrong impression."),
    Verdict.UNVERIFIABLE: _("The available public record can neither confirm nor refute the statement."),
}


class ClaimType(models.TextChoices):
    STATISTIC = "statistic", _("Statistic")
    QUOTE = "quote", _("Quote")
    ATTRIBUTION = "attribution", _("Attribution")
    EVENT = "event", _("Date or event")
    COMPARISON = "comparison", _("Comparison")
    OTHER = "other", _("Other")


class Priority(models.IntegerChoices):
    HIGH = 1, _("High")
    NORMAL = 2, _("Normal")
    LOW = 3, _("Low")


class Stance(models.TextChoices):
    SUPPORTS = "supports", _("Supports")
    REFUTES = "refutes", _("Refutes")
    CONTEXT = "context", _("Context")


def choice_label(choices, value):
    """The label of a stored choice value, as people read it ("" for no value; the value itself if unknown)."""
    if value in (None, ""):
        return ""
    try:
        return choices(value).label
    except ValueError:
        return value


def text_fingerprint(text):
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Essay(models.Model):
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, allow_unicode=False)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.CHINESE)
    author = models.CharField(_("author"), max_length=200, blank=True)
    url = models.URLField(_("published at (URL)"), max_length=1000, blank=True, validators=[HTTP_URL])
    published_on = models.DateField(_("published on"), null=True, blank=True)
    # The text exactly as imported: claim offsets point into it, so it is never rewritten.
    text = models.TextField(_("text"))
    text_hash = models.CharField(max_length=64, unique=True, editable=False)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    # When the text was fetched from `url` (an import from a web address); empty for pasted or uploaded text.
    fetched_at = models.DateTimeField(_("fetched at"), null=True, blank=True)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("essay")
        verbose_name_plural = _("essays")
        constraints = [
            models.CheckConstraint(condition=Q(language__in=Language.values), name="essay_language_valid"),
            models.CheckConstraint(condition=~Q(text=""), name="essay_text_not_empty"),
            models.CheckConstraint(
                condition=Q(url="") | Q(url__istartswith="http://") | Q(url__istartswith="https://"), name="essay_url_http"
            ),
        ]
        permissions = [
            ("import_essay", _("Can import essays")),
            ("publish_essay", _("Can publish an essay's verdicts")),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.pk is not None and type(self).objects.filter(pk=self.pk).exclude(text=self.text).exists():
            raise ValidationError({"text": _("An essay's text cannot be changed after import: claims point into it.")})
        self.text_hash = text_fingerprint(self.text)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("essay", args=[self.slug])


class ClaimQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def assigned_to(self, user):
        return self.filter(assignee=user)

    def unassigned(self):
        return self.filter(assignee__isnull=True)

    def overdue(self, today=None):
        """Open claims whose due date has passed (today in the current time zone)."""
        today = today or timezone.localdate()
        return self.open().filter(due__lt=today)


class Claim(models.Model):
    essay = models.ForeignKey(Essay, verbose_name=_("essay"), on_delete=models.CASCADE, related_name="claims")
    # Python code points into essay.text; quote == essay.text[start:end].
    start = models.PositiveIntegerField(_("start"))
    end = models.PositiveIntegerField(_("end"))
    quote = models.TextField(_("quote"))
    claim_type = models.CharField(_("type"), max_length=16, choices=ClaimType.choices, default=ClaimType.OTHER)
    speaker = models.CharField(
        _("speaker"), max_length=200, blank=True, help_text=_("Who makes the claim; empty means the essay's author.")
    )
    normalized = models.TextField(_("normalized statement"), blank=True, help_text=_("The claim restated in checkable form."))
    score = models.FloatField(_("check-worthiness"), default=0.0, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_claims",
    )
    due = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices, blank=True)
    verdict_summary = models.TextField(_("explanation"), blank=True, help_text=_("The explanation a reader sees."))
    version = models.PositiveIntegerField(_("version"), default=1)
    # Who sent the current verdict to review: the four-eyes rule compares the approver with them.
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("duplicate of"), null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    split_from = models.ForeignKey("self", verbose_name=_("split from"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["essay_id", "start", "id"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.CheckConstraint(condition=Q(start__gte=0) & Q(end__gt=F("start")), name="claim_span_valid"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="claim_status_valid"),
            models.CheckConstraint(condition=Q(verdict="") | Q(verdict__in=Verdict.values), name="claim_verdict_valid"),
            models.CheckConstraint(condition=Q(claim_type__in=ClaimType.values), name="claim_type_valid"),
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="claim_priority_valid"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=1), name="claim_score_range"),
            models.CheckConstraint(condition=Q(version__gte=1), name="claim_version_positive"),
            # A published or approved claim always carries the verdict a reader will see.
            models.CheckConstraint(
                condition=~Q(status__in=[Status.IN_REVIEW, Status.APPROVED, Status.PUBLISHED]) | (~Q(verdict="") & ~Q(verdict_summary="")),
                name="claim_reviewed_has_verdict",
            ),
            models.UniqueConstraint(fields=["essay", "start", "end"], name="claim_unique_span"),
        ]
        indexes = [
            models.Index(fields=["status", "essay"], name="claim_status_essay"),
            models.Index(fields=["assignee", "status"], name="claim_assignee_status"),
            models.Index(fields=["claim_type"], name="claim_type_idx"),
            models.Index(fields=["verdict"], name="claim_verdict_idx"),
            models.Index(fields=["priority", "due"], name="claim_priority_due"),
            models.Index(fields=["due"], name="claim_due_idx"),
            models.Index(fields=["-updated_at"], name="claim_updated_idx"),
            # The dashboard: counts per status and verdict for a filter, and its default order within a status.
            models.Index(fields=["status", "essay", "verdict"], name="claim_status_essay_verdict"),
            models.Index(fields=["status", "-updated_at", "-id"], name="claim_status_updated"),
        ]
        permissions = [
            ("research_claim", _("Can research claims and propose verdicts")),
            ("assign_claim", _("Can assign claims")),
            ("approve_claim", _("Can approve or return verdicts")),
            ("dismiss_claim", _("Can dismiss and reopen claims")),
        ]

    def __str__(self):
        return f"#{self.pk} {self.quote[:60]}"

    def save(self, *args, **kwargs):
        if self.essay_id is not None:
            text = (
                self.essay.text
                if "essay" in self._state.fields_cache
                else Essay.objects.values_list("text", flat=True).get(pk=self.essay_id)
            )
            self.check_span(text)
        if self.verdict and self.verdict not in Verdict.values:
            raise ValidationError({"verdict": _("Unknown verdict %(value)r.") % {"value": self.verdict}})
        if self.status not in Status.values:
            raise ValidationError({"status": _("Unknown status %(value)r.") % {"value": self.status}})
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("claim", args=[self.pk])

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def rating_value(self):
        return RATING_VALUES.get(self.verdict)

    def check_span(self, text):
        """The offsets and the quote must agree with the essay text."""
        if not (0 <= self.start < self.end <= len(text)):
            raise ValidationError(
                {
                    "start": _("The span %(start)s–%(end)s is not inside the essay (0–%(length)s).")
                    % {"start": self.start, "end": self.end, "length": len(text)}
                }
            )
        if text[self.start : self.end] != self.quote:
            raise ValidationError({"quote": _("The quote must be exactly the essay text between start and end.")})

    def clean(self):
        super().clean()
        if self.essay_id is not None and self.start is not None and self.end is not None:
            self.check_span(self.essay.text)


class AppendOnly(models.Model):
    """Rows that are written once: a correction is a new row, never an edit."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("%(model)s records cannot be changed once written.") % {"model": self._meta.verbose_name})
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("%(model)s records cannot be deleted.") % {"model": self._meta.verbose_name})


class Source(models.Model):
    claim = models.ForeignKey(Claim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="sources")
    url = models.URLField(_("URL"), max_length=2000, validators=[HTTP_URL])
    title = models.CharField(_("title"), max_length=500, blank=True)
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    accessed_at = models.DateTimeField(_("accessed"), default=timezone.now)
    archive_url = models.URLField(_("archive URL"), max_length=2000, blank=True, validators=[HTTP_URL])
    excerpt = models.TextField(_("excerpt"), blank=True, help_text=_("The passage the verdict relies on."))
    stance = models.CharField(_("stance"), max_length=10, choices=Stance.choices, default=Stance.CONTEXT)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.CheckConstraint(condition=HTTP_ONLY, name="source_url_http"),
            models.CheckConstraint(
                condition=Q(archive_url="") | Q(archive_url__istartswith="http://") | Q(archive_url__istartswith="https://"),
                name="source_archive_url_http",
            ),
            models.CheckConstraint(condition=Q(stance__in=Stance.values), name="source_stance_valid"),
        ]

    def __str__(self):
        return self.title or self.url

    def save(self, *args, **kwargs):
        HTTP_URL(self.url)
        if self.archive_url:
            HTTP_URL(self.archive_url)
        super().save(*args, **kwargs)


class Note(AppendOnly):
    claim = models.ForeignKey(Claim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    text = models.TextField(_("note"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="note_text_not_empty")]

    def __str__(self):
        return self.text[:60]

    def save(self, *args, **kwargs):
        if not (self.text or "").strip():
            raise ValidationError({"text": _("A note cannot be empty.")})
        super().save(*args, **kwargs)


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    TRANSITION = "transition", _("Status change")
    EDIT = "edit", _("Edit")
    ASSIGN = "assign", _("Assignment")
    SOURCE_ADDED = "source_added", _("Source added")
    SOURCE_REMOVED = "source_removed", _("Source removed")
    NOTE = "note", _("Note")
    SPLIT = "split", _("Split")
    MERGE = "merge", _("Merge")


class ClaimEvent(AppendOnly):
    """One line of a claim's timeline: who did what, when, and why."""

    claim = models.ForeignKey(Claim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("when"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    action = models.CharField(_("action"), max_length=16, blank=True)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    # {field: [old, new]} in JSON-ready values.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    version = models.PositiveIntegerField(_("version after"), default=1)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        indexes = [models.Index(fields=["claim", "at"], name="event_claim_at")]
        constraints = [models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="event_kind_valid")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.action} #{self.claim_id}"


class PublicationQuerySet(models.QuerySet):
    def newest(self):
        """The publication with the highest number in this queryset, or None."""
        return self.order_by("-number").first()

    def latest_for(self, essay):
        """An essay's latest publication (an Essay or its id), or None."""
        return self.filter(essay=essay).newest()

    def latest_per_essay(self):
        """Only each essay's latest publication."""
        return self.filter(number=models.Subquery(self.latest_of(models.OuterRef("essay")).values("number")[:1]))

    def latest_of(self, essay):
        """The essay's publications, latest first: `latest_of(OuterRef("pk")).values(...)[:1]` reads the latest in a subquery."""
        return Publication.objects.filter(essay=essay).order_by("-number")


class Publication(AppendOnly):
    """A numbered, immutable snapshot of an essay's published verdicts.

    The public page reads only `snapshot`, so work in progress never leaks
    and the page costs the same whatever the number of claims.
    """

    essay = models.ForeignKey(Essay, verbose_name=_("essay"), on_delete=models.CASCADE, related_name="publications")
    number = models.PositiveIntegerField(_("number"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    snapshot = models.JSONField(_("snapshot"), default=dict)
    corrections = models.JSONField(_("corrections"), default=list, blank=True)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["essay_id", "-number"]
        get_latest_by = "number"
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        constraints = [
            models.UniqueConstraint(fields=["essay", "number"], name="publication_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="publication_number_positive"),
        ]

    def __str__(self):
        return f"{self.essay} #{self.number}"

    def get_absolute_url(self):
        return reverse("public_essay_version", args=[self.essay.slug, self.number])


class EssayEvent(AppendOnly):
    """One line of an essay's history: a correction of its details, by whom and when."""

    essay = models.ForeignKey(Essay, verbose_name=_("essay"), on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("when"), default=timezone.now)
    action = models.CharField(_("action"), max_length=16)
    # {field: [old, new]} in JSON-ready values.
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("essay history entry")
        verbose_name_plural = _("essay history")
        indexes = [models.Index(fields=["essay", "at"], name="essay_event_essay_at")]

    def __str__(self):
        return f"{self.action} {self.essay_id}"


class ImportJob(models.Model):
    """The extraction of a long essay, done by a background worker: its progress and its result.

    The essay is stored when the job is made; its proposals are kept here (`proposals`) until
    an editor ticks the ones to keep (REVIEW), or stored as claims at once (STORE: the API, the command).
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Proposing claims")
        READY = "ready", _("Proposals ready to review")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    class Mode(models.TextChoices):
        REVIEW = "review", _("Review the proposals first")
        STORE = "store", _("Store every proposal")

    essay = models.ForeignKey(Essay, verbose_name=_("essay"), on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.REVIEW)
    status = models.CharField(_("status"), max_length=8, choices=State.choices, default=State.QUEUED)
    parts = models.PositiveIntegerField(_("parts"), default=0)
    parts_done = models.PositiveIntegerField(_("parts done"), default=0)
    error = models.TextField(_("error"), blank=True)
    proposals = models.JSONField(_("proposals"), default=list, blank=True)
    claims_stored = models.PositiveIntegerField(_("claims stored"), default=0)
    task_id = models.CharField(_("task"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["queued", "running", "ready", "done", "failed"]), name="importjob_status_valid"),
            models.CheckConstraint(condition=Q(mode__in=["review", "store"]), name="importjob_mode_valid"),
            models.CheckConstraint(condition=Q(parts_done__lte=F("parts")), name="importjob_parts_done_le_parts"),
        ]

    def __str__(self):
        return f"{self.essay} ({self.status})"

    def get_absolute_url(self):
        return reverse("import_job", args=[self.pk])

    @property
    def finished(self):
        return self.status in (self.State.READY, self.State.DONE, self.State.FAILED)
