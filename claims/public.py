"""The pages readers see: an essay's public summary (/p/<slug>/) and the list of published essays (/).

The summary page reads only Publication rows (the snapshot), never live
claims, so work in progress and reviewer notes cannot leak. A publication
never changes, so what its snapshot renders to (the facts, the scorecard, the
essay text with its highlights, the claim cards, the corrections log and the
ClaimReview JSON-LD) is drawn by templates inside one `{% cache %}` fragment
keyed by the publication, the language and the host: a reader after the first
costs the versions query and one cache read, whatever the number of claims.

Anonymous readers get an ETag and Last-Modified, and Django's `condition`
decorator answers a conditional request 304 from the same versions query. The
language switcher's form carries a CSRF token, so every response may set a
cookie: the pages are cacheable by the reader's browser only (`private`).
"""

import datetime as dt
import json
from functools import cached_property, wraps

from django.core.paginator import Paginator
from django.db.models.fields.json import KT
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_safe

from .charts import bar_chart
from .models import VERDICT_MEANINGS, ClaimType, Publication, Stance, Verdict, choice_label, is_http_url
from .publishing import VERDICT_ORDER, claimreview_jsonld

PUBLIC_MAX_AGE = 300
# How long the rendered parts of a publication stay in the cache (they never go stale: a publication never changes).
PARTS_CACHE_SECONDS = 24 * 3600


