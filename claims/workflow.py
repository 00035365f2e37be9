"""The review workflow: every rule about who may change a claim, and every change, goes through here.

The HTML views, the API, the management commands and the admin all call these
functions, so the rules live in one place: the table RULES below. Each row is
one thing a person may do: the states it starts from, the state it leads to
(`=` keeps the state), who may do it, whether a comment is required, the
guard that must hold, and the effect beyond the change of state.

    rule           from states                             to           who                  comment  guard             effect
    start          open                                    researching  desk, if unassigned  -        -                 take_if_unassigned
                                                                        or theirs; editor
    submit         researching                             in_review    assignee or editor   -        ready_for_review  stamp_submitter
    approve        in_review                               approved     editor               -        four_eyes         -
    return         in_review approved                      researching  editor               yes      -                 -
    dismiss        open researching                        dismissed    editor               yes      -                 -
    reopen         published dismissed                     researching  editor               yes      -                 -
    publish        approved (a whole essay at once)        published    editor               -        something_approved -
    edit           open researching in_review approved     =            assignee or editor   -        -                 void_review
    assign         open researching in_review approved     =            editor               -        assignee_on_desk  -
    add_source     open researching in_review approved     =            assignee or editor   -        -                 void_review
    remove_source  open researching in_review approved     =            assignee or editor   -        -                 void_review
    note           any                                     =            desk                 -        -                 -
    create         (a new claim)                           open         desk                 -        -                 -
    split          open researching                        =            editor               -        -                 -
    merge          open researching                        =            editor               -        -                 -
    import         (a new essay)                           -            editor               -        -                 -
    link           open researching in_review approved     =            assignee or editor   -        -                 -
    edit_essay     (an essay: title, author, URL, date)    -            editor               -        -                 -
    delete_essay   (an essay with all its claims)          -            editor               -        nothing_published -
    view           any (the desk's pages and API reads)    -            desk                 -        -                 -
    bulk           (several claims at once; each action    -            editor               -        -                 -
                   is then checked by its own row)

"desk" is anyone in Reviewers or Editors (roles.is_desk_member), "editor" is
roles.is_editor; OPERATOR, the person at the server's command line (manage.py),
counts as an editor. No other module decides a role: the HTML views, the API's
permission classes, the commands and the admin ask `refusal`, `check` or `may`.

`void_review`: changing anything an approval covers
(COVERED_FIELDS, the span, the sources) of a claim in review or approved sends
it back to research, recorded with who changed what. `four_eyes`: the approver
is neither the submitter nor anyone who changed a covered field or a source
since the claim was last approved or published (see changes_by). Submit and
approve (CONFIRMS_EXCERPTS) also need a confirmation when a source's excerpt
was not found on its captured page; the event records the sources confirmed.

`refusal(rule, user, claim)` answers "why may this user not do this now" (None
when they may); it serves both `available_actions` (the buttons) and the
actions themselves, and every refusal is logged by `_refuse`.

Each operation runs in one transaction, takes the time once, re-reads the
claim under a lock on the claim row only (PostgreSQL; SQLite serialises
writers with BEGIN IMMEDIATE), checks the `version` the caller saw, and
writes with a conditional UPDATE whose row count says whether it won. An
operation that locks more than one row locks the essay first, then its
claims by id; a deadlock or serialization failure is retried once and then
answered as a Conflict (409), never a 500.
"""

import logging
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import logging as desk_logging
from .models import OPEN_STATUSES, Claim, ClaimEvent, ClaimType, EventKind, Note, Priority, Source, Status, Verdict
from .roles import is_desk_member, is_editor

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


# Who may take an action (the table's "who" column).
DESK = "desk"
START = "desk_if_unassigned_or_theirs"
ASSIGNEE_OR_EDITOR = "assignee_or_editor"
EDITOR = "editor"
# The old name of DESK, kept for callers.
REVIEWER_OR_EDITOR = START

# Guards and effects, by name; the functions are below.
READY_FOR_REVIEW = "ready_for_review"
FOUR_EYES = "four_eyes"
ASSIGNEE_ON_DESK = "assignee_on_desk"
SOMETHING_APPROVED = "something_approved"
NOTHING_PUBLISHED = "nothing_published"  # checked by corrections.delete_essay: no published claim, no publication
TAKE_IF_UNASSIGNED = "take_if_unassigned"
STAMP_SUBMITTER = "stamp_submitter"
VOID_REVIEW = "void_review"

ANY = frozenset(Status.values)
IN_WORK = frozenset(OPEN_STATUSES)
NEW = frozenset()  # the rule makes something new: there is no state to start from


