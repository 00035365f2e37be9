"""Link rot: fetch the sources of published claims again and say whether they still say what they said.

`manage.py recheck_sources` (cron or a systemd timer, see the README) calls
`recheck_due`. Each re-fetch is one SourceCheck row (the history) and sets the
capture's `rot_status`:

- gone: the server answers 4xx/5xx, the name no longer resolves (DNS), the
  connection is refused or never answered;
- changed: the excerpt the verdict relies on is no longer on the page, or the
  page's text differs from the captured text beyond SOURCE_RECHECK_SIMILARITY
  (shared five-character shingles of the folded texts, Jaccard);
- unchanged: otherwise.

The captured copy (the WARC the verdict was checked against) is never replaced
by a recheck; only a recapture replaces it.
"""

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from claims.fetching import FetchError, fetch
from claims.models import Claim, Source, Status

from .capture import Unreadable, capture_source, extract, max_bytes
from .models import Capture, CaptureStatus, RotStatus, SourceCheck
from .verification import fold, verify

logger = logging.getLogger(__name__)

# Fetch failures that mean the page is not there for readers any more.
GONE_CODES = {"dns", "connection", "timeout", "address", "response", "redirects", "scheme"}
SHINGLE = 5


def recheck_days():
    return getattr(settings, "SOURCE_RECHECK_DAYS", 30)


def similarity_threshold():
    return getattr(settings, "SOURCE_RECHECK_SIMILARITY", 0.8)


def due_sources(now, days=None):
    """Sources of published claims whose last capture or check is older than `days` (SOURCE_RECHECK_DAYS)."""
    cutoff = now - dt.timedelta(days=recheck_days() if days is None else days)
    last_seen = (
        Q(capture__rechecked_at__lt=cutoff)
        | Q(capture__rechecked_at__isnull=True, capture__captured_at__lt=cutoff)
        | Q(capture__rechecked_at__isnull=True, capture__captured_at__isnull=True, added_at__lt=cutoff)
        | Q(capture__isnull=True, added_at__lt=cutoff)
    )
    return Source.objects.filter(claim__status=Status.PUBLISHED).filter(last_seen).select_related("capture", "claim").order_by("id")


def rotten_claims():
    """Published claims with at least one source marked changed or gone by the last recheck (the dashboard's filter)."""
    bad = Capture.objects.filter(rot_status__in=[RotStatus.CHANGED, RotStatus.GONE]).values("source__claim_id")
    return Claim.objects.filter(status=Status.PUBLISHED, pk__in=bad)


def text_similarity(old, new):
    """Jaccard similarity of the folded texts' five-character shingles (1.0 for two empty texts)."""
    a, b = _shingles(old), _shingles(new)
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _shingles(text):
    folded = fold(text or "")[0]
    if len(folded) <= SHINGLE:
        return {folded} if folded else set()
    return {folded[i : i + SHINGLE] for i in range(len(folded) - SHINGLE + 1)}


@dataclass
class Outcome:
    check: SourceCheck
    previous: str  # the capture's rot_status before this check


def recheck_source(source, now):
    """Fetch `source` again, record a SourceCheck and set its capture's rot_status; returns an Outcome."""
    capture = Capture.objects.filter(source=source).first()
    previous = capture.rot_status if capture else RotStatus.UNCHECKED
    fields = {"source": source, "checked_at": now}
    try:
        result = fetch(source.url, max_bytes=max_bytes())
    except FetchError as exc:
        outcome = RotStatus.GONE if exc.code in GONE_CODES else RotStatus.CHANGED
        return _record(capture, previous, outcome=outcome, error=str(exc.reason), **fields)
    fields.update(http_status=result.status, sha256=hashlib.sha256(result.body).hexdigest())
    if result.status >= 400:
        return _record(capture, previous, outcome=RotStatus.GONE, error=f"HTTP {result.status}", **fields)
    if capture is None or capture.status != CaptureStatus.CAPTURED:
        # Nothing to compare with (capture was off or failed when the source was attached): capture it now.
        capture = capture_source(source)
        found = capture.excerpt_found
        outcome = RotStatus.UNCHANGED if capture.status == CaptureStatus.CAPTURED and found is not False else RotStatus.CHANGED
        return _record(capture, previous, outcome=outcome, excerpt_found=found, error=capture.error, **fields)
    if fields["sha256"] == capture.sha256:
        return _record(capture, previous, outcome=RotStatus.UNCHANGED, excerpt_found=capture.excerpt_found, similarity=1.0, **fields)
    try:
        _kind, title, main, full = extract(result)
    except Unreadable as exc:
        return _record(capture, previous, outcome=RotStatus.CHANGED, error=str(exc), **fields)
    found = verify(source.excerpt, main, full, title).found if source.excerpt.strip() else None
    similarity = text_similarity(capture.text, main or full)
    excerpt_gone = capture.excerpt_found is True and found is False
    outcome = RotStatus.CHANGED if excerpt_gone or similarity < similarity_threshold() else RotStatus.UNCHANGED
    return _record(capture, previous, outcome=outcome, excerpt_found=found, similarity=round(similarity, 4), **fields)


def _record(capture, previous, **fields):
    check = SourceCheck.objects.create(**fields)
    if capture is not None:
        Capture.objects.filter(pk=capture.pk).update(rot_status=check.outcome, rechecked_at=check.checked_at)
    else:
        Capture.objects.create(
            source=check.source,
            status=CaptureStatus.FAILED,
            error=check.error or str(check.get_outcome_display()),
            rot_status=check.outcome,
            rechecked_at=check.checked_at,
        )
    logger.info("source %s rechecked: %s", check.source_id, check.outcome)
    return Outcome(check, previous)


def recheck_due(now=None, days=None, limit=None):
    """Recheck every due source; returns the Outcomes. Editors hear of sources newly changed or gone."""
    now = now or timezone.now()
    sources = due_sources(now, days)
    if limit:
        sources = sources[:limit]
    outcomes = []
    for source in sources.iterator(chunk_size=100):
        try:
            outcomes.append(recheck_source(source, now))
        except Exception:  # one bad page must not stop the run: it is logged and retried next time
            logger.exception("source %s could not be rechecked", source.pk)
    newly_bad = [o.check for o in outcomes if o.check.outcome in (RotStatus.CHANGED, RotStatus.GONE) and o.previous != o.check.outcome]
    if newly_bad:
        notify_editors(newly_bad, now)
    return outcomes


def notify_editors(checks, now):
    """Tell the editors, through the notifications app when it knows this kind of news (Kind.SOURCE_ROT)."""
    try:
        from notifications.models import Kind
        from notifications.notify import notify
    except ImportError:
        return []
    kind = getattr(Kind, "SOURCE_ROT", None)
    if kind is None:
        return []
    from claims import workflow
    from claims.roles import desk_members

    # Who is told: those the workflow lets reopen a published claim to correct it.
    editors = [user for user in desk_members() if workflow.may("reopen", user)]
    rows = []
    by_claim = {}
    for check in checks:
        by_claim.setdefault(check.source.claim_id, []).append(check)
    for claim_checks in by_claim.values():
        claim = claim_checks[0].source.claim
        items = [{"source": c.source_id, "url": c.source.url, "outcome": c.outcome} for c in claim_checks]
        rows += notify(editors, kind, now, claim=claim, items=items)
    return rows
