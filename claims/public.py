"""Publishing and the pages readers see.

`publish` is the editor's action (POST). `publication_page` is the public
summary of an essay: it reads only Publication rows (the snapshot), never live
claims, so work in progress and reviewer notes cannot leak and the page costs
two queries whatever the number of claims. It answers conditional requests
from a one-query look-up without rendering. `published_essays` is the home
page for readers.

The two large parts of the page (the essay text with its highlights and the
claim cards) are built here with format_html, which escapes every piece of
user text; the template lays out the rest.
"""

import datetime as dt
import functools
import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import linebreaks_filter
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.http import http_date
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from . import workflow
from .models import VERDICT_MEANINGS, ClaimType, Essay, Publication, Stance, Verdict, is_http_url
from .publishing import VERDICT_ORDER, claimreview_jsonld, publish_essay
from .roles import is_editor


def _code_version():
    """A fingerprint of what the page is rendered with, so that a deploy never serves stale HTML or ETags."""
    here = Path(__file__).resolve().parent
    files = [here / "public.py", here / "publishing.py", here / "models.py", here / "templates" / "claims" / "public_essay.html"]
    files += sorted((here / "locale").glob("*/LC_MESSAGES/django.mo"))
    digest = hashlib.sha256()
    for path in files:
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


# Part of every ETag and cache key.
PAGE_VERSION = _code_version()
PUBLIC_MAX_AGE = 300
# How long the rendered parts of a publication stay in the cache (they never go stale: a publication never changes).
PARTS_CACHE_SECONDS = 24 * 3600

# Bar colours of the scorecard chart (SVG presentation attributes, allowed by the CSP).
VERDICT_COLOURS = {
    "true": "#1a7f37",
    "mostly_true": "#5a9e2f",
    "mixed": "#b58100",
    "mostly_false": "#c4511a",
    "false": "#b42318",
    "misleading": "#7b3fa0",
    "unverifiable": "#5a6272",
}


# Publishing ------------------------------------------------------------------


def _get_essay_for_editor(request, slug):
    essay = get_object_or_404(Essay, slug=slug)
    if not is_editor(request.user):
        raise PermissionDenied(_("Only an editor may publish an essay."))
    return essay


@login_required
@require_POST
def publish(request, slug):
    essay = _get_essay_for_editor(request, slug)
    try:
        publication = publish_essay(essay, request.user)
    except workflow.NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except (workflow.InvalidInput, workflow.Conflict) as error:
        messages.error(request, error.message)
        return redirect("essay", slug=essay.slug)
    total = len(publication.snapshot["claims"])
    new = len(publication.newly_published)
    corrections = len(publication.corrections)
    public_url = reverse("public_essay", args=[essay.slug])
    what = ngettext(
        "Published %(new)s newly approved verdict of “%(title)s” as publication #%(number)s",
        "Published %(new)s newly approved verdicts of “%(title)s” as publication #%(number)s",
        new,
    ) % {"new": new, "title": essay.title, "number": publication.number}
    extra = ngettext("%(total)s claim is public in all", "%(total)s claims are public in all", total) % {"total": total}
    if corrections:
        extra += "; " + ngettext("%(count)s correction is listed", "%(count)s corrections are listed", corrections) % {"count": corrections}
    messages.success(
        request,
        format_html(
            '{} ({}). {} <a href="{}">{}</a>. {}',
            what,
            extra,
            _("Readers see it at"),
            public_url,
            request.build_absolute_uri(public_url),
            _("Verdicts approved from now on go out with the next publication."),
        ),
    )
    return redirect("essay", slug=essay.slug)


# The public summary page ---------------------------------------------------


def _versions(slug):
    """Every publication of the essay, oldest first, without the snapshots: one query."""
    return list(Publication.objects.filter(essay__slug=slug).order_by("number").values("id", "number", "published_at", "corrections"))


def _cacheable(response, etag, last_modified, anonymous, sets_cookie=False):
    if etag:
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified.timestamp())
    if not anonymous:
        # A signed-in reader's page carries their name and messages: never in a shared cache.
        patch_cache_control(response, private=True, no_cache=True)
    elif sets_cookie:
        # A response that sets a cookie must not be stored by a shared cache and handed to someone else.
        patch_cache_control(response, private=True, max_age=PUBLIC_MAX_AGE)
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