@dataclass(frozen=True)
class Rule:
    name: str
    label: object
    from_states: frozenset
    target: str | None  # None keeps the claim's state
    who: str
    needs_comment: bool = False
    guard: str = ""
    effect: str = ""

    @property
    def sources(self):
        """The old name of from_states."""
        return self.from_states


# The old name of Rule, kept for callers.
Action = Rule

O, R, IR, A, P, D = Status.OPEN, Status.RESEARCHING, Status.IN_REVIEW, Status.APPROVED, Status.PUBLISHED, Status.DISMISSED  # noqa: E741

# fmt: off
RULES = {rule.name: rule for rule in [
    #    name             label                        from states                 to    who                 comment guard               effect
    Rule("start",         _("Start research"),         frozenset({O}),             R,    START,              False,  "",                 TAKE_IF_UNASSIGNED),
    Rule("submit",        _("Submit for review"),      frozenset({R}),             IR,   ASSIGNEE_OR_EDITOR, False,  READY_FOR_REVIEW,   STAMP_SUBMITTER),
    Rule("approve",       _("Approve"),                frozenset({IR}),            A,    EDITOR,             False,  FOUR_EYES,          ""),
    Rule("return",        _("Return to research"),     frozenset({IR, A}),         R,    EDITOR,             True,   "",                 ""),
    Rule("dismiss",       _("Dismiss"),                frozenset({O, R}),          D,    EDITOR,             True,   "",                 ""),
    Rule("reopen",        _("Reopen"),                 frozenset({P, D}),          R,    EDITOR,             True,   "",                 ""),
    Rule("publish",       _("Publish"),                frozenset({A}),             P,    EDITOR,             False,  SOMETHING_APPROVED, ""),
    Rule("edit",          _("Edit the claim"),         IN_WORK,                    None, ASSIGNEE_OR_EDITOR, False,  "",                 VOID_REVIEW),
    Rule("assign",        _("Assign"),                 IN_WORK,                    None, EDITOR,             False,  ASSIGNEE_ON_DESK,   ""),
    Rule("add_source",    _("Add a source"),           IN_WORK,                    None, ASSIGNEE_OR_EDITOR, False,  "",                 VOID_REVIEW),
    Rule("remove_source", _("Remove a source"),        IN_WORK,                    None, ASSIGNEE_OR_EDITOR, False,  "",                 VOID_REVIEW),
    Rule("note",          _("Add a note"),             ANY,                        None, DESK,               False,  "",                 ""),
    Rule("create",        _("Create a claim"),         NEW,                        O,    DESK,               False,  "",                 ""),
    Rule("split",         _("Split the claim"),        frozenset({O, R}),          None, EDITOR,             False,  "",                 ""),
    Rule("merge",         _("Merge claims"),           frozenset({O, R}),          None, EDITOR,             False,  "",                 ""),
    Rule("import",        _("Import an essay"),        NEW,                        None, EDITOR,             False,  "",                 ""),
    Rule("link",          _("Link to an earlier check"), IN_WORK,                  None, ASSIGNEE_OR_EDITOR, False,  "",                 ""),
    Rule("edit_essay",    _("Correct the essay's details"), NEW,                   None, EDITOR,             False,  "",                 ""),
    Rule("delete_essay",  _("Delete the essay"),       NEW,                        None, EDITOR,             False,  NOTHING_PUBLISHED,  ""),
    Rule("view",          _("Open the desk's work"),   ANY,                        None, DESK,               False,  "",                 ""),
    Rule("bulk",          _("Act on several claims"),  NEW,                        None, EDITOR,             False,  "",                 ""),
]}
# fmt: on

# Taking these with a source whose excerpt was not found on its page needs a confirmation, recorded in the history.
CONFIRMS_EXCERPTS = frozenset({"submit", "approve"})

# The state changes of one claim, in the spec's order: the buttons of the claim page.
ACTIONS = {name: RULES[name] for name in ("start", "submit", "approve", "return", "dismiss", "reopen", "publish")}
# Publishing is done for a whole essay at once (publish_claims), never claim by claim.
CLAIM_ACTIONS = [name for name in ACTIONS if name != "publish"]

EDITABLE_FIELDS = ("verdict", "verdict_summary", "normalized", "priority", "due", "speaker", "claim_type")
# What an approval covers: everything a publication shows about a claim (with its sources).
COVERED_FIELDS = ("quote", "start", "end", "normalized", "speaker", "claim_type", "verdict", "verdict_summary")
# The old name of COVERED_FIELDS.
EVIDENCE_FIELDS = COVERED_FIELDS
REVIEWED_STATUSES = (Status.IN_REVIEW, Status.APPROVED)
FIELD_LABELS = {
    "quote": _("the quote"),
    "start": _("the span"),
    "end": _("the span"),
    "normalized": _("the normalized statement"),
    "speaker": _("the speaker"),
    "claim_type": _("the type"),
    "verdict": _("the verdict"),
    "verdict_summary": _("the explanation"),
}


