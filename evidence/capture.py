"""Capture a source: fetch its page, keep a WARC copy, extract its text, verify the excerpt.

Runs in the background worker, never in a request. Whatever the page does,
the outcome is a Capture row (captured, or failed with a reason) and the
source itself is untouched.
"""

import hashlib
import io
import logging
from http import HTTPStatus

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from claims.fetching import FetchError, fetch

from .models import Capture, CaptureStatus
from .verification import verify

logger = logging.getLogger(__name__)

DROPPED_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


class Unreadable(Exception):
    pass


def archive_storage():
    """Django storage for the WARC files (ARCHIVE_STORAGE may name another backend, e.g. S3)."""
    backend = getattr(settings, "ARCHIVE_STORAGE", "")
    if backend:
        return import_string(backend)()
    return FileSystemStorage(location=str(settings.ARCHIVE_ROOT))


def max_bytes():
    return getattr(settings, "SOURCE_CAPTURE_MAX_BYTES", 10 * 1024 * 1024)


def warc_bytes(result):
    """One gzipped WARC response record of `result` (body as decoded, headers adjusted to match)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    try:
        phrase = HTTPStatus(result.status).phrase
    except ValueError:
        phrase = ""
    headers = [(k, v) for k, v in result.headers if k.lower() not in DROPPED_HEADERS]
    headers.append(("Content-Length", str(len(result.body))))
    http_headers = StatusAndHeaders(f"{result.status} {phrase}".strip(), headers, protocol="HTTP/1.1")
    record = writer.create_warc_record(
        result.final_url,
        "response",
        payload=io.BytesIO(result.body),
        http_headers=http_headers,
        warc_headers_dict={"WARC-Date": result.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")},
    )
    writer.write_record(record)
    return out.getvalue()


def read_warc(name):
    """(status line, headers list, body bytes) of the response record in the archived file `name`."""
    from warcio.archiveiterator import ArchiveIterator

    with archive_storage().open(name, "rb") as file:
        for record in ArchiveIterator(file):
            if record.rec_type == "response":
                return record.http_headers.statusline, record.http_headers.headers, record.content_stream().read()
    raise Unreadable(name)


def charset_of(headers):
    """The charset named in the Content-Type of `headers` ([(name, value), ...]), or ""."""
    for name, value in headers:
        if name.lower() == "content-type":
            for param in value.split(";")[1:]:
                key, _sep, found = param.partition("=")
                if key.strip().lower() == "charset":
                    return found.strip().strip("\"'").lower()
    return ""


def decode_body(body, charset="", strict=False):
    """The text of `body`: in its declared charset, else as charset-normalizer guesses (Unreadable if `strict` and no guess)."""
    if charset:
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    if best is None:
        if strict:
            raise Unreadable(_("The page's text could not be decoded."))
        return body.decode("utf-8", "replace")
    return str(best)


def _decode(result):
    if b"\0" in result.body[:4096]:
        raise Unreadable(_("The server says it sent %(type)s but sent binary data.") % {"type": result.content_type or "text"})
    return decode_body(result.body, result.charset, strict=True)


def extract(result):
    """(kind, title, main text, full text) of a fetched page, or Unreadable with why."""
    body = result.body
    if body.startswith(b"%PDF-"):
        return ("pdf", *_pdf(body))
    if result.content_type in ("text/html", "application/xhtml+xml") or (not result.content_type and body.lstrip()[:1] == b"<"):
        return ("html", *_html(_decode(result)))
    if result.content_type.startswith("text/"):
        text = _decode(result)
        return "text", "", text, text
    raise Unreadable(_("The desk cannot read pages of type %(type)s.") % {"type": result.content_type or _("unknown")})


def _html(html):
    import lxml.html
    import trafilatura

    main = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True) or ""
    metadata = trafilatura.extract_metadata(html)
    title = (metadata.title if metadata else "") or ""
    try:
        tree = lxml.html.fromstring(html)
        for bad in tree.xpath("//script|//style|//noscript|//template"):
            bad.drop_tree()
        full = tree.text_content()
        title = title or (tree.findtext(".//title") or "").strip()
    except (ValueError, lxml.etree.ParserError):
        full = ""
    return title[:500], main, full


def _pdf(body):
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(body))
        pages = [page.extract_text() or "" for page in reader.pages[:500]]
        title = str((reader.metadata or {}).get("/Title") or "")
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        raise Unreadable(_("The PDF could not be read.")) from None
    text = "\n".join(pages)
    return title[:500], text, text


def capture_source(source):
    """Fetch `source`'s page now and record the outcome in its Capture."""
    capture, _created = Capture.objects.get_or_create(source=source)
    now = timezone.now()
    fields = {"captured_at": now, "error": "", "excerpt_found": None, "closest_passage": "", "http_status": None}
    try:
        result = fetch(source.url, max_bytes=max_bytes(), timeout=getattr(settings, "SOURCE_CAPTURE_TIMEOUT", 10))
    except FetchError as exc:
        fields.update(status=CaptureStatus.FAILED, error=str(exc.reason))
        return _store(capture, fields)
    fields.update(
        http_status=result.status,
        content_type=result.content_type[:200],
        final_url=result.final_url[:2000],
        sha256=hashlib.sha256(result.body).hexdigest(),
    )
    name = f"sources/{source.pk}/{now:%Y%m%dT%H%M%S}-{fields['sha256'][:12]}.warc.gz"
    fields["warc_name"] = archive_storage().save(name, ContentFile(warc_bytes(result)))
    if result.status >= 400:
        fields.update(status=CaptureStatus.FAILED, error=_("The server answered %(status)s.") % {"status": result.status})
        return _store(capture, fields)
    try:
        _kind, title, main, full = extract(result)
    except Unreadable as exc:
        fields.update(status=CaptureStatus.FAILED, error=str(exc))
        return _store(capture, fields)
    fields.update(status=CaptureStatus.CAPTURED, title=title, text=main or full)
    if source.excerpt.strip():
        verdict = verify(source.excerpt, main, full, title)
        fields.update(excerpt_found=verdict.found, closest_passage=verdict.closest)
    capture = _store(capture, fields)
    from . import wayback

    if wayback.enabled():
        wayback.save_source(source)
    return capture


def _store(capture, fields):
    for name, value in fields.items():
        setattr(capture, name, value)
    capture.save()
    logger.info("source %s captured: %s", capture.source_id, capture.status)
    return capture
