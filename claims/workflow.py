"""The review workflow: every change to a claim goes through here.

The HTML views and the API both call these functions, so the rules live in
one place. Each operation runs in one transaction, takes the time once,
re-reads the claim under a row lock (PostgreSQL; SQLite serialises writers
with BEGIN IMMEDIATE), checks the `version` the caller saw, and writes with a
conditional UPDATE whose row count says whether it won. Every change leaves a
ClaimEvent; every refusal raises a WorkflowError that says why in words.
"""

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import OPEN_STATUSES, Claim, ClaimEvent, ClaimType, EventKind, Note, Priority, Source, Status, Verdict
from .roles import is_editor, is_reviewer

log = logging.getLogger("claims.workflow")


class WorkflowError(Exception):
    """A refusal; `message` is for people, `errors` maps fields to messages."""

    status_code = 400

    def __init__(self, message, errors=None):
        super().__init__(str(message))
        self.message = message
        self.errors = errors or {}


class InvalidInput(WorkflowError):
    """Bad input or a guard not met (HTTP 400)."""


class NotAllowed(WorkflowError):
    """The user's role does not allow this (HTTP 403)."""

    status_code = 403


class Conflict(WorkflowError):
    """A stale version or a state that changed underneath (HTTP 409)."""

    status_code = 409

    def __init__(self, message, claim=None):
        super().__init__(message)
        self.current_status = claim.status if claim else None
        self.current_version = claim.version if claim else None


# Who may take an action.
REVIEWER_OR_EDITOR = "reviewer_or_editor"
ASSIGNEE_OR_EDITOR = "assignee_or_editor"
EDITOR = "editor"


@dataclass(frozen=True)
class Action:
    name: str
    label: object
    sources: frozenset
    target: str
    who: str
    needs_comment: bool = False


# The workflow table of the spec, one row per action.
ACTIONS = {
    a.name: a
    for a in [
        Action("start", _("Start research"), frozenset({Status.OPEN}), Status.RESEARCHING, REVIEWER_OR_EDITOR),
        Action("submit", _("Submit for review"), frozenset({Status.RESEARCHING}), Status.IN_REVIEW, ASSIGNEE_OR_EDITOR),
        Action("approve", _("Approve"), frozenset({Status.IN_REVIEW}), Status.APPROVED, EDITOR),
        Action(
            "return",
            _("Return to research"),
            frozenset({Status.IN_REVIEW, Status.APPROVED}),
            Status.RESEARCHING,
            EDITOR,
            needs_comment=True,
        ),
        Action("dismiss", _("Dismiss"), frozenset({Status.OPEN, Status.RESEARCHING}), Status.DISMISSED, EDITOR, needs_comment=True),
        Action("publish", _("Publish"), frozenset({Status.APPROVED}), Status.PUBLISHED, EDITOR),
        Action("reopen", _("Reopen"), frozenset({Status.PUBLISHED, Status.DISMISSED}), Status.RESEARCHING, EDITOR, needs_comment=True),
    ]
}
# Publishing is done for a whole essay at once (publish_claims), never claim by claim.
CLAIM_ACTIONS = [name for name in ACTIONS if name != "publish"]

EDITABLE_FIELDS = ("verdict", "verdict_summary", "normalized", "priority", "due", "speaker", "claim_type")
# An approval covers exactly this evidence: changing it sends the claim back to research.
EVIDENCE_FIELDS = ("verdict", "verdict_summary")
REVIEWED_STATUSES = (Status.IN_REVIEW, Status.APPROVED)


def _may(action, claim, user):
    if action.who == EDITOR:
        return is_editor(user)
    if action.who == REVIEWER_OR_EDITOR:
        if is_editor(user):
            return True
        return is_reviewer(user) and claim.assignee_id in (None, user.pk)
    if action.who == ASSIGNEE_OR_EDITOR:
        return is_editor(user) or (is_reviewer(user) and claim.assignee_id == user.pk)
    return False


def available_actions(claim, user):
    """The actions this user may take on this claim now (what the buttons show)."""
    result = []
    for name in CLAIM_ACTIONS:
        action = ACTIONS[name]
        if claim.status in action.sources and _may(action, claim, user):
            if name == "approve" and claim.submitted_by_id == user.pk:
                continue
            result.append(action)
    return result


def can_edit(claim, user):
    return claim.status in OPEN_STATUSES and (is_editor(user) or (is_reviewer(user) and claim.assignee_id == user.pk))


def can_research(claim, user):
    """Add or remove sources: the same people who may edit the verdict."""
    return can_edit(claim, user)