# --- Who may do what, and why not ----------------------------------------------------------------


class _Operator:
    """The person at the server's command line (manage.py import_essay, seed_demo): they run the server, so they count as an editor.

    Recorded as nobody (`actor` None) in the history, as the importer always did for commands.
    """

    pk = None
    username = "manage.py"
    is_authenticated = True
    is_active = True

    def __str__(self):
        return self.username


OPERATOR = _Operator()


def actor(user):
    """The user to record as having done something: None for the operator."""
    return None if user is OPERATOR else user


def _role_refusal(rule, claim, user):
    if user is OPERATOR:
        return None
    if rule.who == EDITOR:
        if is_editor(user):
            return None
        return NotAllowed(_("Only an editor may take the action “%(action)s”.") % {"action": rule.label})
    if not is_desk_member(user):
        if rule.name == "view":
            return NotAllowed(
                _("Only members of the desk (reviewers and editors) may open the desk's work. Ask an editor if you need access.")
            )
        return NotAllowed(_("You are not on the desk's reviewers or editors."))
    if rule.who == DESK or is_editor(user):
        return None
    mine = claim.assignee_id == user.pk
    if rule.who == START and (mine or claim.assignee_id is None):
        return None
    if rule.who == ASSIGNEE_OR_EDITOR and mine:
        return None
    if claim.assignee_id:
        return NotAllowed(
            _("This claim is assigned to %(name)s. Only the assignee or an editor may take the action “%(action)s”.")
            % {"name": claim.assignee, "action": rule.label}
        )
    return NotAllowed(
        _("Only the assignee or an editor may take the action “%(action)s”; start research to take the claim.") % {"action": rule.label}
    )


def _state_refusal(rule, claim):
    if claim is None or not rule.from_states or claim.status in rule.from_states:
        return None
    if rule.from_states == IN_WORK:
        message = _("A %(status)s claim must be reopened before “%(action)s”.")
    else:
        message = _("“%(action)s” is not possible while the claim is %(status)s.")
    return Conflict(message % {"action": rule.label, "status": claim.get_status_display()}, claim)


def _guard_refusal(rule, claim, user):
    if rule.guard == READY_FOR_REVIEW:
        errors = {}
        if not claim.verdict:
            errors["verdict"] = [_("Choose a verdict before submitting.")]
        if not claim.verdict_summary.strip():
            errors["verdict_summary"] = [_("Write the explanation readers will see before submitting.")]
        if not claim.sources.exists():
            errors["sources"] = [_("Attach at least one source before submitting.")]
        if errors:
            missing = " ".join(str(messages[0]) for messages in errors.values())
            return InvalidInput(_("This claim is not ready for review: %(missing)s") % {"missing": missing}, errors)
    elif rule.guard == FOUR_EYES:
        if claim.submitted_by_id == user.pk:
            return NotAllowed(_("Four eyes: you submitted this verdict, so another editor must approve it."))
        mine = [change for change in changes_since_approval(claim) if change["actor_id"] == user.pk]
        if mine:
            change = mine[-1]
            return NotAllowed(
                _(
                    "Four eyes: you changed %(what)s of this claim (version %(version)s) since it was last approved or published, "
                    "so another editor must approve it."
                )
                % {"what": change["what"], "version": change["version"]}
            )
    return None


def refusal(rule_name, user, claim=None, comment=None, guards=True):
    """Why `user` may not do `rule_name` (to `claim`) now, as the WorkflowError to raise; None when they may.

    The order is the order of the answers: the role (403), the state (409),
    the comment (400), the guard.
    """
    rule = RULES[rule_name]
    error = _role_refusal(rule, claim, user) or _state_refusal(rule, claim)
    if error is None and rule.needs_comment and comment is not None and not comment.strip():
        error = InvalidInput(_("“%(action)s” needs a comment that says why.") % {"action": rule.label}, {"comment": [_("Say why.")]})
    if error is None and guards and claim is not None:
        error = _guard_refusal(rule, claim, user)
    return error


def may(rule_name, user, claim=None):
    """True when the role and the state allow the rule (the guards are checked when it is taken)."""
    return refusal(rule_name, user, claim, guards=False) is None


