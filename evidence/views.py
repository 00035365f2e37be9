"""The desk's archived copy of a source: its text, and the page itself in a sandbox.

Two addresses:

- `/sources/<id>/archive/` is a page of the desk (with the session): the capture's
  facts, the extracted text and a frame showing the archived page. Anyone on the
  desk may open it for any source; readers only for sources of a published claim.
- `/archive/raw/<token>/` serves the archived page itself. It is authorised by the
  signed, expiring token in its address (django.core.signing), never by the
  session: the view never reads `request.user` or `request.session`, so no
  middleware touches the session, and the answer sets no cookie and varies on
  none. Why: the archived page is someone else's HTML served from the desk's own
  origin. Its scripts are stripped, and `Content-Security-Policy: sandbox` gives
  whatever is left an opaque origin with no scripts, forms, popups or plugins,
  and `default-src 'none'` lets it load nothing from anywhere (no tracking pixel,
  no call home). Because the address itself carries the right to read, it works
  the same from a cookieless host, and nothing in it can act with a desk
  member's session. PDFs and other files are offered as a download, never shown
  inline.
"""

import re

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_POST

from claims import workflow
from claims.models import Publication, Source, Status

from .capture import Unreadable, charset_of, decode_body, read_warc
from .models import Capture, CaptureStatus

TOKEN_SALT = "evidence.archive.raw"

# The archived page may show its own inline styles and data: images, and nothing else.
SANDBOX_POLICY = {
    "sandbox": True,
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["data:"],
    "frame-ancestors": ["'self'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
}

HTML_TYPES = ("text/html", "application/xhtml+xml")
TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")


def token_seconds():
    return getattr(settings, "ARCHIVE_TOKEN_SECONDS", 3600)


def raw_token(capture):
    """A signed, timestamped token naming the capture (its source and body hash: a recapture makes old tokens void)."""
    return signing.dumps({"s": capture.source_id, "h": capture.sha256[:16]}, salt=TOKEN_SALT)


def is_published_source(source):
    """True when readers see this source: its claim is published, or the essay's latest publication lists it."""
    claim = source.claim
    if claim.status == Status.PUBLISHED:
        return True
    latest = Publication.objects.only("snapshot").latest_for(claim.essay_id)
    if latest is None:
        return False
    for item in latest.snapshot.get("claims", []):
        for listed in item.get("sources", []) if item.get("id") == claim.pk else []:
            if listed.get("id") == source.pk:
                return True
    return False


def _source_for(request, pk):
    source = get_object_or_404(Source.objects.select_related("claim", "claim__essay"), pk=pk)
    if workflow.may("view", request.user) or is_published_source(source):
        return source
    raise Http404


@require_GET
def source_archive(request, pk):
    source = _source_for(request, pk)
    capture = Capture.objects.filter(source=source).first()
    desk = workflow.may("view", request.user)
    ctx = {
        "source": source,
        "claim": source.claim,
        "capture": capture,
        "desk": desk,
        "may_recapture": desk and workflow.may("note", request.user, source.claim),
        "checks": list(source.checks.all()[:10]) if desk else [],
    }
    if capture is not None and capture.warc_name:
        ctx["raw_url"] = reverse("source_archive_raw", args=[raw_token(capture)])
        ctx["shows_inline"] = _kind(capture.content_type) in ("html", "text")
    return render(request, "evidence/archive.html", ctx)


def _kind(content_type):
    content_type = (content_type or "").split(";")[0].strip().lower()
    if content_type in HTML_TYPES:
        return "html"
    if content_type.startswith("text/"):
        return "text"
    return "file"


def strip_active_content(html):
    """The page without scripts, event handlers, javascript: links, frames, objects, forms or meta refreshes."""
    import lxml.html
    from lxml_html_clean import Cleaner

    cleaner = Cleaner(
        scripts=True,
        javascript=True,
        comments=True,
        style=False,
        inline_style=False,
        links=True,
        meta=True,
        page_structure=False,
        processing_instructions=True,
        embedded=True,
        frames=True,
        forms=True,
        annoying_tags=False,
        remove_unknown_tags=False,
        safe_attrs_only=False,
    )
    try:
        tree = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ""
    cleaned = cleaner.clean_html(tree)
    for base in cleaned.xpath("//base"):
        base.drop_tree()
    # Images from elsewhere are blocked by the policy anyway: drop their address rather than show a broken picture.
    for image in cleaned.xpath("//img[@src]|//source[@src]|//source[@srcset]|//img[@srcset]"):
        for name in ("src", "srcset"):
            if not image.get(name, "data:").startswith("data:"):
                del image.attrib[name]
    # A malformed tag ("<scr<script>") parses as an element named "scr<script": keep its text, drop the tag.
    for element in list(cleaned.iter()):
        if isinstance(element.tag, str) and not TAG_NAME.fullmatch(element.tag) and element.getparent() is not None:
            element.drop_tag()
    return lxml.html.tostring(cleaned, encoding="unicode", doctype="<!DOCTYPE html>")


def _sandboxed(response):
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
@xframe_options_sameorigin
@csp_override(SANDBOX_POLICY)
def source_archive_raw(request, token):
    # Authorised by the token alone: this view must not read request.user or request.session (see the module's docstring).
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=token_seconds())
        source_id, digest = int(data["s"]), str(data["h"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return _sandboxed(
            HttpResponse(
                _("This link to an archived page is not valid or has expired."), status=404, content_type="text/plain; charset=utf-8"
            )
        )
    capture = Capture.objects.filter(source_id=source_id).exclude(warc_name="").first()
    if capture is None or not capture.sha256.startswith(digest):
        return _sandboxed(
            HttpResponse(_("This archived copy was replaced by a newer one."), status=404, content_type="text/plain; charset=utf-8")
        )
    try:
        _status, headers, body = read_warc(capture.warc_name)
    except (Unreadable, OSError):
        return _sandboxed(HttpResponse(_("The archived file could not be read."), status=404, content_type="text/plain; charset=utf-8"))
    kind = _kind(capture.content_type)
    if kind == "html" and capture.status == CaptureStatus.CAPTURED:
        html = strip_active_content(decode_body(body, charset_of(headers)))
        return _sandboxed(HttpResponse(html, content_type="text/html; charset=utf-8"))
    if kind == "text" and capture.status == CaptureStatus.CAPTURED:
        return _sandboxed(HttpResponse(decode_body(body, charset_of(headers)), content_type="text/plain; charset=utf-8"))
    response = HttpResponse(body, content_type="application/octet-stream")
    extension = "pdf" if body.startswith(b"%PDF-") else "bin"
    response["Content-Disposition"] = f'attachment; filename="source-{source_id}.{extension}"'
    return _sandboxed(response)


@require_POST
def source_recapture(request, pk):
    """Fetch the source's page again in the background (anyone on the desk, in any state: as for a note)."""
    source = get_object_or_404(Source.objects.select_related("claim"), pk=pk)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={reverse('claim', args=[source.claim_id])}")
    error = workflow.refusal("note", request.user, source.claim)
    if error is not None:
        return render(request, "claims/claim_refused.html", {"message": error.message, "claim": source.claim, "status": 403}, status=403)
    from .signals import enqueue_capture

    enqueue_capture(source.pk)
    messages.success(request, _("The page will be captured again in the background; reload in a moment to see the outcome."))
    return redirect(reverse("claim", args=[source.claim_id]) + f"#source-{source.pk}")