@require_safe
def publication_page(request, slug, number=None):
    versions = _versions(slug)
    if not versions:
        raise Http404(_("This essay has not been published."))
    if number is None:
        current = versions[-1]
    else:
        current = next((v for v in versions if v["number"] == number), None)
        if current is None:
            raise Http404(_("This essay has no publication #%(number)s.") % {"number": number})
    anonymous = not request.user.is_authenticated
    last_modified = max(v["published_at"] for v in versions)
    etag = None
    if anonymous:
        etag = f'"{PAGE_VERSION}-{current["id"]}-{versions[-1]["number"]}-{translation.get_language()}"'
        not_modified = get_conditional_response(request, etag=etag, last_modified=int(last_modified.timestamp()))
        if not_modified is not None:
            return _cacheable(not_modified, etag, last_modified, anonymous=True)
    context = _page_context(request, slug, _publication_parts(request, current), current, versions)
    response = render(request, "claims/public_essay.html", context)
    return _cacheable(response, etag, last_modified, anonymous, sets_cookie=anonymous and _sets_csrf_cookie(request))


def _sets_csrf_cookie(request):
    """Whether the response will carry a Set-Cookie for the language form's CSRF token.

    Django re-sends the CSRF cookie whenever a page uses the token, only to renew
    its expiry. A reader who already has a valid cookie does not need that here,
    and a response without Set-Cookie is one a shared cache may keep (Vary: Cookie
    keeps each reader's token with that reader). A first visit does get a new
    cookie, and that response stays private.
    """
    if not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    if not settings.CSRF_USE_SESSIONS and request.META.get("CSRF_COOKIE") == request.COOKIES.get(settings.CSRF_COOKIE_NAME):
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
        return False
    return True


def _when(value):
    """An ISO string from a snapshot as an aware datetime (or None)."""
    if not value:
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else value
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.UTC)
    return parsed


@functools.lru_cache(maxsize=8192)
def _linkable(url):
    """is_http_url, remembered: a publication's URLs never change and its page is rendered again and again."""
    return bool(url) and is_http_url(url)


def _day(value):
    """A localised date in a <time> element, from an ISO date or datetime."""
    if not value:
        return ""
    moment = _when(value) if isinstance(value, str) and "T" in value else None
    day = timezone.localtime(moment).date() if moment else (parse_date(value) if isinstance(value, str) else value)
    if day is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', day.isoformat(), date_format(day, "DATE_FORMAT"))


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value


def _verdict_badge(verdict):
    return format_html('<span class="badge verdict-{}">{}</span>', verdict, _label(Verdict, verdict))