def check(rule_name, user, claim=None, comment=None):
    """Raise (and log) the refusal if there is one: what every operation, view and command calls first."""
    error = refusal(rule_name, user, claim, comment)
    if error is not None:
        _refuse(error, user, claim, rule_name)


def refused(rule_name, user, claim=None, comment=None):
    """For callers that answer a refusal themselves (a page, a permission class): the refusal, logged, or None."""
    try:
        check(rule_name, user, claim, comment)
    except WorkflowError as error:
        return error
    return None


def available_actions(claim, user):
    """The state changes this user may make to this claim now (the buttons).

    Submit shows even when the claim is not ready, so that pressing it says what is missing;
    approve is hidden from anyone four eyes would refuse.
    """
    result = []
    for name in CLAIM_ACTIONS:
        rule = RULES[name]
        if refusal(name, user, claim, guards=False) is None and (rule.guard != FOUR_EYES or _guard_refusal(rule, claim, user) is None):
            result.append(rule)
    return result


def can_edit(claim, user):
    return may("edit", user, claim)


def can_research(claim, user):
    """Add or remove sources: the same people who may edit the verdict."""
    return may("add_source", user, claim)


def unverified_sources(claim):
    """The claim's sources whose excerpt was not found on their captured page (the evidence app's check)."""
    return list(Source.objects.filter(claim_id=claim.pk, capture__excerpt_found=False).order_by("added_at", "id"))


def _excerpts_refusal(unverified):
    names = "; ".join(f"#{source.pk} {source.title or source.url}" for source in unverified)
    message = _(
        "The excerpt of these sources was not found on the captured page: %(sources)s. Check them, then confirm to go on anyway."
    ) % {"sources": names}
    return InvalidInput(
        message,
        {
            "confirm_unverified_excerpts": [_("Confirm that you checked the excerpts not found on their pages.")],
            "sources": [f"#{source.pk} {source.url}" for source in unverified],
        },
    )


def changes_since_approval(claim):
    """Every change to what an approval covers since the claim was last approved or published (since its creation if never).

    A list of {"actor_id", "what", "version"}, oldest first. Returning and
    resubmitting do not wash a change away: only an approval or publication does.
    """
    events = ClaimEvent.objects.filter(claim_id=claim.pk)
    last = (
        events.filter(kind=EventKind.TRANSITION, action__in=("approve", "publish")).order_by("-at", "-id").values_list("at", "id").first()
    )
    shaping = events.filter(kind__in=(EventKind.CREATED, EventKind.EDIT, EventKind.SOURCE_ADDED, EventKind.SOURCE_REMOVED))
    if last:
        shaping = shaping.filter(id__gt=last[1])
    changes = []
    for actor_id, kind, fields, version in shaping.order_by("at", "id").values_list("actor_id", "kind", "changes", "version"):
        if kind in (EventKind.SOURCE_ADDED, EventKind.SOURCE_REMOVED):
            old, new = (fields or {}).get("source", [None, None])
            what = (_("a source (%(url)s)") if kind == EventKind.SOURCE_ADDED else _("a source, removed (%(url)s)")) % {"url": new or old}
        else:
            # At creation the span is the essay's own words and the type a first sorting; what the creator wrote counts.
            names = [
                name
                for name in (fields or {})
                if name in COVERED_FIELDS and not (kind == EventKind.CREATED and name in ("start", "end", "claim_type"))
            ]
            if not names:
                continue
            what = ", ".join(dict.fromkeys(str(FIELD_LABELS[name]) for name in names))
        changes.append({"actor_id": actor_id, "what": what, "version": version})
    return changes


# --- Logging, locking, saving ----------------------------------------------------------------------


def _log(event, user, claim, **fields):
    log.info(
        event,
        extra={"event": event, "user": getattr(user, "username", None), "claim": claim.pk if claim else None, **fields},
    )


def _refuse(error, user, claim, action):
    """The one way a refusal leaves this module: logged, and named as the reason of the request it answers."""
    _log(
        "workflow.refused" if not isinstance(error, Conflict) else "workflow.conflict",
        user,
        claim,
        action=action,
        reason=str(error.message),
        status=error.status_code,
    )
    desk_logging.set_refusal_reason(error.message)
    raise error


LOCK_FAILURES = {"40P01", "40001", "55P03"}  # deadlock, serialization failure, lock not available


def _is_lock_failure(error):
    cause = error.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return code in LOCK_FAILURES or "database is locked" in str(error)


