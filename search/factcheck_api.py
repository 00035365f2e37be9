"""Fact checks from outside the desk: Google's Fact Check Tools Claim Search API, off unless GOOGLE_FACTCHECK_API_KEY is set.

What it answers is shown apart from the desk's own checks and labelled as coming
from outside. A slow or failing service never holds up or breaks a page: the
call has a short timeout, any failure means "nothing found", and answers are
cached for a day.
"""

import hashlib
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger("search.factcheck_api")

CACHE_SECONDS = 24 * 3600
MAX_RESULTS = 5
MAX_BYTES = 1_000_000


@dataclass
class OutsideCheck:
    claim: str
    claimant: str
    publisher: str
    rating: str
    url: str
    reviewed_at: str

    def as_dict(self):
        return asdict(self)


def enabled():
    return bool(getattr(settings, "GOOGLE_FACTCHECK_API_KEY", ""))


def search_claims(text, language=None):
    """Up to five outside fact checks of claims like `text`; [] when off, on a timeout or on any error."""
    text = " ".join((text or "").split())[:300]
    if not enabled() or not text:
        return []
    key = "factcheck_api:" + hashlib.sha256(f"{language}|{text}".encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return [OutsideCheck(**item) for item in cached]
    params = {"query": text, "key": settings.GOOGLE_FACTCHECK_API_KEY, "pageSize": MAX_RESULTS}
    if language:
        params["languageCode"] = language
    url = f"{settings.GOOGLE_FACTCHECK_URL}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=settings.GOOGLE_FACTCHECK_TIMEOUT) as response:
            body = json.loads(response.read(MAX_BYTES).decode("utf-8"))
        found = _parse(body)
    except (OSError, ValueError, urllib.error.URLError) as error:
        # The key never reaches the log: only the kind of failure.
        log.warning("factcheck_api.failed", extra={"event": "factcheck_api.failed", "error": type(error).__name__})
        return []
    cache.set(key, [item.as_dict() for item in found], CACHE_SECONDS)
    return found


def _parse(body):
    found = []
    for item in body.get("claims", []) if isinstance(body, dict) else []:
        if not isinstance(item, dict):
            continue
        for review in item.get("claimReview", []) or []:
            if not isinstance(review, dict):
                continue
            url = str(review.get("url", ""))
            if not url.startswith(("https://", "http://")):
                continue
            publisher = review.get("publisher") or {}
            found.append(
                OutsideCheck(
                    claim=str(item.get("text", ""))[:1000],
                    claimant=str(item.get("claimant", ""))[:200],
                    publisher=str(publisher.get("name") or publisher.get("site") or "")[:200] if isinstance(publisher, dict) else "",
                    rating=str(review.get("textualRating", ""))[:200],
                    url=url[:2000],
                    reviewed_at=str(review.get("reviewDate", ""))[:40],
                )
            )
            if len(found) >= MAX_RESULTS:
                return found
    return found