class _Cards:
    """Builds the highlighted essay text and the claim cards.

    Every piece of user text goes through format_html (escaped); the labels and
    dates, the same for many claims, are translated and formatted once per page.
    """

    def __init__(self, essay_author, text_lang):
        self.essay_author = essay_author
        self.text_lang = text_lang
        self.days = {}
        self.badges = {v: _verdict_badge(v) for v in Verdict.values}
        self.verdicts = {v: escape(str(label)) for v, label in Verdict.choices}
        self.types = {v: escape(str(label)) for v, label in ClaimType.choices}
        self.stances = {v: format_html('<span class="badge stance-{}">{}</span>', v, label) for v, label in Stance.choices}
        self.words = {
            key: escape(text)
            for key, text in {
                "claimed_by": _("Claimed by:"),
                "checked_as": _("Checked as:"),
                "why": _("Why"),
                "sources": _("Sources"),
                "first_published": _("First published"),
                "corrected": _("corrected"),
                "show": _("Show in the essay"),
                "archived": _("archived copy"),
                "inert": _("not a web address; link removed"),
            }.items()
        }

    def day(self, value):
        if value not in self.days:
            self.days[value] = _day(value)
        return self.days[value]

    def badge(self, verdict):
        return self.badges.get(verdict) or _verdict_badge(verdict)

    def text(self, text, claims, numbers):
        """The essay text with each published claim marked, labelled with its number and verdict, linked to its card."""
        parts = []
        cursor = 0
        for claim in sorted(claims, key=lambda c: (c["start"], c["end"], c["id"])):
            start, end = max(claim["start"], cursor), min(claim["end"], len(text))
            if end <= start:
                continue  # wholly inside an earlier highlight; its card still lists it
            parts.append(escape(text[cursor:start]))
            parts.append(
                format_html(
                    '<mark class="claim-mark v-{}" id="text-claim-{}"><a href="#claim-{}">{}</a>'
                    '<a class="mark-label" href="#claim-{}">{}&#8239;·&#8239;{}</a></mark>',
                    claim["verdict"],
                    claim["id"],
                    claim["id"],
                    text[start:end],
                    claim["id"],
                    numbers[claim["id"]],
                    self.verdicts.get(claim["verdict"], claim["verdict"]),
                )
            )
            cursor = end
        parts.append(escape(text[cursor:]))
        return SafeString("".join(parts))  # every part above is escaped or built by format_html

    def source(self, source):
        url, title = source.get("url") or "", source.get("title") or source.get("url") or ""
        publisher, day = source.get("publisher") or "", self.day(source.get("published_on"))
        archive, excerpt = source.get("archive_url") or "", source.get("excerpt") or ""
        return format_html(
            "<li>{} {}{}{}{}</li>",
            # Never a link for anything but http(s): a tampered URL is shown as inert text.
            format_html('<a href="{}" rel="noopener noreferrer nofollow">{}</a>', url, title)
            if _linkable(url)
            else format_html('<span class="inert-url">{}</span> <span class="muted small">({})</span>', title, self.words["inert"]),
            self.stances.get(source.get("stance")) or "",
            format_html(' <span class="muted small">— {}{}{}</span>', publisher, ", " if publisher and day else "", day)
            if publisher or day
            else "",
            format_html(' · <a href="{}" rel="noopener noreferrer nofollow">{}</a>', archive, self.words["archived"])
            if _linkable(archive)
            else "",
            format_html('<blockquote class="source-excerpt">{}</blockquote>', excerpt) if excerpt else "",
        )

    def explanation(self, text):
        if "\n" in text:
            return linebreaks_filter(text, autoescape=True)
        return format_html("<p>{}</p>", text)

    def card(self, claim, number):
        words = self.words
        speaker = claim.get("speaker") or self.essay_author
        sources = claim.get("sources") or []
        corrected = claim.get("updated_at") and claim["updated_at"] != claim.get("published_at")
        return format_html(
            '<article class="card claim-card" id="claim-{}">'
            '<header class="claim-head"><span class="claim-no">{}</span> {} <span class="muted small">{}</span></header>'
            '<blockquote class="claim-quote" lang="{}">{}</blockquote>{}{}'
            '<h3>{}</h3><div class="explanation">{}</div>{}'
            '<p class="muted small">{} {}{} · <a href="#text-claim-{}">{}</a></p>'
            "</article>",
            claim["id"],
            number,
            self.badge(claim["verdict"]),
            self.types.get(claim.get("claim_type"), ""),
            self.text_lang,
            claim["quote"],
            format_html('<p class="muted small">{} {}</p>', words["claimed_by"], speaker) if speaker else "",
            format_html('<p class="checked-as"><strong>{}</strong> {}</p>', words["checked_as"], claim["normalized"])
            if claim.get("normalized")
            else "",
            words["why"],
            self.explanation(claim.get("verdict_summary", "")),
            format_html(
                '<h3>{}</h3><ul class="source-list">{}</ul>', words["sources"], SafeString("".join(self.source(s) for s in sources))
            )
            if sources
            else "",
            words["first_published"],
            self.day(claim.get("published_at")),
            format_html(' · <a href="#corrections">{} {}</a>', words["corrected"], self.day(claim["updated_at"])) if corrected else "",
            claim["id"],
            words["show"],
        )

    def cards(self, claims, numbers):
        return SafeString("".join(self.card(claim, numbers[claim["id"]]) for claim in claims))  # each card is format_html output


def _scorecard(counts, total):
    """Rows for the legend and an inline SVG bar chart of the verdicts."""
    rows = [
        {"verdict": v, "label": str(_label(Verdict, v)), "count": counts.get(v, 0), "colour": VERDICT_COLOURS[v]} for v in VERDICT_ORDER
    ]
    label_width, bar_width, row_height = 120, 230, 28
    most = max([row["count"] for row in rows] + [1])
    bars = []
    for index, row in enumerate(rows):
        y = index * row_height
        width = round(bar_width * row["count"] / most) if row["count"] else 0
        bars.append(
            format_html(
                '<text x="0" y="{}" class="chart-label">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}"></rect>'
                '<text x="{}" y="{}" class="chart-count">{}</text>',
                y + 19,
                row["label"],
                label_width,
                y + 5,
                max(width, 2),
                row_height - 10,
                row["colour"] if row["count"] else "#d9dde5",
                label_width + max(width, 2) + 8,
                y + 19,
                row["count"],
            )
        )
    summary = ", ".join(f"{row['label']}: {row['count']}" for row in rows)
    chart = format_html(
        '<svg class="score-chart" viewBox="0 0 {} {}" role="img" aria-labelledby="score-chart-title">'
        '<title id="score-chart-title">{}</title>{}</svg>',
        label_width + bar_width + 50,
        row_height * len(rows),
        _("Verdicts of %(total)s claims: %(summary)s") % {"total": total, "summary": summary},
        format_html_join("", "{}", ((bar,) for bar in bars)),
    )
    return rows, chart