def _retrying(operation):
    """Run an operation; a deadlock or serialization failure is retried once, then answered as a Conflict."""

    @wraps(operation)
    def run(*args, **kwargs):
        # Inside a caller's transaction a retry would repeat only part of its work: answer at once.
        attempts = 1 if transaction.get_connection().in_atomic_block else 2
        for attempt in range(1, attempts + 1):
            try:
                return operation(*args, **kwargs)
            except OperationalError as error:
                if not _is_lock_failure(error):
                    raise
                _log("workflow.lock_failure", None, None, action=operation.__name__, attempt=attempt, error=str(error)[:200])
        _refuse(
            Conflict(_("Another change to the same claims was made at the same moment. Nothing was saved; reload and try again.")),
            None,
            None,
            operation.__name__,
        )

    return run


# For operations outside this module that lock rows the same way (publishing an essay).
retrying = _retrying


def _locked():
    """Claim rows only, never the essay joined to them; FOR NO KEY UPDATE so that inserts of events and sources do not wait."""
    return Claim.objects.select_for_update(of=("self",), no_key=True).select_related("essay", "assignee")


def _check_version(claim, version, user, action):
    if version is None:
        return
    try:
        version = int(version)
    except (TypeError, ValueError):
        _refuse(InvalidInput(_("The version must be a whole number."), {"version": [_("Enter a whole number.")]}), user, claim, action)
    if version != claim.version:
        _refuse(
            Conflict(
                _("Someone else changed this claim (it is now at version %(current)s, you saw version %(seen)s). Reload it and try again.")
                % {"current": claim.version, "seen": version},
                claim,
            ),
            user,
            claim,
            action,
        )


def _lock(claim_id, version, user, action):
    """Re-read the claim inside the transaction and check the version the caller saw."""
    try:
        claim = _locked().get(pk=claim_id)
    except Claim.DoesNotExist:
        _refuse(InvalidInput(_("This claim no longer exists.")), user, None, action)
    _check_version(claim, version, user, action)
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


# --- The operations ------------------------------------------------------------------------------------


# The key in a reopen event's `changes` that holds the public correction note.
PUBLIC_NOTE = "public_note"


@_retrying
def transition(claim, action_name, user, comment="", version=None, confirm_unverified_excerpts=False, public_note=""):
    """Take one action of the table on one claim; returns the updated claim.

    Submitting or approving a claim with sources whose excerpt was not found on
    the captured page (CONFIRMS_EXCERPTS) is refused until the person confirms;
    the confirmation, with the sources it covers, is kept in the transition's event.
    """
    if action_name not in CLAIM_ACTIONS:
        choices = ", ".join(CLAIM_ACTIONS)
        _refuse(
            InvalidInput(
                _("Unknown action %(action)r; choose one of %(choices)s.") % {"action": action_name, "choices": choices},
                {"action": [_("Choose one of %(choices)s.") % {"choices": choices}]},
            ),
            user,
            claim,
            str(action_name)[:40],
        )
    rule = RULES[action_name]
    comment = (comment or "").strip()
    now = timezone.now()
    with transaction.atomic():
        claim = _lock(claim.pk, version, user, action_name)
        check(action_name, user, claim, comment)
        changes = {}
        if action_name in CONFIRMS_EXCERPTS:
            unverified = unverified_sources(claim)
            if unverified and not confirm_unverified_excerpts:
                _refuse(_excerpts_refusal(unverified), user, claim, action_name)
            if unverified:
                changes["unverified_excerpts"] = [None, ", ".join(source.url for source in unverified)]
        fields = {"status": rule.target}
        if rule.effect == TAKE_IF_UNASSIGNED and claim.assignee_id is None:
            fields["assignee"] = user
            changes["assignee"] = [None, user.username]
        elif rule.effect == STAMP_SUBMITTER:
            fields["submitted_by"] = user
        # Reopening a published verdict: `comment` is the internal reason (history only); the optional
        # public note is what the corrections log shows readers (claims/publishing.py _corrections).
        public_note = (public_note or "").strip()[:2000]
        if public_note and action_name == "reopen" and claim.status == Status.PUBLISHED:
            changes[PUBLIC_NOTE] = [None, public_note]
        old_status = claim.status
        _save(claim, now, **fields)
        record(
            claim,
            user,
            EventKind.TRANSITION,
            now,
            action=action_name,
            from_status=old_status,
            to_status=rule.target,
            changes=changes,
            comment=comment,
        )
    _log("workflow.transition", user, claim, action=action_name, from_status=old_status, to_status=rule.target, version=claim.version)
    return claim


