"""Optional (WAYBACK_SAVE=1): ask the Internet Archive's Save Page Now for a copy of a captured page.

Save Page Now answers `GET https://web.archive.org/save/<url>` with the
snapshot's address in `Content-Location` (or by redirecting to it). The request
goes through claims.fetching like every other fetch (DNS pinned, deadline, size
cap, at most five redirects); WAYBACK_SAVE_ENDPOINT points it elsewhere (the
tests use a local fake). The snapshot's address fills the source's
`archive_url` when the person left it empty; an address typed by hand is kept.
"""

import logging
from urllib.parse import urljoin

from django.conf import settings

from claims.fetching import FetchError, fetch
from claims.models import Source, is_http_url

logger = logging.getLogger(__name__)


def enabled():
    return bool(getattr(settings, "WAYBACK_SAVE", False))


def endpoint():
    return getattr(settings, "WAYBACK_SAVE_ENDPOINT", "https://web.archive.org/save/")


def save_page_now(url, timeout=60):
    """The Wayback Machine's address of a fresh snapshot of `url`, or "" when none could be made (logged)."""
    base = endpoint()
    try:
        result = fetch(base + url, max_bytes=1024 * 1024, timeout=timeout)
    except FetchError as exc:
        logger.warning("save page now failed for %s: %s", url, exc.code)
        return ""
    if result.status >= 400:
        logger.warning("save page now answered %s for %s", result.status, url)
        return ""
    location = result.header("content-location")
    snapshot = urljoin(result.final_url, location) if location else result.final_url
    if "/web/" not in snapshot or not is_http_url(snapshot):
        logger.warning("save page now gave no snapshot address for %s", url)
        return ""
    return snapshot[:2000]


def save_source(source):
    """Ask for a snapshot of the source's page and keep it in an empty archive_url; returns the address or ""."""
    if source.archive_url:
        return ""
    snapshot = save_page_now(source.url)
    if snapshot:
        Source.objects.filter(pk=source.pk, archive_url="").update(archive_url=snapshot)
    return snapshot
