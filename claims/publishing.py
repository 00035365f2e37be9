"""Publishing: an essay's approved verdicts become a numbered, immutable snapshot.

`publish_essay` is the one way a verdict reaches readers. It runs as one
transaction: it locks the essay row (PostgreSQL; SQLite's IMMEDIATE
transactions serialise writers), moves every approved claim to published
through the workflow, and writes a Publication that carries everything the
public page and the ClaimReview markup need. The page never reads live
claims, so later work on a claim changes nothing a reader sees until the next
publication.

`claimreview_jsonld` turns a publication into schema.org ClaimReview objects
(one per claim) for search engines and the API.
"""

import logging
from collections import Counter
from urllib.parse import urljoin

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Prefetch
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from . import workflow
from .models import RATING_VALUES, Claim, ClaimEvent, Essay, Publication, Source, Status, Verdict, is_http_url

log = logging.getLogger("claims.publishing")

# The order in which verdicts are counted and shown: the rating scale.
VERDICT_ORDER = list(Verdict.values)


def _iso(value):
    return value.isoformat() if value is not None else None


@workflow.retrying
def publish_essay(essay, user):
    """Publish every approved claim of `essay`; returns the new Publication.

    Raises workflow.NotAllowed (not an editor), workflow.InvalidInput (nothing
    approved) or workflow.Conflict (someone else published at the same moment,
    or a lock failure that a second try did not get past).
    """
    workflow.check("publish", user)
    now = timezone.now()
    try:
        with transaction.atomic():
            try:
                # FOR NO KEY UPDATE: it serialises publishers, but not the rows that merely point at the essay
                # (a notification written while a claim of it is returned); FOR UPDATE waited for those and deadlocked.
                essay = Essay.objects.select_for_update(no_key=True).get(pk=essay.pk)
            except Essay.DoesNotExist:
                raise workflow.InvalidInput(_("This essay no longer exists.")) from None
            newly_published = workflow.publish_claims(essay, user, now)
            latest = Publication.objects.filter(essay=essay).aggregate(latest=Max("number"))["latest"] or 0
            if not newly_published:
                if latest:
                    message = _(
                        "Nothing to publish: no claim of “%(title)s” is approved. Publication #%(number)s stays the latest; approve verdicts first."
                    ) % {"title": essay.title, "number": latest}
                else:
                    message = _("Nothing to publish: no claim of “%(title)s” is approved yet. Approve verdicts first.") % {
                        "title": essay.title
                    }
                raise workflow.InvalidInput(message)
            number = latest + 1
            snapshot = build_snapshot(essay)
            corrections = _corrections(essay, newly_published, number, now)
            publication = Publication.objects.create(
                essay=essay, number=number, published_by=user, published_at=now, snapshot=snapshot, corrections=corrections
            )
    except IntegrityError:
        # Two publishers got the same number: the unique constraint let one through.
        raise workflow.Conflict(
            _("Someone else published this essay at the same moment. Reload the page to see the new publication.")
        ) from None
    log.info(
        "publishing.published",
        extra={
            "event": "publishing.published",
            "user": user.username,
            "essay": essay.slug,
            "number": number,
            "claims": len(snapshot["claims"]),
            "new": len(newly_published),
            "corrections": len(corrections),
        },
    )
    publication.newly_published = newly_published
    return publication


def _archived_on(source):
    """The day of the desk's own copy of the source's page (evidence app), or None if there is none."""
    capture = getattr(source, "capture", None)
    if capture is None or not capture.warc_name or capture.status != "captured":
        return None
    return capture.captured_at.date().isoformat()


def build_snapshot(essay):
    """Everything the public page shows: the essay and all its published claims as they are now."""
    # The sources with their capture (evidence app) in the one query that reads them: the public page links the desk's copy.
    with_capture = Prefetch("sources", queryset=Source.objects.select_related("capture").order_by("id"))
    claims = list(Claim.objects.filter(essay=essay, status=Status.PUBLISHED).order_by("start", "id").prefetch_related(with_capture))
    times = {
        row["claim_id"]: row
        for row in ClaimEvent.objects.filter(claim__essay=essay, action="publish")
        .values("claim_id")
        .annotate(first=Min("at"), last=Max("at"))
    }
    items = []
    for claim in claims:
        published = times.get(claim.pk, {})
        items.append(
            {
                "id": claim.pk,
                "start": claim.start,
                "end": claim.end,
                "quote": claim.quote,
                "claim_type": claim.claim_type,
                "speaker": claim.speaker,
                "normalized": claim.normalized,
                "verdict": claim.verdict,
                "verdict_summary": claim.verdict_summary,
                "sources": [
                    {
                        "id": source.pk,
                        "archived_on": _archived_on(source),
                        "url": source.url,
                        "title": source.title,
                        "publisher": source.publisher,
                        "published_on": _iso(source.published_on),
                        "archive_url": source.archive_url,
                        "stance": source.stance,
                        "excerpt": source.excerpt,
                    }
                    for source in claim.sources.all()
                ],
                "published_at": _iso(published.get("first") or claim.updated_at),
                "updated_at": _iso(published.get("last") or claim.updated_at),
            }
        )
    counts = Counter(item["verdict"] for item in items)
    return {
        "essay": {
            "title": essay.title,
            "slug": essay.slug,
            "author": essay.author,
            "url": essay.url,
            "language": essay.language,
            "published_on": _iso(essay.published_on),
            "text": essay.text,
        },
        "claims": items,
        "counts": {verdict: counts[verdict] for verdict in VERDICT_ORDER if counts[verdict]},
    }


