"""Writing the search index: documents from the desk's records.

Every write the desk makes ends here after it commits (search/signals.py
collects what changed and calls `flush` once per transaction), so a query
never waits for indexing and a rolled-back change never reaches the index.
`rebuild` writes everything again, in batches (`manage.py search_index`).
"""

import logging
import threading

from django.db import OperationalError, connections, transaction
from django.db.models import Max
from django.urls import reverse

from claims.models import Claim, Essay, Note, Publication, Source

from . import matching
from .features import dates
from .models import CLAIM_KINDS, Kind, Match, SearchDocument
from .text import fold, index_terms

log = logging.getLogger("search.index")

BATCH = 500
MATCH_IN_REQUEST = 20
_pending = threading.local()


def _document(kind, object_id, text, **fields):
    return SearchDocument(
        kind=kind,
        object_id=object_id,
        body=text,
        folded=fold(text),
        terms=" ".join([*index_terms(text), *dict.fromkeys(dates(text))]),
        **fields,
    )


def _join(*parts):
    return "\n".join(p for p in parts if p)


def _claim_document(claim):
    return _document(
        Kind.CLAIM,
        claim.pk,
        _join(claim.quote, claim.normalized, claim.verdict_summary, claim.speaker),
        claim_id=claim.pk,
        essay_id=claim.essay_id,
        status=claim.status,
        verdict=claim.verdict,
        date=claim.updated_at,
        title=claim.essay.title,
        url=reverse("claim", args=[claim.pk]),
    )


def _source_document(source, claim):
    return _document(
        Kind.SOURCE,
        source.pk,
        _join(source.title, source.publisher, source.excerpt),
        claim_id=claim.pk,
        essay_id=claim.essay_id,
        status=claim.status,
        verdict=claim.verdict,
        date=source.added_at,
        title=source.title or source.url[:500],
        url=reverse("claim", args=[claim.pk]) + "#sources",
    )


def _note_document(note, claim):
    return _document(
        Kind.NOTE,
        note.pk,
        note.text,
        claim_id=claim.pk,
        essay_id=claim.essay_id,
        status=claim.status,
        verdict=claim.verdict,
        date=note.created_at,
        title=claim.essay.title,
        url=reverse("claim", args=[claim.pk]) + "#notes",
    )


def claim_documents(claims, sources, notes):
    """The documents of these claims and of their sources and notes (claims carry their essay)."""
    by_id = {claim.pk: claim for claim in claims}
    docs = [_claim_document(claim) for claim in claims]
    docs += [_source_document(source, by_id[source.claim_id]) for source in sources]
    docs += [_note_document(note, by_id[note.claim_id]) for note in notes]
    return docs


def essay_document(essay):
    return _document(
        Kind.ESSAY,
        essay.pk,
        _join(essay.title, essay.author, essay.text),
        essay_id=essay.pk,
        date=essay.imported_at,
        title=essay.title,
        url=reverse("essay", args=[essay.slug]),
    )


def published_documents(publication):
    """A reader's documents: the claims exactly as the essay's latest publication shows them."""
    essay = publication.essay
    docs = []
    for item in publication.snapshot.get("claims", []):
        sources = " ".join(_join(s.get("title", ""), s.get("publisher", "")) for s in item.get("sources", []))
        docs.append(
            _document(
                Kind.PUBLISHED,
                item["id"],
                _join(item.get("quote", ""), item.get("normalized", ""), item.get("verdict_summary", ""), item.get("speaker", ""), sources),
                claim_id=item["id"],
                essay_id=essay.pk,
                status="published",
                verdict=item.get("verdict", ""),
                date=publication.published_at,
                title=essay.title,
                url=reverse("public_essay", args=[essay.slug]) + f"#claim-{item['id']}",
            )
        )
    return docs


def _replace(kinds, docs, **scope):
    SearchDocument.objects.filter(kind__in=kinds, **scope).delete()
    SearchDocument.objects.bulk_create(docs, batch_size=BATCH)