@_retrying
def edit(claim, user, changes, version):
    """Edit the verdict and other fields; a change to what an approval covers voids a review."""
    if version is None:
        _refuse(
            InvalidInput(_("The version you read is required to save changes."), {"version": [_("This field is required.")]}),
            user,
            claim,
            "edit",
        )
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"assignee"}
    if unknown:
        _refuse(InvalidInput(_("These fields cannot be edited: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}), user, claim, "edit")
    _validate_values(changes, user, claim, "edit")
    changes = dict(changes)
    now = timezone.now()
    with transaction.atomic():
        claim = _lock(claim.pk, version, user, "edit")
        if "assignee" in changes:
            claim = _assign_locked(claim, user, changes.pop("assignee"), now)
        check("edit", user, claim)
        diff = {
            name: [_json_value(getattr(claim, name)), _json_value(value)]
            for name, value in changes.items()
            if getattr(claim, name) != value
        }
        if not diff:
            return claim
        fields = {name: changes[name] for name in diff}
        covered = [name for name in diff if name in COVERED_FIELDS]
        voids_review = claim.status in REVIEWED_STATUSES and bool(covered)
        old_status = claim.status
        if voids_review:
            fields["status"] = Status.RESEARCHING
        _save(claim, now, **fields)
        record(claim, user, EventKind.EDIT, now, changes=diff)
        if voids_review:
            _record_void(claim, user, now, old_status, covered)
    _log("workflow.edit", user, claim, fields=sorted(diff), version=claim.version)
    return claim


def _record_void(claim, user, now, old_status, what):
    """The review no longer covers the claim: back to research, saying who changed what."""
    names = ", ".join(dict.fromkeys(str(FIELD_LABELS.get(name, name)) for name in what))
    comment = _("%(user)s changed %(what)s after submission; the claim needs a new review.") % {"user": user.username, "what": names}
    record(
        claim,
        user,
        EventKind.TRANSITION,
        now,
        action="return",
        from_status=old_status,
        to_status=Status.RESEARCHING,
        changes={"voided_by": [None, list(what)]},
        comment=str(comment),
    )


def _validate_values(changes, user=None, claim=None, action="edit"):
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
        _refuse(InvalidInput(_("Some values are not valid."), errors), user, claim, action)


def _assign_locked(claim, user, assignee, now):
    check("assign", user, claim)
    if assignee is not None and not is_desk_member(assignee):
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


@_retrying
def assign(claim, user, assignee, version=None):
    """An editor gives the claim to a reviewer (or takes it back with None)."""
    with transaction.atomic():
        claim = _lock(claim.pk, version, user, "assign")
        return _assign_locked(claim, user, assignee, timezone.now())


def add_source(claim, user, version=None, **fields):
    """Attach evidence. Changing the evidence of a reviewed claim voids the review."""
    return add_sources(claim, user, [fields], version=version, action="add_source")[0]


@_retrying
def add_sources(claim, user, sources, version=None, action="add_source"):
    """Attach several sources (dicts of Source fields) in one step: all or none, one new version of the claim,
    one history row per source, a review voided once. Returns the new sources."""
    now = timezone.now()
    with transaction.atomic():
        claim = _lock(claim.pk, version, user, action)
        check("add_source", user, claim)
        if not sources:
            return []
        have = Source.objects.filter(claim_id=claim.pk).count()
        limit = settings.MAX_SOURCES_PER_CLAIM
        if have + len(sources) > limit:
            _refuse(
                InvalidInput(
                    _("A claim can have at most %(limit)s sources; this one has %(count)s.") % {"limit": limit, "count": have},
                    {"url": [_("Remove a source first.")]},
                ),
                user,
                claim,
                action,
            )
        new = []
        for fields in sources:
            source = Source(claim=claim, added_by=user, added_at=now, **fields)
            source.full_clean(exclude=["claim", "added_by"])
            new.append(source)
        for source in new:
            source.save()  # its post_save queues the capture and the source's search document
        _evidence_changed(claim, user, now, EventKind.SOURCE_ADDED, [{"source": [None, source.url]} for source in new])
    for source in new:
        _log("workflow.source_added", user, claim, source=source.pk)
    return new


@_retrying
def remove_source(source, user, version=None):
    now = timezone.now()
    with transaction.atomic():
        claim = _lock(source.claim_id, version, user, "remove_source")
        check("remove_source", user, claim)
        url = source.url
        deleted, _rows = Source.objects.filter(pk=source.pk, claim=claim).delete()
        if not deleted:
            _refuse(Conflict(_("This source was already removed."), claim), user, claim, "remove_source")
        _evidence_changed(claim, user, now, EventKind.SOURCE_REMOVED, {"source": [url, None]})
    _log("workflow.source_removed", user, claim, source=source.pk)
    return claim


def _evidence_changed(claim, user, now, kind, changes):
    """`changes`: one event's changes, or a list of them (one event each, all at the claim's new version)."""
    old_status = claim.status
    voids_review = old_status in REVIEWED_STATUSES
    _save(claim, now, **({"status": Status.RESEARCHING} if voids_review else {}))
    for one in changes if isinstance(changes, list) else [changes]:
        record(claim, user, kind, now, changes=one)
    if voids_review:
        _record_void(claim, user, now, old_status, ["sources"])


@_retrying
def add_note(claim, user, text):
    """Notes are append-only and never bump the version: two notes at once both stay."""
    text = (text or "").strip()
    check("note", user, claim)
    if not text:
        _refuse(InvalidInput(_("A note cannot be empty."), {"text": [_("Write something.")]}), user, claim, "note")
    now = timezone.now()
    with transaction.atomic():
        note = Note.objects.create(claim=claim, author=user, created_at=now, text=text)
        ClaimEvent.objects.create(claim=claim, actor=user, kind=EventKind.NOTE, at=now, version=claim.version, comment=text)
    _log("workflow.note", user, claim, note=note.pk)
    return note


@_retrying
def create_claim(essay, user, start, end, **fields):
    """A new `open` claim at exactly essay.text[start:end], made by hand (anyone on the desk) or by the importer."""
    check("create", user)
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        _refuse(InvalidInput(_("Start and end must be whole numbers."), {"start": [_("Enter a whole number.")]}), user, None, "create")
    errors = {}
    if not (0 <= start < end <= len(essay.text)):
        errors["end"] = [_("The span must lie inside the essay (0 to %(length)s) and not be empty.") % {"length": len(essay.text)}]
    elif not essay.text[start:end].strip():
        errors["end"] = [_("The selected text is only white space.")]
    if errors:
        _refuse(InvalidInput(_("That is not a span of the essay."), errors), user, None, "create")
    _validate_values(fields, user, None, "create")
    now = timezone.now()
    written = {name: _json_value(value) for name, value in fields.items() if name in COVERED_FIELDS and value}
    try:
        with transaction.atomic():
            claim = Claim(essay=essay, start=start, end=end, quote=essay.text[start:end], created_at=now, updated_at=now, **fields)
            claim.save()
            record(
                claim,
                user,
                EventKind.CREATED,
                now,
                to_status=claim.status,
                changes={"span": [None, [start, end]], **{name: [None, value] for name, value in written.items()}},
            )
    except IntegrityError:
        _refuse(InvalidInput(_("A claim already covers exactly this span."), {"start": [_("Choose another span.")]}), user, None, "create")
    _log("workflow.created", user, claim, start=start, end=end)
    return claim


@_retrying
def split(claim, user, at, version=None):
    """Cut a claim in two at a code point offset inside it; the second part is a new claim."""
    now = timezone.now()
    with transaction.atomic():
        claim = _lock(claim.pk, version, user, "split")
        check("split", user, claim)
        try:
            at = int(at)
        except (TypeError, ValueError):
            _refuse(InvalidInput(_("The split point must be a whole number."), {"at": [_("Enter a whole number.")]}), user, claim, "split")
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
        taken = Claim.objects.filter(essay_id=claim.essay_id, start=claim.start, end=at).exclude(pk=claim.pk).exists()
        if taken:
            _refuse(InvalidInput(_("A claim already covers the first part."), {"at": [_("Choose another point.")]}), user, claim, "split")
        try:
            with transaction.atomic():
                _save(claim, now, end=at, quote=text[claim.start : at])
        except IntegrityError:
            _refuse(InvalidInput(_("A claim already covers the first part."), {"at": [_("Choose another point.")]}), user, claim, "split")
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


@_retrying
def merge(first, second, user, version=None):
    """Join two adjacent claims: the first grows to cover both, the second is dismissed as merged.

    `version` is the one the caller saw of `first`. Both rows are locked in one
    query, by id, so that two crossed merges wait for each other instead of deadlocking.
    """
    now = timezone.now()
    seen_id = first.pk
    with transaction.atomic():
        locked = {claim.pk: claim for claim in _locked().filter(pk__in=[first.pk, second.pk]).order_by("pk")}
        if len(locked) != 2 or first.pk == second.pk:
            _refuse(InvalidInput(_("Choose two different claims that still exist.")), user, first, "merge")
        first, second = locked[first.pk], locked[second.pk]
        _check_version(first, version, user, "merge")
        check("merge", user, first)
        check("merge", user, second)
        if first.essay_id != second.essay_id:
            _refuse(InvalidInput(_("Only claims of the same essay can be merged.")), user, first, "merge")
        if second.start < first.start:
            first, second = second, first
        between = Claim.objects.filter(essay_id=first.essay_id, start__lt=second.start, end__gt=first.end).exclude(
            pk__in=[first.pk, second.pk]
        )
        if second.start < first.end or between.exists() or first.essay.text[first.end : second.start].strip(" \t\r\n，,。；;：:"):
            _refuse(InvalidInput(_("Only adjacent claims can be merged.")), user, locked[seen_id], "merge")
        old_end = first.end
        absorbed_status = second.status
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
            from_status=absorbed_status,
            to_status=Status.DISMISSED,
            changes={"merged_into": [None, first.pk]},
            comment=str(_("Merged into claim #%(id)s.") % {"id": first.pk}),
        )
    _log("workflow.merge", user, first, merged=second.pk)
    return first


@_retrying
def link_checked_before(claim, user, earlier, version=None):
    """Record that `earlier`, a claim of another essay, already checked what this claim states (search/matching.py finds them)."""
    now = timezone.now()
    with transaction.atomic():
        claim = _lock(claim.pk, version, user, "link")
        check("link", user, claim)
        if earlier.pk == claim.pk or earlier.essay_id == claim.essay_id:
            _refuse(
                InvalidInput(_("Link to a claim of another essay."), {"earlier": [_("Choose a claim of another essay.")]}),
                user,
                claim,
                "link",
            )
        if claim.duplicate_of_id == earlier.pk:
            return claim
        old = claim.duplicate_of_id
        _save(claim, now, duplicate_of=earlier)
        record(claim, user, EventKind.EDIT, now, changes={"duplicate_of": [old, earlier.pk]})
    _log("workflow.linked", user, claim, earlier=earlier.pk)
    return claim


def publish_claims(essay, user, now):
    """Move every approved claim of an essay to published; the caller holds the transaction and the essay's lock.

    Returns the claims as published (with their new version), in essay order.
    """
    check("publish", user)
    # Claims by id, after the essay: the global order of locks.
    claims = list(Claim.objects.select_for_update(of=("self",), no_key=True).filter(essay=essay, status=Status.APPROVED).order_by("id"))
    if not claims:
        return []
    claims.sort(key=lambda claim: (claim.start, claim.pk))
    ids = [c.pk for c in claims]
    updated = Claim.objects.filter(pk__in=ids, status=Status.APPROVED).update(
        status=Status.PUBLISHED, version=F("version") + 1, updated_at=now
    )
    if updated != len(claims):
        _refuse(Conflict(_("Some claims changed while publishing. Reload and try again.")), user, None, "publish")
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


@_retrying
def move_span(claim, user, start, end, version):
    """Move a claim to another passage of its essay (the "edit" row): the quote follows the span.

    Recorded as an edit of start, end and quote; the span is what an approval covers, so a
    claim in review or approved goes back to research (void_review).
    """
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        _refuse(InvalidInput(_("Start and end must be whole numbers."), {"start": [_("Enter a whole number.")]}), user, claim, "edit")
    now = timezone.now()
    with transaction.atomic():
        claim = _lock(claim.pk, version, user, "edit")
        check("edit", user, claim)
        text = claim.essay.text
        if not (0 <= start < end <= len(text)):
            _refuse(
                InvalidInput(
                    _("The span must lie inside the essay (0 to %(length)s) and not be empty.") % {"length": len(text)},
                    {"end": [_("Choose a passage of the essay.")]},
                ),
                user,
                claim,
                "edit",
            )
        if not text[start:end].strip():
            _refuse(
                InvalidInput(_("The selected text is only white space."), {"end": [_("Choose a passage of the essay.")]}),
                user,
                claim,
                "edit",
            )
        if (start, end) == (claim.start, claim.end):
            return claim
        if Claim.objects.filter(essay_id=claim.essay_id, start=start, end=end).exclude(pk=claim.pk).exists():
            _refuse(
                InvalidInput(_("A claim already covers exactly this span."), {"start": [_("Choose another span.")]}), user, claim, "edit"
            )
        quote = text[start:end]
        diff = {"start": [claim.start, start], "end": [claim.end, end], "quote": [claim.quote, quote]}
        old_status = claim.status
        fields = {"start": start, "end": end, "quote": quote}
        voids_review = old_status in REVIEWED_STATUSES
        if voids_review:
            fields["status"] = Status.RESEARCHING
        _save(claim, now, **fields)
        record(claim, user, EventKind.EDIT, now, changes=diff)
        if voids_review:
            _record_void(claim, user, now, old_status, ["start", "end", "quote"])
    _log("workflow.move_span", user, claim, start=start, end=end, version=claim.version)
    return claim