def _corrections(essay, newly_published, number, now):
    """A claim published before, reopened and published again: what it said, what it says now, and the public note."""
    ids = [claim.pk for claim in newly_published]
    earlier = set(ClaimEvent.objects.filter(claim_id__in=ids, action="publish", at__lt=now).values_list("claim_id", flat=True).distinct())
    if not earlier:
        return []
    notes = {}
    # The reopening's comment is the editors' internal reason and stays in the history; readers get only
    # the public correction note given with it (workflow.PUBLIC_NOTE), or the page's neutral line.
    for claim_id, changes, at in (
        ClaimEvent.objects.filter(claim_id__in=earlier, action="reopen", from_status=Status.PUBLISHED)
        .order_by("at", "id")
        .values_list("claim_id", "changes", "at")
    ):
        note = (changes or {}).get(workflow.PUBLIC_NOTE) if isinstance(changes, dict) else None
        notes[claim_id] = (note[1] if isinstance(note, list) and len(note) == 2 and isinstance(note[1], str) else "", at)  # the latest wins
    before = {}
    # Newest first: what readers saw last. Older snapshots are read only while some claim is still missing.
    for publication in Publication.objects.filter(essay=essay).order_by("-number").only("number", "snapshot").iterator(chunk_size=4):
        for item in publication.snapshot.get("claims", []):
            if item["id"] in earlier and item["id"] not in before:
                before[item["id"]] = (publication.number, item)
        if len(before) == len(earlier):
            break
    corrections = []
    for claim in newly_published:
        if claim.pk not in earlier:
            continue
        old_number, old = before.get(claim.pk, (None, {}))
        public_note, reopened_at = notes.get(claim.pk, ("", None))
        corrections.append(
            {
                "claim_id": claim.pk,
                "quote": claim.quote,
                "publication": number,
                "corrected_at": _iso(now),
                "reopened_at": _iso(reopened_at),
                "public_note": public_note,
                "before": {"publication": old_number, "verdict": old.get("verdict", ""), "verdict_summary": old.get("verdict_summary", "")},
                "after": {"verdict": claim.verdict, "verdict_summary": claim.verdict_summary},
            }
        )
    return corrections


# ClaimReview ---------------------------------------------------------------

# Words that mark a speaker as an organisation rather than a person; the
# desk records only a name, so this is a best guess that defaults to Person.
_ORGANISATION_MARKERS = tuple(
    " inc| inc.| ltd| llc| corp| corporation| company| group| university| institute| agency| ministry| department| bureau"
    "| council| commission| association| foundation| office| government"
    "|公司|集团|大学|学院|研究院|研究所|政府|委员会|协会|基金会|部|局|署|院".split("|")
)


def _party(name):
    lowered = f" {name.strip().lower()}"
    kind = "Organization" if lowered.endswith(_ORGANISATION_MARKERS) else "Person"
    return {"@type": kind, "name": name.strip()}


def _absolute(request_or_base_url, path):
    if hasattr(request_or_base_url, "build_absolute_uri"):
        return request_or_base_url.build_absolute_uri(path)
    return urljoin(str(request_or_base_url or settings.DESK_URL), path)


def verdict_label_en(verdict):
    with translation.override("en"):
        return str(Verdict(verdict).label)


def claimreview_jsonld(publication, request_or_base_url):
    """One schema.org ClaimReview per claim of the publication, as plain dicts."""
    snapshot = publication.snapshot
    essay = snapshot["essay"]
    page_url = _absolute(request_or_base_url, reverse("public_essay", args=[essay["slug"]]))
    desk = {"@type": "Organization", "name": settings.DESK_NAME, "url": settings.DESK_URL}
    appearance = {"@type": "CreativeWork", "headline": essay["title"]}
    if is_http_url(essay.get("url") or ""):
        appearance["url"] = essay["url"]
    if essay.get("author"):
        appearance["author"] = _party(essay["author"])
    if essay.get("published_on"):
        appearance["datePublished"] = essay["published_on"]
    reviews = []
    for claim in snapshot["claims"]:
        rating = {"@type": "Rating", "alternateName": verdict_label_en(claim["verdict"])}
        value = RATING_VALUES.get(claim["verdict"])
        if value is not None:
            rating.update({"ratingValue": value, "bestRating": 5, "worstRating": 1})
        item = {"@type": "Claim", "appearance": appearance, "firstAppearance": appearance}
        speaker = claim.get("speaker") or essay.get("author") or ""
        if speaker.strip():
            item["author"] = _party(speaker)
        if essay.get("published_on"):
            item["datePublished"] = essay["published_on"]
        review = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": f"{page_url}#claim-{claim['id']}",
            "claimReviewed": claim.get("normalized") or claim["quote"],
            "reviewRating": rating,
            "author": desk,
            "datePublished": claim["published_at"],
            "itemReviewed": item,
        }
        if claim.get("updated_at") and claim["updated_at"] != claim["published_at"]:
            review["dateModified"] = claim["updated_at"]
        reviews.append(review)
    return reviews