def _reader_cache_headers(view):
    """Cache-Control and Vary on every answer of a reader's page, 304s included."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.user.is_authenticated:
            # A signed-in reader's page carries their name and messages: never kept anywhere.
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(response, private=True, max_age=PUBLIC_MAX_AGE)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    return wrapped


# The public summary page ---------------------------------------------------


def _versions(request, slug):
    """Every publication of the essay, oldest first, without the snapshots: one query, shared by the
    validators and the view of one request."""
    cached = getattr(request, "_publication_versions", None)
    if cached is None or cached[0] != slug:
        rows = list(
            Publication.objects.filter(essay__slug=slug)
            .order_by("number")
            .values("id", "number", "published_at", "corrections", title=KT("snapshot__essay__title"))
        )
        cached = request._publication_versions = (slug, rows)
    return cached[1]


def _current(versions, number):
    if number is None:
        return versions[-1] if versions else None
    return next((v for v in versions if v["number"] == number), None)


def _etag(request, slug, number=None):
    versions = _versions(request, slug)
    current = _current(versions, number)
    if current is None or request.user.is_authenticated:
        return None
    # The page of a publication changes only when a newer one appears (the link to the latest) or with the language.
    return f'"{current["id"]}-{versions[-1]["number"]}-{translation.get_language()}"'


def _last_modified(request, slug, number=None):
    versions = _versions(request, slug)
    if not versions or request.user.is_authenticated:
        return None
    return max(v["published_at"] for v in versions)


def _when(value):
    """An ISO date or datetime from a snapshot as a date or an aware datetime (None when unreadable)."""
    if not value or not isinstance(value, str):
        return None
    if "T" not in value:
        return parse_date(value)
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return moment


class PublishedPage:
    """What a publication's snapshot renders to, for the template.

    Nothing is read until the template asks: when the page's fragment is in the
    cache, the snapshot is never loaded.
    """

    def __init__(self, request, current, versions):
        self.request = request
        self.id = current["id"]
        self.number = current["number"]
        self.versions = versions

    @cached_property
    def publication(self):
        return (
            Publication.objects.select_related("essay")
            .only("id", "number", "published_at", "snapshot", "essay__id", "essay__slug")
            .get(pk=self.id)
        )

    @cached_property
    def essay(self):
        essay = dict(self.publication.snapshot["essay"])
        essay["url_ok"] = is_http_url(essay.get("url") or "")
        essay["published_on"] = _when(essay.get("published_on"))
        return essay

    @property
    def published_at(self):
        return self.publication.published_at

    @cached_property
    def text_lang(self):
        language = self.essay.get("language", "")
        return "zh-Hans" if language == "zh" else language

    @cached_property
    def labels(self):
        """The translated labels of verdicts, types and stances, as text once per page (not once per claim)."""
        return {
            "verdict": {value: str(label) for value, label in Verdict.choices},
            "type": {value: str(label) for value, label in ClaimType.choices},
            "stance": {value: str(label) for value, label in Stance.choices},
        }

    @cached_property
    def claims(self):
        author = self.essay.get("author", "")
        labels = self.labels
        claims = []
        for number, claim in enumerate(self.publication.snapshot["claims"], 1):
            published_at, updated_at = _when(claim.get("published_at")), _when(claim.get("updated_at"))
            summary = claim.get("verdict_summary", "")
            claims.append(
                {
                    **claim,
                    "number": number,
                    "verdict_label": labels["verdict"].get(claim["verdict"], claim["verdict"]),
                    "type_label": labels["type"].get(claim.get("claim_type"), ""),
                    "speaker": claim.get("speaker") or author,
                    "paragraphs": [part for part in summary.split("\n") if part.strip()] or [summary],
                    "published_at": published_at,
                    "updated_at": updated_at if claim.get("updated_at") != claim.get("published_at") else None,
                    "sources": [self._source(source, labels["stance"]) for source in claim.get("sources") or []],
                }
            )
        return claims

    @staticmethod
    def _source(source, stance_labels):
        return {
            **source,
            "title": source.get("title") or source.get("url") or "",
            "url_ok": is_http_url(source.get("url") or ""),
            "archive_ok": is_http_url(source.get("archive_url") or ""),
            "stance_label": stance_labels.get(source.get("stance"), ""),
            "published_on": _when(source.get("published_on")),
            # The desk's own copy (evidence app): readers may open it for the sources of a publication.
            "desk_archive": (
                reverse("source_archive", args=[source["id"]]) if source.get("archived_on") and isinstance(source.get("id"), int) else ""
            ),
            "archived_on": _when(source.get("archived_on")) if source.get("archived_on") else None,
        }

    @cached_property
    def numbers(self):
        return {claim["id"]: claim["number"] for claim in self.claims}

    @cached_property
    def segments(self):
        """The essay text cut at the published claims: [{"text", "claim"}], claim None between them."""
        text = self.publication.snapshot["essay"]["text"]
        parts, cursor = [], 0
        for claim in sorted(self.claims, key=lambda c: (c["start"], c["end"], c["id"])):
            start, end = max(claim["start"], cursor), min(claim["end"], len(text))
            if end <= start:
                continue  # wholly inside an earlier highlight; its card still lists it
            parts.append({"text": text[cursor:start], "claim": None})
            parts.append({"text": text[start:end], "claim": claim})
            cursor = end
        parts.append({"text": text[cursor:], "claim": None})
        return parts

    @cached_property
    def scorecard(self):
        counts = {}
        for claim in self.claims:
            counts[claim["verdict"]] = counts.get(claim["verdict"], 0) + 1
        rows = [{"verdict": v, "label": choice_label(Verdict, v), "count": counts.get(v, 0)} for v in VERDICT_ORDER]
        summary = ", ".join(f"{row['label']}: {row['count']}" for row in rows)
        title = _("Verdicts of %(total)s claims: %(summary)s") % {"total": len(self.claims), "summary": summary}
        chart = bar_chart([(row["label"], row["count"], f"verdict-{row['verdict']}") for row in rows], title=title)
        return {"rows": rows, "chart": chart}

    @cached_property
    def corrections(self):
        """The corrections listed up to this publication, newest first (a later publication never changes them)."""
        entries = []
        for version in self.versions:
            if version["number"] > self.number:
                break
            for item in version["corrections"] or []:
                before, after = item.get("before") or {}, item.get("after") or {}
                entries.append(
                    {
                        "claim_id": item.get("claim_id"),
                        "number": self.numbers.get(item.get("claim_id")),
                        "quote": item.get("quote", ""),
                        "publication": item.get("publication"),
                        "when": _when(item.get("corrected_at")),
                        # Only the public correction note; an older publication's "reason" was the internal comment.
                        "public_note": item.get("public_note", ""),
                        "before": before,
                        "after": after,
                        "unchanged": before.get("verdict") == after.get("verdict"),
                        "sort": item.get("corrected_at") or "",
                    }
                )
        entries.sort(key=lambda e: e["sort"], reverse=True)
        return entries

    @cached_property
    def jsonld(self):
        return jsonld_script_text(claimreview_jsonld(self.publication, self.request))


def jsonld_script_text(data):
    """JSON for a <script> element: <, > and & escaped so that no text inside can close the script."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # Safe by construction: after these escapes the JSON cannot contain "</script>" or start markup.
    return SafeString(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@require_safe
@_reader_cache_headers
@condition(etag_func=_etag, last_modified_func=_last_modified)
def publication_page(request, slug, number=None):
    versions = _versions(request, slug)
    if not versions:
        raise Http404(_("This essay has not been published."))
    current = _current(versions, number)
    if current is None:
        raise Http404(_("This essay has no publication #%(number)s.") % {"number": number})
    latest = versions[-1]
    context = {
        "page": PublishedPage(request, current, versions),
        "parts_seconds": PARTS_CACHE_SECONDS,
        "host": request.get_host(),
        "slug": slug,
        "title": current["title"] or slug,
        "number": current["number"],
        "is_latest": current["number"] == latest["number"],
        "latest_number": latest["number"],
        "versions": [{"number": v["number"], "when": v["published_at"], "current": v["number"] == current["number"]} for v in versions],
        "methodology": [{"verdict": v, "meaning": VERDICT_MEANINGS[v]} for v in VERDICT_ORDER],
        "canonical_url": request.build_absolute_uri(reverse("public_essay", args=[slug])),
    }
    return render(request, "claims/public_essay.html", context)


# The readers' home page ------------------------------------------------------


@require_safe
def published_essays(request):
    """Every published essay with its latest publication: one query for the page, one for the count."""
    rows = (
        Publication.objects.latest_per_essay()
        .order_by("-published_at", "-id")
        .values("number", "published_at", "essay__title", "essay__slug", "essay__author", "essay__language", "snapshot__counts")
    )
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    essays = []
    for row in page.object_list:
        counts = row["snapshot__counts"] or {}
        if isinstance(counts, str):  # some backends hand back a JSON key as text
            counts = json.loads(counts)
        essays.append(
            {
                "title": row["essay__title"],
                "slug": row["essay__slug"],
                "author": row["essay__author"],
                "language": row["essay__language"],
                "number": row["number"],
                "when": row["published_at"],
                "total": sum(counts.values()),
                "verdicts": [{"verdict": v, "count": counts[v]} for v in VERDICT_ORDER if counts.get(v)],
            }
        )
    return render(request, "claims/public_list.html", {"essays": essays, "page": page})
