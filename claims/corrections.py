"""Corrections after import: an essay's details (title, author, URL, date) and removing an essay.

The rules are the workflow's rows edit_essay and delete_essay (claims/workflow.py): editors
only; an essay with a published claim or a publication is never deleted, because readers
have seen its verdicts. Every correction of the details is a row of the essay's history
(EssayEvent: who, when, each field old → new). Moving a claim's span is workflow.move_span.
"""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import workflow
from .importing import MAX_TITLE
from .models import HTTP_URL, Claim, ClaimEvent, Essay, EssayEvent, ImportJob, Note, Publication, Source, Status

log = logging.getLogger("claims.corrections")

EDITABLE = ("title", "author", "url", "published_on")


def _validate(changes):
    errors = {}
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        errors["__all__"] = [_("These details cannot be edited: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}]
    if "title" in changes:
        title = changes["title"]
        if not isinstance(title, str) or not title.strip():
            errors["title"] = [_("Give the essay a title.")]
        elif len(title.strip()) > MAX_TITLE or "\x00" in title:
            errors["title"] = [_("The title must be at most %(n)s characters of text.") % {"n": MAX_TITLE}]
    if "author" in changes and (not isinstance(changes["author"], str) or len(changes["author"].strip()) > 200):
        errors["author"] = [_("The author must be text of at most 200 characters.")]
    if changes.get("url"):
        url = changes["url"]
        try:
            if not isinstance(url, str) or len(url) > 1000:
                raise ValidationError("")
            HTTP_URL(url)
        except ValidationError:
            errors["url"] = [_("Enter a web address that starts with http:// or https:// (at most 1000 characters).")]
    if changes.get("published_on") is not None and not isinstance(changes["published_on"], dt.date):
        errors["published_on"] = [_("Enter a date.")]
    if errors:
        raise workflow.InvalidInput(_("Some details of the essay are not valid."), errors)


def _json(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def edit_essay(essay, user, changes):
    """Correct an essay's details; returns the essay as saved and the changes ({field: [old, new]}, empty if none)."""
    workflow.check("edit_essay", user)
    _validate(changes)
    clean = {
        name: (value.strip() if isinstance(value, str) else value) if name != "url" else (value or "") for name, value in changes.items()
    }
    now = timezone.now()
    with transaction.atomic():
        current = Essay.objects.select_for_update().defer("text").get(pk=essay.pk)
        diff = {name: [_json(getattr(current, name)), _json(value)] for name, value in clean.items() if getattr(current, name) != value}
        if not diff:
            return current, {}
        Essay.objects.filter(pk=essay.pk).update(**{name: clean[name] for name in diff})
        EssayEvent.objects.create(essay=current, actor=workflow.actor(user), at=now, action="edit", changes=diff)
    log.info(
        "essay.edited",
        extra={"event": "essay.edited", "user": getattr(user, "username", None), "essay": essay.slug, "fields": sorted(diff)},
    )
    return Essay.objects.get(pk=essay.pk), diff


def what_goes(essay):
    """What deleting the essay removes, and what would stop it."""
    claims = Claim.objects.filter(essay=essay)
    return {
        "claims": claims.count(),
        "sources": Source.objects.filter(claim__essay=essay).count(),
        "notes": Note.objects.filter(claim__essay=essay).count(),
        "events": ClaimEvent.objects.filter(claim__essay=essay).count() + EssayEvent.objects.filter(essay=essay).count(),
        "jobs": ImportJob.objects.filter(essay=essay).count(),
        "published": claims.filter(status=Status.PUBLISHED).count(),
        "publications": Publication.objects.filter(essay=essay).count(),
    }


def deletion_refusal(counts):
    """Why the essay may not be deleted (None when it may)."""
    if counts["published"] or counts["publications"]:
        return workflow.Conflict(
            _(
                "This essay cannot be deleted: %(published)s of its claims are published and it has %(publications)s publications. "
                "Readers have seen its verdicts, so it stays on the record; correct a verdict by reopening the claim."
            )
            % {"published": counts["published"], "publications": counts["publications"]}
        )
    return None


def delete_essay(essay, user):
    """Delete an essay with everything that hangs on it, unless something of it was published; returns what went."""
    workflow.check("delete_essay", user)
    with transaction.atomic():
        # The essay first, then its claims: the order of locks every operation keeps.
        locked = Essay.objects.select_for_update().filter(pk=essay.pk).values_list("pk", flat=True).first()
        if locked is None:
            raise workflow.InvalidInput(_("This essay no longer exists."))
        list(Claim.objects.select_for_update().filter(essay_id=essay.pk).values_list("pk", flat=True))
        counts = what_goes(essay)
        error = deletion_refusal(counts)
        if error is not None:
            workflow._refuse(error, user, None, "delete_essay")
        Essay.objects.filter(pk=essay.pk).delete()
    log.info(
        "essay.deleted",
        extra={"event": "essay.deleted", "user": getattr(user, "username", None), "essay": essay.slug, "title": essay.title, **counts},
    )
    return counts