def _log(event, user, claim, **fields):
    log.info(
        event,
        extra={"event": event, "user": getattr(user, "username", None), "claim": claim.pk if claim else None, **fields},
    )


def _refuse(error, user, claim, action):
    _log(
        "workflow.refused" if not isinstance(error, Conflict) else "workflow.conflict",
        user,
        claim,
        action=action,
        reason=str(error.message),
        status=error.status_code,
    )
    raise error


def _lock(claim_id, version, user, action):
    """Re-read the claim inside the transaction and check the version the caller saw."""
    try:
        claim = Claim.objects.select_for_update().select_related("essay").get(pk=claim_id)
    except Claim.DoesNotExist:
        raise InvalidInput(_("This claim no longer exists.")) from None
    if version is not None:
        try:
            version = int(version)
        except (TypeError, ValueError):
            _refuse(InvalidInput(_("The version must be a whole number."), {"version": [_("Enter a whole number.")]}), user, claim, action)
        if version != claim.version:
            _refuse(
                Conflict(
                    _(
                        "Someone else changed this claim (it is now at version %(current)s, you saw version %(seen)s). Reload it and try again."
                    )
                    % {"current": claim.version, "seen": version},
                    claim,
                ),
                user,
                claim,
                action,
            )
    return claim


def _save(claim, now, **fields):
    """Conditional UPDATE on the version read under lock: zero rows means someone else won."""
    fields.setdefault("updated_at", now)
    won = Claim.objects.filter(pk=claim.pk, version=claim.version).update(version=F("version") + 1, **fields)
    if not won:
        current = Claim.objects.get(pk=claim.pk)
        raise Conflict(_("Someone else changed this claim at the same moment. Reload it and try again."), current)
    for name, value in fields.items():
        setattr(claim, name, value)
    claim.version += 1
    return claim


def record(claim, actor, kind, now, **fields):
    return ClaimEvent.objects.create(claim=claim, actor=actor, kind=kind, at=now, version=claim.version, **fields)


def _json_value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "username"):
        return value.username
    return value


def transition(claim, action_name, user, comment="", version=None):
    """Take one action of the table on one claim; returns the updated claim."""
    action = ACTIONS.get(action_name)
    if action is None or action_name == "publish":
        choices = ", ".join(CLAIM_ACTIONS)
        raise InvalidInput(
            _("Unknown action %(action)r; choose one of %(choices)s.") % {"action": action_name, "choices": choices},
            {"action": [_("Choose one of %(choices)s.") % {"choices": choices}]},
        )
    comment = (comment or "").strip()
    now = timezone.now()
    with transaction.atomic():
        claim = _lock(claim.pk, version, user, action_name)
        if not _may(action, claim, user):
            if action.who == EDITOR:
                reason = _("Only an editor may take the action “%(action)s”.") % {"action": action.label}
            elif claim.assignee_id and not is_editor(user):
                reason = _("This claim is assigned to %(name)s.") % {"name": claim.assignee}
            else:
                reason = _("You are not on the desk's reviewers or editors.")
            _refuse(NotAllowed(reason), user, claim, action_name)
        if claim.status not in action.sources:
            _refuse(
                Conflict(
                    _("“%(action)s” is not possible while the claim is %(status)s.")
                    % {"action": action.label, "status": claim.get_status_display()},
                    claim,
                ),
                user,
                claim,
                action_name,
            )
        if action.needs_comment and not comment:
            _refuse(
                InvalidInput(_("“%(action)s” needs a comment that says why.") % {"action": action.label}, {"comment": [_("Say why.")]}),
                user,
                claim,
                action_name,
            )
        changes = {}
        fields = {"status": action.target}
        if action_name == "start" and claim.assignee_id is None:
            fields["assignee"] = user
            changes["assignee"] = [None, user.username]
        elif action_name == "submit":
            errors = {}
            if not claim.verdict:
                errors["verdict"] = [_("Choose a verdict before submitting.")]
            if not claim.verdict_summary.strip():
                errors["verdict_summary"] = [_("Write the explanation readers will see before submitting.")]
            if not claim.sources.exists():
                errors["sources"] = [_("Attach at least one source before submitting.")]
            if errors:
                _refuse(
                    InvalidInput(
                        _("This claim is not ready for review: %(missing)s") % {"missing": " ".join(str(m[0]) for m in errors.values())},
                        errors,
                    ),
                    user,
                    claim,
                    action_name,
                )
            fields["submitted_by"] = user
        elif action_name == "approve" and claim.submitted_by_id == user.pk:
            _refuse(NotAllowed(_("Four eyes: you submitted this verdict, so another editor must approve it.")), user, claim, action_name)
        old_status = claim.status
        _save(claim, now, **fields)
        record(
            claim,
            user,
            EventKind.TRANSITION,
            now,
            action=action_name,
            from_status=old_status,
            to_status=action.target,
            changes=changes,
            comment=comment,
        )
    _log("workflow.transition", user, claim, action=action_name, from_status=old_status, to_status=action.target, version=claim.version)
    return claim


