"""Importing an essay: check the text, store it exactly, and store its proposed claims.

Used by the import page, the API, the `import_essay` command and `seed_demo`,
so that every way in applies the same checks and the same single transaction:
an import either stores the essay with all its proposals or nothing at all.
"""

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import extraction, workflow
from .models import HTTP_URL, Claim, ClaimEvent, Essay, EventKind, Language, text_fingerprint
from .slugs import RESERVED as RESERVED_SLUGS
from .workflow import InvalidInput

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
MAX_TITLE = 300


class EssayRejected(InvalidInput):
    """The essay cannot be imported; nothing was stored."""


def max_bytes():
    return settings.ESSAY_MAX_BYTES


def decode_upload(raw):
    """Bytes of an uploaded or read file → text, or a clear refusal."""
    limit = max_bytes()
    if len(raw) > limit:
        raise EssayRejected(
            _("The file is %(size)s MB; the limit is %(limit)s MB.") % {"size": round(len(raw) / 1e6, 1), "limit": round(limit / 1e6, 1)},
            {"file": [_("Choose a smaller file.")]},
        )
    if b"\x00" in raw:
        raise EssayRejected(
            _("This looks like a binary file, not text. Save the essay as plain UTF-8 text (.txt or .md)."),
            {"file": [_("Not a text file.")]},
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EssayRejected(
            _("The file is not UTF-8 text (undecodable byte at position %(pos)s). Save it as UTF-8 and try again.") % {"pos": exc.start},
            {"file": [_("Not UTF-8 text.")]},
        ) from None


def check_text(text):
    """Refuse text that cannot be an essay; return it otherwise, its line endings made `\\n` (claims.intake)."""
    if not isinstance(text, str):
        raise EssayRejected(_("The essay text must be a string."), {"text": [_("Enter text.")]})
    from .intake import normalize_newlines  # intake imports this module

    text = normalize_newlines(text)
    if not text.strip():
        raise EssayRejected(_("The essay is empty."), {"text": [_("Paste the essay text or choose a file.")]})
    if "\x00" in text:
        raise EssayRejected(
            _("The text contains NUL characters, which a text essay never has."), {"text": [_("Remove the NUL characters.")]}
        )
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise EssayRejected(
            _("The text contains broken characters (lone surrogates)."), {"text": [_("Paste the text again from its source.")]}
        ) from None
    if size > max_bytes():
        raise EssayRejected(
            _("The essay is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(size / 1e6, 1), "limit": round(max_bytes() / 1e6, 1)},
            {"text": [_("Split the essay or raise ESSAY_MAX_BYTES.")]},
        )
    return text


def already_imported(text):
    return Essay.objects.filter(text_hash=text_fingerprint(text)).only("id", "slug", "title").first()


def _unique_slug(title, text):
    from .slugs import unique_slug

    return unique_slug(title, text)


def _check_fields(title, language, slug, url, published_on):
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Give the essay a title.")]
    elif len(title) > MAX_TITLE or "\x00" in title:
        errors["title"] = [_("The title must be at most %(n)s characters of text.") % {"n": MAX_TITLE}]
    if language not in (None, "", *Language.values):
        errors["language"] = [_("Choose zh (Chinese) or en (English).")]
    if slug:
        if not SLUG_RE.match(slug) or len(slug) > 120:
            errors["slug"] = [_("Use only letters, numbers, hyphens and underscores (at most 120).")]
        elif slug in RESERVED_SLUGS or Essay.objects.filter(slug=slug).exists():
            errors["slug"] = [
                _("Another essay already uses the address “%(slug)s”; choose another one (for example “%(free)s”).")
                % {"slug": slug, "free": _unique_slug(slug, "")}
            ]
    if url:
        try:
            HTTP_URL(url)
        except ValidationError:
            errors["url"] = [_("Enter a web address that starts with http:// or https://.")]
        else:
            if len(url) > 1000:
                errors["url"] = [_("The address is too long (at most 1000 characters).")]
    if published_on and not isinstance(published_on, dt.date):
        errors["published_on"] = [_("Enter a date.")]
    if errors:
        raise EssayRejected(_("Some details of the essay are not valid."), errors)
    return title


def propose(text, language=None):
    """The proposals the importer would store (for a preview)."""
    return extraction.propose(check_text(text), language or None)


def import_essay(
    *,
    title,
    text,
    language=None,
    slug=None,
    author="",
    url="",
    published_on=None,
    user=None,
    proposals=None,
    job_mode=None,
    fetched_at=None,
):
    """Store the essay and its check-worthy proposals as `open` claims, in one transaction.

    With `job_mode` (an ImportJob.Mode) the essay is stored now and its claims are proposed by a
    background worker (a long essay; see claims/import_jobs.py); `essay.import_job` is the job.
    Who may import is the workflow's "import" row; `user` None is the operator at the command line (workflow.OPERATOR).
    """
    workflow.check("import", workflow.OPERATOR if user is None else user)
    user = workflow.actor(user)
    text = check_text(text)
    title = _check_fields(title, language, slug, url, published_on)
    existing = already_imported(text)
    if existing:
        raise EssayRejected(
            _("This text was already imported as “%(title)s” (%(url)s).")
            % {"title": existing.title, "url": reverse("essay", args=[existing.slug])},
            {"text": [_("This exact text is already on the desk.")]},
        )
    language = language or extraction.detect_language(text)
    if proposals is None and job_mode is None:
        # The repeats of a proposal (checkworthy False, duplicate_of set) are not ticked: not stored.
        proposals = [p for p in extraction.propose(text, language) if p.checkworthy]
    now = timezone.now()
    try:
        with transaction.atomic():
            essay = Essay.objects.create(
                title=title,
                slug=slug or _unique_slug(title, text),
                language=language,
                author=(author or "").strip()[:200],
                url=url or "",
                published_on=published_on,
                text=text,
                imported_by=user,
                imported_at=now,
                fetched_at=fetched_at if url else None,  # when the text was fetched from url (claims/intake.py)
            )
            if job_mode is None:
                _store_proposals(essay, proposals, user, now)
            else:
                # A long essay: a background worker proposes its claims (claims/import_jobs.py).
                from . import import_jobs

                essay.import_job = import_jobs.create(essay, user, job_mode)
    except IntegrityError:
        # Another import of the same text or slug won the race.
        raise EssayRejected(
            _("This essay (or its slug) was imported at the same moment by someone else."), {"slug": [_("Choose another slug.")]}
        ) from None
    return essay


def _store_proposals(essay, proposals, user, now):
    text = essay.text
    claims = []
    for p in proposals:
        if text[p.start : p.end] != p.quote:
            raise RuntimeError(f"extraction returned a span that does not match the text at {p.start}-{p.end}")
        claims.append(
            Claim(
                essay=essay,
                start=p.start,
                end=p.end,
                quote=p.quote,
                claim_type=p.claim_type,
                speaker=p.speaker[:200],
                score=round(min(max(p.score, 0.0), 1.0), 4),
                reasons=list(p.reasons),
                created_at=now,
                updated_at=now,
            )
        )
    Claim.objects.bulk_create(claims, batch_size=500)
    # duplicate_of is an index into the proposals; now that rows exist it can point at a claim.
    duplicates = []
    for claim, p in zip(claims, proposals, strict=True):
        if p.duplicate_of is not None:
            claim.duplicate_of = claims[p.duplicate_of]
            duplicates.append(claim)
    if duplicates:
        Claim.objects.bulk_update(duplicates, ["duplicate_of"], batch_size=500)
    ClaimEvent.objects.bulk_create(
        [
            ClaimEvent(
                claim=c, actor=user, kind=EventKind.CREATED, at=now, to_status=c.status, version=1, comment=str(_("Proposed on import."))
            )
            for c in claims
        ],
        batch_size=500,
    )
    return claims