def index_claims(claim_ids):
    """Write these claims' documents and those of all their sources and notes again (an import, a rebuild)."""
    ids = sorted(set(claim_ids))
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        claims = _claims(batch)
        sources = list(Source.objects.filter(claim_id__in=batch).only(*SOURCE_FIELDS))
        notes = list(Note.objects.filter(claim_id__in=batch).only(*NOTE_FIELDS))
        _replace(CLAIM_KINDS, claim_documents(claims, sources, notes), claim_id__in=batch)


def index_claim_heads(claim_ids):
    """A change to the claims themselves (a transition, an edit): their own documents are written again, and
    their sources' and notes' documents only take the new status, verdict and essay title (one UPDATE for each
    that differs, never re-reading texts that did not change: a claim's cost stays the same with 5 sources or 500)."""
    ids = sorted(set(claim_ids))
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        claims = _claims(batch)
        SearchDocument.objects.filter(kind=Kind.CLAIM, object_id__in=batch).delete()
        SearchDocument.objects.bulk_create([_claim_document(claim) for claim in claims], batch_size=BATCH)
        parts = SearchDocument.objects.filter(kind__in=[Kind.SOURCE, Kind.NOTE])
        # The documents of deleted claims' sources and notes go with them.
        parts.filter(claim_id__in=set(batch) - {claim.pk for claim in claims}).delete()
        # One UPDATE per distinct status and verdict (and per essay title), not per claim: a publication of a
        # thousand claims costs a handful.
        by_state, by_title = {}, {}
        for claim in claims:
            by_state.setdefault((claim.status, claim.verdict), []).append(claim.pk)
            by_title.setdefault(claim.essay.title, []).append(claim.pk)
        for (status, verdict), pks in by_state.items():
            parts.filter(claim_id__in=pks).exclude(status=status, verdict=verdict).update(status=status, verdict=verdict)
        for title, pks in by_title.items():
            parts.filter(claim_id__in=pks, kind=Kind.NOTE).exclude(title=title).update(title=title)


def _index_parts(kind, model, fields, make, object_ids):
    """Sources or notes written or deleted: only their own documents."""
    ids = sorted(set(object_ids))
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        objects = list(model.objects.filter(pk__in=batch).only(*fields))
        claims = {claim.pk: claim for claim in _claims({obj.claim_id for obj in objects})}
        docs = [make(obj, claims[obj.claim_id]) for obj in objects if obj.claim_id in claims]
        _replace([kind], docs, object_id__in=batch)


def index_sources(source_ids):
    _index_parts(Kind.SOURCE, Source, SOURCE_FIELDS, _source_document, source_ids)


def index_notes(note_ids):
    _index_parts(Kind.NOTE, Note, NOTE_FIELDS, _note_document, note_ids)


def _claims(ids):
    return list(Claim.objects.filter(pk__in=ids).select_related("essay").only(*CLAIM_FIELDS))


SOURCE_FIELDS = ("id", "claim_id", "title", "publisher", "excerpt", "url", "added_at")
NOTE_FIELDS = ("id", "claim_id", "text", "created_at")
CLAIM_FIELDS = (
    "id",
    "essay_id",
    "essay__title",
    "quote",
    "normalized",
    "verdict_summary",
    "speaker",
    "status",
    "verdict",
    "updated_at",
)


def index_essays(essay_ids):
    ids = set(essay_ids)
    essays = list(Essay.objects.filter(pk__in=ids))
    _replace([Kind.ESSAY], [essay_document(e) for e in essays], essay_id__in=ids)


def index_publications(essay_ids):
    ids = set(essay_ids)
    latest = Publication.objects.filter(essay_id__in=ids).values("essay_id").annotate(number=Max("number"))
    docs = []
    for row in latest:
        publication = Publication.objects.select_related("essay").get(essay_id=row["essay_id"], number=row["number"])
        docs.extend(published_documents(publication))
    _replace([Kind.PUBLISHED], docs, essay_id__in=ids)


def index_essay_heads(essay_ids):
    index_claim_heads(Claim.objects.filter(essay_id__in=set(essay_ids)).values_list("pk", flat=True))