def edit(claim, user, changes, version):
    """Edit the verdict and other fields; evidence changes void a review."""
    if version is None:
        raise InvalidInput(_("The version you read is required to save changes."), {"version": [_("This field is required.")]})
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"assignee"}
    if unknown:
        raise InvalidInput(_("These fields cannot be edited: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    _validate_values(changes)
    now = timezone.now()
    with transaction.atomic():
        claim = _lock(claim.pk, version, user, "edit")
        if "assignee" in changes:
            claim = _assign_locked(claim, user, changes.pop("assignee"), now)
        if not can_edit(claim, user):
            reason = (
                _("A %(status)s claim must be reopened before it can be edited.") % {"status": claim.get_status_display()}
                if claim.status not in OPEN_STATUSES
                else _("Only the assignee or an editor may edit this claim.")
            )
            _refuse(NotAllowed(reason) if claim.status in OPEN_STATUSES else Conflict(reason, claim), user, claim, "edit")
        diff = {
            name: [_json_value(getattr(claim, name)), _json_value(value)]
            for name, value in changes.items()
            if getattr(claim, name) != value
        }
        if not diff:
            return claim
        fields = {name: changes[name] for name in diff}
        voids_review = claim.status in REVIEWED_STATUSES and any(name in EVIDENCE_FIELDS for name in diff)
        old_status = claim.status
        if voids_review:
            fields["status"] = Status.RESEARCHING
        _save(claim, now, **fields)
        record(claim, user, EventKind.EDIT, now, changes=diff)
        if voids_review:
            _record_void(claim, user, now, old_status, _("The verdict or explanation changed after submission."))
    _log("workflow.edit", user, claim, fields=sorted(diff), version=claim.version)
    return claim


def _record_void(claim, user, now, old_status, why):
    record(claim, user, EventKind.TRANSITION, now, action="return", from_status=old_status, to_status=Status.RESEARCHING, comment=str(why))


def _validate_values(changes):
    errors = {}
    if "verdict" in changes and changes["verdict"] not in ("", *Verdict.values):
        errors["verdict"] = [_("Choose one of %(choices)s.") % {"choices": ", ".join(Verdict.values)}]
    if "claim_type" in changes and changes["claim_type"] not in ClaimType.values:
        errors["claim_type"] = [_("Choose one of %(choices)s.") % {"choices": ", ".join(ClaimType.values)}]
    if "priority" in changes and changes["priority"] not in Priority.values:
        errors["priority"] = [_("Choose 1 (high), 2 (normal) or 3 (low).")]
    for name in ("verdict_summary", "normalized", "speaker"):
        if name in changes and not isinstance(changes[name], str):
            errors[name] = [_("Enter text.")]
    if errors:
        raise InvalidInput(_("Some values are not valid."), errors)


def _assign_locked(claim, user, assignee, now):
    if not is_editor(user):
        _refuse(NotAllowed(_("Only an editor may assign claims.")), user, claim, "assign")
    if claim.status not in OPEN_STATUSES:
        _refuse(
            Conflict(_("A %(status)s claim cannot be assigned.") % {"status": claim.get_status_display()}, claim), user, claim, "assign"
        )
    if assignee is not None and not is_reviewer(assignee):
        _refuse(
            InvalidInput(
                _("%(name)s is not a reviewer or editor.") % {"name": assignee}, {"assignee": [_("Choose a member of the desk.")]}
            ),
            user,
            claim,
            "assign",
        )
    if claim.assignee_id == (assignee.pk if assignee else None):
        return claim
    old = claim.assignee.username if claim.assignee_id else None
    _save(claim, now, assignee=assignee)
    record(claim, user, EventKind.ASSIGN, now, changes={"assignee": [old, assignee.username if assignee else None]})
    _log("workflow.assign", user, claim, assignee=assignee.username if assignee else None)
    return claim


def assign(claim, user, assignee, version=None):
    """An editor gives the claim to a reviewer (or takes it back with None)."""
    with transaction.atomic():
        claim = _lock(claim.pk, version, user, "assign")
        return _assign_locked(claim, user, assignee, timezone.now())


def add_source(claim, user, version=None, **fields):
    """Attach evidence. Changing the evidence of a reviewed claim voids the review."""
    now = timezone.now()
    with transaction.atomic():
        claim = _lock(claim.pk, version, user, "add_source")
        _check_research(claim, user, "add_source")
        source = Source(claim=claim, added_by=user, added_at=now, **fields)
        source.full_clean(exclude=["claim", "added_by"])
        source.save()
        _evidence_changed(claim, user, now, EventKind.SOURCE_ADDED, {"source": [None, source.url]})
    _log("workflow.source_added", user, claim, source=source.pk)
    return source


def remove_source(source, user, version=None):
    now = timezone.now()
    with transaction.atomic():
        claim = _lock(source.claim_id, version, user, "remove_source")
        _check_research(claim, user, "remove_source")
        url = source.url
        deleted, _rows = Source.objects.filter(pk=source.pk, claim=claim).delete()
        if not deleted:
            raise Conflict(_("This source was already removed."), claim)
        _evidence_changed(claim, user, now, EventKind.SOURCE_REMOVED, {"source": [url, None]})
    _log("workflow.source_removed", user, claim, source=source.pk)
    return claim


def _check_research(claim, user, action):
    if not is_reviewer(user):
        _refuse(NotAllowed(_("You are not on the desk's reviewers or editors.")), user, claim, action)
    if claim.status not in OPEN_STATUSES:
        _refuse(
            Conflict(_("A %(status)s claim must be reopened before its sources change.") % {"status": claim.get_status_display()}, claim),
            user,
            claim,
            action,
        )
    if not can_research(claim, user):
        _refuse(NotAllowed(_("Only the assignee or an editor may change this claim's sources.")), user, claim, action)


def _evidence_changed(claim, user, now, kind, changes):
    old_status = claim.status
    voids_review = old_status in REVIEWED_STATUSES
    _save(claim, now, **({"status": Status.RESEARCHING} if voids_review else {}))
    record(claim, user, kind, now, changes=changes)
    if voids_review:
        _record_void(claim, user, now, old_status, _("The sources changed after submission."))


def add_note(claim, user, text):
    """Notes are append-only and never bump the version: two notes at once both stay."""
    text = (text or "").strip()
    if not is_reviewer(user):
        _refuse(NotAllowed(_("You are not on the desk's reviewers or editors.")), user, claim, "note")
    if not text:
        raise InvalidInput(_("A note cannot be empty."), {"text": [_("Write something.")]})
    now = timezone.now()
    with transaction.atomic():
        note = Note.objects.create(claim=claim, author=user, created_at=now, text=text)
        ClaimEvent.objects.create(claim=claim, actor=user, kind=EventKind.NOTE, at=now, version=claim.version, comment=text)
    _log("workflow.note", user, claim, note=note.pk)
    return note


def create_claim(essay, user, start, end, **fields):
    """A claim at exactly essay.text[start:end], made by hand or by the importer."""
    if not is_editor(user) and not is_reviewer(user):
        raise NotAllowed(_("You are not on the desk's reviewers or editors."))
    errors = {}
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        raise InvalidInput(_("Start and end must be whole numbers."), {"start": [_("Enter a whole number.")]}) from None
    if not (0 <= start < end <= len(essay.text)):
        errors["end"] = [_("The span must lie inside the essay (0 to %(length)s) and not be empty.") % {"length": len(essay.text)}]
    elif not essay.text[start:end].strip():
        errors["end"] = [_("The selected text is only white space.")]
    if errors:
        raise InvalidInput(_("That is not a span of the essay."), errors)
    _validate_values(fields)
    now = timezone.now()
    try:
        with transaction.atomic():
            claim = Claim(essay=essay, start=start, end=end, quote=essay.text[start:end], created_at=now, updated_at=now, **fields)
            claim.save()
            record(claim, user, EventKind.CREATED, now, to_status=claim.status, changes={"span": [None, [start, end]]})
    except IntegrityError:
        raise InvalidInput(_("A claim already covers exactly this span."), {"start": [_("Choose another span.")]}) from None
    _log("workflow.created", user, claim, start=start, end=end)
    return claim


def split(claim, user, at, version=None):
    """Cut a claim in two at a code point offset inside it; the second part is a new claim."""
    now = timezone.now()
    with transaction.atomic():
        claim = _lock(claim.pk, version, user, "split")
        if not is_editor(user):
            _refuse(NotAllowed(_("Only an editor may split a claim.")), user, claim, "split")
        if claim.status not in (Status.OPEN, Status.RESEARCHING):
            _refuse(Conflict(_("Only open or researching claims can be split."), claim), user, claim, "split")
        try:
            at = int(at)
        except (TypeError, ValueError):
            raise InvalidInput(_("The split point must be a whole number."), {"at": [_("Enter a whole number.")]}) from None
        text = claim.essay.text
        if not (claim.start < at < claim.end) or not text[claim.start : at].strip() or not text[at : claim.end].strip():
            _refuse(
                InvalidInput(
                    _("Split inside the claim so that both parts keep some text."), {"at": [_("Choose a point inside the quote.")]}
                ),
                user,
                claim,
                "split",
            )
        old_end = claim.end
        _save(claim, now, end=at, quote=text[claim.start : at])
        second = Claim(
            essay=claim.essay,
            start=at,
            end=old_end,
            quote=text[at:old_end],
            claim_type=claim.claim_type,
            speaker=claim.speaker,
            score=claim.score,
            reasons=claim.reasons,
            priority=claim.priority,
            assignee=claim.assignee,
            due=claim.due,
            split_from=claim,
            created_at=now,
            updated_at=now,
        )
        try:
            with transaction.atomic():
                second.save()
        except IntegrityError:
            _refuse(InvalidInput(_("A claim already covers the second part."), {"at": [_("Choose another point.")]}), user, claim, "split")
        record(claim, user, EventKind.SPLIT, now, changes={"end": [old_end, at], "new_claim": [None, second.pk]})
        record(second, user, EventKind.CREATED, now, to_status=second.status, changes={"split_from": [None, claim.pk]})
    _log("workflow.split", user, claim, at=at, new_claim=second.pk)
    return claim, second


def merge(first, second, user, version=None):
    """Join two adjacent claims: the first grows to cover both, the second is dismissed as merged."""
    now = timezone.now()
    with transaction.atomic():
        first = _lock(first.pk, version, user, "merge")
        second = _lock(second.pk, None, user, "merge")
        if not is_editor(user):
            _refuse(NotAllowed(_("Only an editor may merge claims.")), user, first, "merge")
        if first.essay_id != second.essay_id:
            _refuse(InvalidInput(_("Only claims of the same essay can be merged.")), user, first, "merge")
        if second.start < first.start:
            first, second = second, first
        editable = (Status.OPEN, Status.RESEARCHING)
        if first.status not in editable or second.status not in editable:
            _refuse(Conflict(_("Only open or researching claims can be merged."), first), user, first, "merge")
        between = Claim.objects.filter(essay_id=first.essay_id, start__lt=second.start, end__gt=first.end).exclude(
            pk__in=[first.pk, second.pk]
        )
        if second.start < first.end or between.exists() or first.essay.text[first.end : second.start].strip(" \t\r\n，,。；;：:"):
            _refuse(InvalidInput(_("Only adjacent claims can be merged.")), user, first, "merge")
        old_end = first.end
        text = first.essay.text
        _save(first, now, end=second.end, quote=text[first.start : second.end])
        _save(second, now, status=Status.DISMISSED, merged_into=first)
        record(first, user, EventKind.MERGE, now, changes={"end": [old_end, second.end], "merged": [None, second.pk]})
        record(
            second,
            user,
            EventKind.TRANSITION,
            now,
            action="dismiss",
            from_status=Status.OPEN,
            to_status=Status.DISMISSED,
            comment=str(_("Merged into claim #%(id)s.") % {"id": first.pk}),
        )
    _log("workflow.merge", user, first, merged=second.pk)
    return first


def publish_claims(essay, user, now):
    """Move every approved claim of an essay to published; the caller holds the transaction.

    Returns the claims as published (with their new version), in essay order.
    """
    if not is_editor(user):
        raise NotAllowed(_("Only an editor may publish."))
    claims = list(Claim.objects.select_for_update().filter(essay=essay, status=Status.APPROVED).order_by("start", "id"))
    if not claims:
        return []
    ids = [c.pk for c in claims]
    updated = Claim.objects.filter(pk__in=ids, status=Status.APPROVED).update(
        status=Status.PUBLISHED, version=F("version") + 1, updated_at=now
    )
    if updated != len(claims):
        raise Conflict(_("Some claims changed while publishing. Reload and try again."))
    events = []
    for claim in claims:
        claim.status = Status.PUBLISHED
        claim.version += 1
        claim.updated_at = now
        events.append(
            ClaimEvent(
                claim=claim,
                actor=user,
                kind=EventKind.TRANSITION,
                at=now,
                action="publish",
                from_status=Status.APPROVED,
                to_status=Status.PUBLISHED,
                version=claim.version,
            )
        )
    ClaimEvent.objects.bulk_create(events)
    _log("workflow.publish", user, None, essay=essay.slug, claims=len(claims))
    return claims