def _corrections_log(versions, upto, numbers):
    entries = []
    for version in versions:
        if version["number"] > upto:
            break
        for item in version["corrections"] or []:
            entries.append(
                {
                    "claim_id": item.get("claim_id"),
                    "number": numbers.get(item.get("claim_id")),
                    "quote": item.get("quote", ""),
                    "publication": item.get("publication"),
                    "when": _day(item.get("corrected_at")),
                    "reason": item.get("reason", ""),
                    "before_badge": _verdict_badge(item["before"]["verdict"]) if item.get("before", {}).get("verdict") else "",
                    "before_summary": item.get("before", {}).get("verdict_summary", ""),
                    "after_badge": _verdict_badge(item["after"]["verdict"]) if item.get("after", {}).get("verdict") else "",
                    "after_summary": item.get("after", {}).get("verdict_summary", ""),
                    "unchanged": item.get("before", {}).get("verdict") == item.get("after", {}).get("verdict"),
                    "sort": item.get("corrected_at") or "",
                }
            )
    entries.sort(key=lambda e: e["sort"], reverse=True)
    return entries


def jsonld_script_text(data):
    """JSON for a <script> element: <, > and & escaped so that no text inside can close the script."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # Safe by construction: after these escapes the JSON cannot contain "</script>" or start markup.
    return SafeString(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _publication_parts(request, current):
    """Everything the page draws from the snapshot, rendered once per language and host.

    A publication never changes, so what it renders to is kept in the cache
    under its id: a reader after the first costs one cache read instead of
    loading and rendering the snapshot again.
    """
    host = hashlib.sha256(request.build_absolute_uri("/").encode()).hexdigest()[:16]
    key = f"public-page:{PAGE_VERSION}:{current['id']}:{translation.get_language()}:{host}"
    parts = cache.get(key)
    if parts is None:
        publication = (
            Publication.objects.select_related("essay")
            .only("id", "number", "published_at", "snapshot", "essay__id", "essay__slug")
            .get(pk=current["id"])
        )
        parts = _render_parts(request, publication)
        cache.set(key, parts, PARTS_CACHE_SECONDS)
    return parts


def _render_parts(request, publication):
    snapshot = publication.snapshot
    essay = snapshot["essay"]
    claims = snapshot["claims"]
    numbers = {claim["id"]: index for index, claim in enumerate(claims, 1)}
    counts = {}
    for claim in claims:
        counts[claim["verdict"]] = counts.get(claim["verdict"], 0) + 1
    score_rows, chart = _scorecard(counts, len(claims))
    text_lang = "zh-Hans" if essay.get("language") == "zh" else essay.get("language", "")
    cards = _Cards(essay.get("author", ""), text_lang)
    return {
        "essay": {key: value for key, value in essay.items() if key != "text"},
        "essay_url_ok": _linkable(essay.get("url") or ""),
        "essay_published_on": _day(essay.get("published_on")),
        "published_at": _day(publication.published_at.isoformat()),
        "claim_total": len(claims),
        "score_rows": score_rows,
        "score_chart": chart,
        "essay_html": cards.text(essay["text"], claims, numbers),
        "claim_cards": cards.cards(claims, numbers),
        "jsonld": jsonld_script_text(claimreview_jsonld(publication, request)),
        "numbers": numbers,
        "text_lang": text_lang,
    }


def _page_context(request, slug, parts, current, versions):
    corrections = _corrections_log(versions, current["number"], parts["numbers"])
    latest = versions[-1]
    return {
        **parts,
        "slug": slug,
        "number": current["number"],
        "last_correction": corrections[0]["when"] if corrections else "",
        "is_latest": current["number"] == latest["number"],
        "latest_number": latest["number"],
        "versions": [
            {"number": v["number"], "when": _day(v["published_at"].isoformat()), "current": v["number"] == current["number"]}
            for v in versions
        ],
        "corrections": corrections,
        "methodology": [{"verdict": v, "badge": _verdict_badge(v), "meaning": VERDICT_MEANINGS[v]} for v in VERDICT_ORDER],
        "canonical_url": request.build_absolute_uri(reverse("public_essay", args=[slug])),
    }


# The readers' home page ------------------------------------------------------


@require_safe
def published_essays(request):
    """Every published essay with its latest publication: one query for the page, one for the count."""
    latest_number = Publication.objects.filter(essay=OuterRef("essay")).order_by("-number").values("number")[:1]
    rows = (
        Publication.objects.filter(number=Subquery(latest_number))
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
                "when": _day(row["published_at"].isoformat()),
                "total": sum(counts.values()),
                "verdicts": [{"badge": _verdict_badge(v), "count": counts[v]} for v in VERDICT_ORDER if counts.get(v)],
            }
        )
    return render(request, "claims/public_list.html", {"essays": essays, "page": page})
