"""The search index: one row per thing the desk can find.

The rows are derived data: search/index.py writes them from the claims,
sources, notes, essays and publications after every committed change, and
`manage.py search_index` rebuilds them all. The database keeps its own
full-text structure current from `terms` without Python: on PostgreSQL a
generated `tsvector` column with a GIN index, on SQLite an FTS5 table with
triggers (both made in migrations/0001_initial.py).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    CLAIM = "claim", _("Claim")
    SOURCE = "source", _("Source")
    NOTE = "note", _("Note")
    ESSAY = "essay", _("Essay")
    # A claim as its essay's latest publication shows it: the only kind readers search.
    PUBLISHED = "published", _("Published check")


# What the desk searches; readers search only Kind.PUBLISHED.
DESK_KINDS = (Kind.CLAIM, Kind.SOURCE, Kind.NOTE, Kind.ESSAY)
CLAIM_KINDS = (Kind.CLAIM, Kind.SOURCE, Kind.NOTE)


class SearchDocument(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField(_("object"))
    # Plain ids, not foreign keys: the index must never slow down or block a delete of what it indexes.
    claim_id = models.BigIntegerField(null=True, blank=True)
    essay_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, blank=True)
    verdict = models.CharField(_("verdict"), max_length=16, blank=True)
    date = models.DateTimeField(_("date"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    url = models.CharField(_("link"), max_length=300)
    # The text shown in snippets, the folded text phrases are looked up in, and the index terms.
    body = models.TextField()
    folded = models.TextField()
    terms = models.TextField()

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique"),
            models.CheckConstraint(condition=models.Q(kind__in=Kind.values), name="search_document_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["claim_id"], name="search_document_claim"),
            models.Index(fields=["essay_id", "kind"], name="search_document_essay"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.object_id}"

    @property
    def verdict_label(self):
        from claims.models import Verdict, choice_label

        return choice_label(Verdict, self.verdict)


class Match(models.Model):
    """A claim of another essay that states the same thing, found by search/matching.py and kept current after every write.

    Stored both ways (a new claim's matches are also the older claim's), so the
    dashboard's "already checked elsewhere" is one indexed join whatever the size of the desk.
    """

    claim_id = models.BigIntegerField()
    other_id = models.BigIntegerField()
    score = models.FloatField()

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(fields=["claim_id", "other_id"], name="search_match_unique"),
            models.CheckConstraint(condition=~models.Q(claim_id=models.F("other_id")), name="search_match_not_itself"),
        ]
        indexes = [models.Index(fields=["other_id"], name="search_match_other")]

    def __str__(self):
        return f"#{self.claim_id} ~ #{self.other_id} ({self.score:.2f})"