# What a commit may have changed, each with the writer of its documents; "claim" is a claim itself (its own
# document, and the status and verdict its sources and notes carry), "essay_heads" all of an essay's claims so
# (a publication moves them with one UPDATE; an essay's new title), "essay_claims" all of an essay's claims
# with their sources and notes written in full (an import).
WRITERS = {
    "claim": index_claim_heads,
    "essay_heads": index_essay_heads,
    "source": index_sources,
    "note": index_notes,
    "essay": index_essays,
    "essay_claims": index_claims,
    "published": index_publications,
}


def schedule(what, object_id, using="default"):
    """Index `what` (a key of WRITERS) for this object once the current transaction commits."""
    pending = _queue(using)
    pending.setdefault(what, set()).add(object_id)
    # robust: a failure to index is logged, never turned into an error for a change that has already committed.
    transaction.on_commit(lambda: flush(using), using=using, robust=True)


def _queue(using):
    queues = getattr(_pending, "queues", None)
    if queues is None:
        queues = _pending.queues = {}
    return queues.setdefault(using, {})


def flush(using="default"):
    """Write everything scheduled; the first commit callback does the work, the others find nothing left.

    What a rolled-back transaction scheduled stays queued and is written (from the database as it is) at the next commit.
    """
    pending = _queue(using)
    if not pending:
        return
    work = {what: set(ids) for what, ids in pending.items()}
    pending.clear()
    claims = set()
    try:
        with transaction.atomic(using=using):
            # A whole essay's claims are written in full; the single claims among them are then not written twice.
            if "essay_claims" in work:
                whole = set(Claim.objects.filter(essay_id__in=work["essay_claims"]).values_list("pk", flat=True))
                index_claims(whole)
                claims |= whole
            heads = work.get("claim", set())
            if work.get("essay_heads"):
                heads |= set(Claim.objects.filter(essay_id__in=work["essay_heads"]).values_list("pk", flat=True))
            heads -= claims
            if heads:
                index_claim_heads(heads)
                claims |= heads
            for what in ("source", "note", "essay", "published"):
                if work.get(what):
                    WRITERS[what](work[what])
    except OperationalError as error:
        # The database is busy (SQLite: another writer held the lock past the timeout). The change itself has
        # committed; keep the documents queued, so that the next commit of this process writes them.
        for what, ids in work.items():
            pending.setdefault(what, set()).update(ids)
        log.warning("search.index.deferred", extra={"event": "search.index.deferred", "error": str(error)})
        return
    # Once every document is current, so that claims written together find each other. A few claims (an edit,
    # a note) are matched at once; many (an import, a publication) by the task worker, so no request waits for them.
    if len(claims) <= MATCH_IN_REQUEST:
        try:
            matching.update_matches(claims)
            return
        except OperationalError as error:
            # Busy now: the task worker matches them instead.
            log.warning("search.matches.deferred", extra={"event": "search.matches.deferred", "error": str(error)})
    from .tasks import update_matches

    try:
        update_matches.enqueue(sorted(claims))
    except OperationalError as error:
        log.warning("search.matches.not_queued", extra={"event": "search.matches.not_queued", "error": str(error)})


def rebuild(progress=None):
    """Write every document again; returns how many were written."""
    SearchDocument.objects.all().delete()
    if connections["default"].vendor == "sqlite":
        with connections["default"].cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
    ids = list(Claim.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            index_claims(ids[start : start + BATCH])
        if progress:
            progress(min(start + BATCH, len(ids)), len(ids))
    essay_ids = list(Essay.objects.values_list("pk", flat=True))
    for start in range(0, len(essay_ids), 50):
        with transaction.atomic():
            index_essays(essay_ids[start : start + 50])
            index_publications(essay_ids[start : start + 50])
    return SearchDocument.objects.count()


def rebuild_matches(progress=None):
    """Compute every claim's "checked before" matches again; returns how many pairs were stored."""
    ids = list(Claim.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        matching.update_matches(ids[start : start + BATCH])
        if progress:
            progress(min(start + BATCH, len(ids)), len(ids))
    return Match.objects.count()
