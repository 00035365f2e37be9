"""Backups of one essay: everything the desk knows about it, in one JSON file a desk can trust.

    {"format": "factcheck-desk/essay-backup", "version": 2, "exported_at": "...",
     "people": [{"username", "first_name", "last_name", "email"}, ...],
     "essay": {...the essay's fields..., "claims": [{...fields..., "sources": [...], "notes": [...], "events": [...]}],
               "publications": [...]},
     "signature": {"algorithm": "HMAC-SHA256", "key": "<fingerprint of the key>", "value": "<hex>"}}

People are referenced by username. Links between claims (duplicate_of, split_from, merged_into)
are claim ids inside the file.

**The signature.** The file is signed with HMAC-SHA256 over the canonical JSON of every key but
the signature, with the desk's backup key: settings.BACKUP_KEY (the BACKUP_KEY environment
variable) or, when that is empty, a key derived from SECRET_KEY with a fixed salt. Only someone
who holds the key can sign, so an edited file cannot be re-sealed the way a plain checksum can
(version 1 files carried a SHA-256 anyone can recompute). A desk that moves a backup to another
desk shares the key (sets the same BACKUP_KEY on both). An unsigned file (a version 1 file, or a
file without a signature) or a wrongly signed one is refused, unless the operator passes
`trust_unsigned` (import_essay --from-json FILE --trust-unsigned), which skips only this check.

**Every other check runs on every file, signed or not**, before anything is written:
  - layout: format, version, every key, every type; ids 1..2**31-1 (far below the 64-bit limit,
    so the id sequences are never moved near their end); datetimes with a time zone and, once in
    UTC, in the years 1900–2200; dates in the years 1000–2200 (essays and sources can be old);
  - every row against the models' rules (choices, lengths, URLs, check constraints, the span);
  - each claim's history against the workflow's RULES: every status change starts where the last
    one ended and is a rule of the table (from-state, target, comment); edits, sources, splits and
    merges happen only in the states the table allows them in, and a change an approval covers
    made to a claim in review or approved is followed by its return to research; every approval
    is by someone other than the submitter and anyone who shaped what it approves (four eyes, as
    claims/workflow.py applies it); the claim's status, submitter and covered fields are where
    its history leads;
  - each publication's snapshot and corrections list, field by field, against what
    claims/publishing.py would have written from that history: the keys and types, the claims
    that were published at that moment and no others, their span, quote, type, speaker,
    statement, verdict (one of the Verdict choices) and explanation as the history had them, their
    sources, their publication times, the verdict counts, and each correction's before and after.
Every refusal names the record and the field.

Restoring keeps the ids of the file when they are all free (a fresh database after a loss: links
to /claims/<id>/ and the published #claim-<id> anchors keep working) and moves the id sequences
to max(id)+1, never beyond; otherwise the database gives new ids and the claim ids inside
publications and history are renumbered to match. A person the database does not know is created
as an inactive account without a usable password (the history keeps their name; nobody can sign
in as them until an administrator decides so); password hashes are never written to a backup.
"""

import datetime as dt
import hashlib
import hmac
import json
from collections import Counter

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.core.validators import validate_slug
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from . import workflow
from .models import (
    Claim,
    ClaimEvent,
    ClaimType,
    Essay,
    EssayEvent,
    EventKind,
    Language,
    Note,
    Publication,
    Source,
    Stance,
    Status,
    Verdict,
    is_http_url,
    text_fingerprint,
)

FORMAT = "factcheck-desk/essay-backup"
VERSION = 2
# Version 1 files carry a plain SHA-256 checksum and no signature: readable, but only as unsigned files.
READABLE_VERSIONS = (1, 2)
ALGORITHM = "HMAC-SHA256"
# The salt of the key derived from SECRET_KEY when BACKUP_KEY is not set. Changing it invalidates every backup.
KEY_SALT = "factcheck-desk/essay-backup/signing-key"
FINGERPRINT_MESSAGE = b"factcheck-desk/essay-backup/key-fingerprint"
# Far below the 64-bit limit of the id columns (and of SQLite's): a restored id never brings a sequence near its end.
MAX_ID = 2**31 - 1
MAX_INT = 2**31 - 1
DATETIME_YEARS = (1900, 2200)
DATE_YEARS = (1000, 2200)
SEALS = ("signature", "sha256")
ENVELOPE_KEYS = {"format", "version", "exported_at", "people", "essay"}


class BackupRejected(Exception):
    """The file cannot be restored; nothing was written. `problems` lists what is wrong, in words."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.message = message
        self.problems = list(problems)

    def __str__(self):
        if not self.problems:
            return self.message
        shown = "; ".join(self.problems[:10])
        more = f" (and {len(self.problems) - 10} more)" if len(self.problems) > 10 else ""
        return f"{self.message}: {shown}{more}"


# --- The format: every field of every row, with its kind --------------------------------------------
# Kinds: str, int, id (a row's id), float, date, datetime, user (a username), claim (a claim id in the file),
# list, dict (JSON values). A trailing "?" allows null. A test checks that these lists cover
# every concrete field of the models, so that a new model field cannot be silently left out.

ESSAY_FIELDS = {
    "id": "id",
    "title": "str",
    "slug": "str",
    "language": "str",
    "author": "str",
    "url": "str",
    "published_on": "date?",
    "text": "str",
    "text_hash": "str",
    "imported_by": "user?",
    "imported_at": "datetime",
    "fetched_at": "datetime?",
}
CLAIM_FIELDS = {
    "id": "id",
    "start": "int",
    "end": "int",
    "quote": "str",
    "claim_type": "str",
    "speaker": "str",
    "normalized": "str",
    "score": "float",
    "reasons": "list",
    "priority": "int",
    "assignee": "user?",
    "due": "date?",
    "status": "str",
    "verdict": "str",
    "verdict_summary": "str",
    "version": "int",
    "submitted_by": "user?",
    "duplicate_of": "claim?",
    "split_from": "claim?",
    "merged_into": "claim?",
    "created_at": "datetime",
    "updated_at": "datetime",
}
SOURCE_FIELDS = {
    "id": "id",
    "url": "str",
    "title": "str",
    "publisher": "str",
    "published_on": "date?",
    "accessed_at": "datetime",
    "archive_url": "str",
    "excerpt": "str",
    "stance": "str",
    "added_by": "user?",
    "added_at": "datetime",
}
NOTE_FIELDS = {"id": "id", "author": "user?", "created_at": "datetime", "text": "str"}
EVENT_FIELDS = {
    "id": "id",
    "actor": "user?",
    "at": "datetime",
    "kind": "str",
    "action": "str",
    "from_status": "str",
    "to_status": "str",
    "changes": "dict",
    "comment": "str",
    "version": "int",
}
PUBLICATION_FIELDS = {
    "id": "id",
    "number": "int",
    "published_by": "user?",
    "published_at": "datetime",
    "snapshot": "dict",
    "corrections": "list",
}
ESSAY_EVENT_FIELDS = {"id": "id", "actor": "user?", "at": "datetime", "action": "str", "changes": "dict"}
PERSON_FIELDS = {"username": "str", "first_name": "str", "last_name": "str", "email": "str"}

# Rows nested in their parent: the parent's key is implied by the nesting.
NESTED = {Claim: "essay", Source: "claim", Note: "claim", ClaimEvent: "claim", Publication: "essay", EssayEvent: "essay"}
SCHEMAS = {
    Essay: ESSAY_FIELDS,
    Claim: CLAIM_FIELDS,
    Source: SOURCE_FIELDS,
    Note: NOTE_FIELDS,
    ClaimEvent: EVENT_FIELDS,
    Publication: PUBLICATION_FIELDS,
    EssayEvent: ESSAY_EVENT_FIELDS,
}
# History entries that name other claims by id: {"key": [old, new]}.
CLAIM_ID_CHANGES = ("new_claim", "merged", "split_from", "merged_into")


# --- Export -----------------------------------------------------------------------------------------


def _row(obj, fields):
    row = {}
    for name, kind in fields.items():
        base = kind.rstrip("?")
        if base == "claim":
            row[name] = getattr(obj, f"{name}_id")
        elif base == "user":
            user = getattr(obj, name)
            row[name] = user.get_username() if user is not None else None
        else:
            value = getattr(obj, name)
            row[name] = value.isoformat() if base in ("date", "datetime") and value is not None else value
    return row


def canonical(data):
    """The bytes the checksum is taken over: sorted keys, no spaces, UTF-8 (lone surrogates kept, to be refused later by name)."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8", "surrogatepass")


def checksum(envelope):
    """The plain SHA-256 of version 1 files: it detects damage, not forgery (anyone can recompute it)."""
    return hashlib.sha256(canonical({key: value for key, value in envelope.items() if key not in SEALS})).hexdigest()


# --- The signature ----------------------------------------------------------------------------------


def backup_key():
    """The key backups are signed with: BACKUP_KEY, or a key derived from SECRET_KEY with a fixed salt."""
    configured = getattr(settings, "BACKUP_KEY", "") or ""
    if configured:
        return configured.encode("utf-8")
    return salted_hmac(KEY_SALT, "backup signing key", secret=settings.SECRET_KEY, algorithm="sha256").digest()


def key_fingerprint(key=None):
    """A short public name of a key (an HMAC of a fixed text): tells "another desk's key" from "edited"."""
    return hmac.new(key if key is not None else backup_key(), FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()[:16]


def signature_value(envelope, key=None):
    """HMAC-SHA256 over the canonical JSON of every key but the seals."""
    content = canonical({name: value for name, value in envelope.items() if name not in SEALS})
    return hmac.new(key if key is not None else backup_key(), content, hashlib.sha256).hexdigest()


def sign(envelope, key=None):
    """Seal an envelope with the desk's key (replacing any seal it had); returns it."""
    key = key if key is not None else backup_key()
    for name in SEALS:
        envelope.pop(name, None)
    envelope["signature"] = {"algorithm": ALGORITHM, "key": key_fingerprint(key), "value": signature_value(envelope, key)}
    return envelope


def export_essay(essay):
    """The essay and everything attached to it, as a dict ready for json.dump, signed with the desk's key."""
    User = get_user_model()
    user_fk = ("imported_by", "assignee", "submitted_by", "added_by", "author", "actor", "published_by")
    essay = Essay.objects.select_related("imported_by").get(pk=essay.pk)
    claims = list(Claim.objects.filter(essay=essay).select_related("assignee", "submitted_by").order_by("id"))
    sources, notes, events = {}, {}, {}
    for source in Source.objects.filter(claim__essay=essay).select_related("added_by").order_by("id"):
        sources.setdefault(source.claim_id, []).append(_row(source, SOURCE_FIELDS))
    for note in Note.objects.filter(claim__essay=essay).select_related("author").order_by("id"):
        notes.setdefault(note.claim_id, []).append(_row(note, NOTE_FIELDS))
    for event in ClaimEvent.objects.filter(claim__essay=essay).select_related("actor").order_by("id"):
        events.setdefault(event.claim_id, []).append(_row(event, EVENT_FIELDS))
    body = _row(essay, ESSAY_FIELDS)
    in_essay = {claim.pk for claim in claims}
    body["claims"] = [
        {
            **_row(claim, CLAIM_FIELDS),
            "sources": sources.get(claim.pk, []),
            "notes": notes.get(claim.pk, []),
            "events": events.get(claim.pk, []),
        }
        for claim in claims
    ]
    for row in body["claims"]:
        # A link to a claim of another essay ("checked before") cannot travel: that claim is not in the file.
        if row["duplicate_of"] is not None and row["duplicate_of"] not in in_essay:
            row["duplicate_of"] = None
    body["publications"] = [
        _row(publication, PUBLICATION_FIELDS)
        for publication in Publication.objects.filter(essay=essay).select_related("published_by").order_by("number")
    ]
    # The essay's own history: corrections of its details (claims/corrections.py).
    body["events"] = [
        _row(event, ESSAY_EVENT_FIELDS) for event in EssayEvent.objects.filter(essay=essay).select_related("actor").order_by("id")
    ]
    usernames = set()
    for row in _rows(body):
        usernames.update(row[name] for name in user_fk if row.get(name))
    people = [
        {"username": user.get_username(), "first_name": user.first_name, "last_name": user.last_name, "email": user.email}
        for user in User.objects.filter(username__in=usernames).order_by("username")
    ]
    envelope = {"format": FORMAT, "version": VERSION, "exported_at": timezone.now().isoformat(), "people": people, "essay": body}
    return sign(envelope)


def dumps(envelope):
    """The file's text: indented for people to read; the signature does not depend on the layout."""
    return json.dumps(envelope, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def _rows(body):
    yield body
    for claim in body.get("claims", []):
        yield claim
        yield from claim.get("sources", [])
        yield from claim.get("notes", [])
        yield from claim.get("events", [])
    yield from body.get("publications", [])
    yield from body.get("events", [])


# --- Reading and checking a file ---------------------------------------------------------------------


def loads(raw):
    """The bytes of a backup file → the parsed envelope, or BackupRejected saying why."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BackupRejected(f"Not a backup: the file is not UTF-8 text (undecodable byte at position {exc.start})") from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise BackupRejected(
            f"Not a backup, or a damaged one: the JSON is broken at line {exc.lineno}, column {exc.colno} ({exc.msg})"
        ) from None
    except RecursionError:
        raise BackupRejected("Not a backup: the JSON is nested too deeply") from None


def _refuse_constant(name):
    raise json.JSONDecodeError(f"{name} is not a JSON number", name, 0)


UNSIGNED_HINT = "If you know where this file comes from, restore it with --trust-unsigned: every other check still runs"


def check_envelope(data, trust_unsigned=False):
    """Format, version, signature and layout: what tells a forged, damaged or foreign file from a backup.

    Returns "signed" (signed with this desk's key) or "unsigned" (accepted on trust_unsigned).
    """
    if not isinstance(data, dict):
        raise BackupRejected("Not a backup: the file holds a JSON " + type(data).__name__ + ", not an object")
    if data.get("format") != FORMAT:
        raise BackupRejected(f"Not a backup of this desk: the format is {data.get('format')!r}, expected {FORMAT!r}")
    version = data.get("version")
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        raise BackupRejected(f"This backup is in format version {version!r}; this desk reads versions 1 and {VERSION}")
    trust = _check_seal(data, version, trust_unsigned)
    missing = ENVELOPE_KEYS - set(data)
    unknown = set(data) - ENVELOPE_KEYS - set(SEALS)
    if missing or unknown:
        raise BackupRejected(
            "The backup's layout is wrong",
            [f"missing key {key!r}" for key in sorted(missing)] + [f"unknown key {key!r}" for key in sorted(unknown)],
        )
    checker = _Checker()
    checker.value(data["exported_at"], "datetime", "exported_at")
    if checker.problems:
        raise BackupRejected("The backup's layout is wrong", checker.problems)
    return trust


def _check_seal(data, version, trust_unsigned):
    seal = data.get("signature")
    if seal is None:
        if "sha256" in data:
            problem = (
                "is not signed: it carries only a plain SHA-256 checksum, which anyone can recompute after editing the file, "
                "so it cannot tell a forged file from a backup"
            )
        else:
            problem = "is not signed"
    elif version != VERSION:
        problem = f"carries a signature, which format version {version} does not have"
    elif not (
        isinstance(seal, dict)
        and set(seal) == {"algorithm", "key", "value"}
        and all(isinstance(seal[name], str) for name in seal)
        and seal["algorithm"] == ALGORITHM
    ):
        problem = f"has a malformed signature (expected {{'algorithm': {ALGORITHM!r}, 'key': ..., 'value': ...}})"
    else:
        key = backup_key()
        try:
            expected = signature_value(data, key)
        except (TypeError, ValueError) as exc:
            raise BackupRejected(f"The backup is damaged: {exc}") from None
        if hmac.compare_digest(seal["value"].encode("utf-8", "surrogatepass"), expected.encode("ascii")):
            return "signed"
        if seal["key"] != key_fingerprint(key):
            problem = (
                f"was signed with another key (fingerprint {seal['key'][:32]!r}; this desk's backup key has fingerprint "
                f"{key_fingerprint(key)!r}): set BACKUP_KEY to the key of the desk that wrote it"
            )
        else:
            problem = "has a signature that does not match its content: it was edited or damaged after it was signed"
    if not trust_unsigned:
        raise BackupRejected(f"Refused: the backup {problem}. {UNSIGNED_HINT}")
    if seal is None and "sha256" in data:
        # Not a proof of origin, but still a proof of damage.
        if not isinstance(data["sha256"], str):
            raise BackupRejected("The backup's layout is wrong", ["sha256: expected text"])
        try:
            damaged = not hmac.compare_digest(checksum(data).encode("ascii"), data["sha256"].encode("utf-8", "surrogatepass"))
        except (TypeError, ValueError) as exc:
            raise BackupRejected(f"The backup is damaged: {exc}") from None
        if damaged:
            raise BackupRejected("The backup is damaged or was edited: its SHA-256 checksum does not match its content")
    return "unsigned"


class _Checker:
    """Collects every problem of the file, with where it is, before anything is written."""

    def __init__(self):
        self.problems = []
        self.usernames = set()
        self.claim_refs = []

    def fail(self, where, message):
        self.problems.append(f"{where}: {message}")

    def row(self, row, fields, where, nested=()):
        if not isinstance(row, dict):
            self.fail(where, f"expected an object, found {type(row).__name__}")
            return False
        expected = set(fields) | set(nested)
        for key in sorted(expected - set(row)):
            self.fail(where, f"missing key {key!r}")
        for key in sorted(set(row) - expected):
            self.fail(where, f"unknown key {key!r}")
        ok = expected <= set(row)
        for name, kind in fields.items():
            if name in row and not self.value(row[name], kind, f"{where}.{name}"):
                ok = False
        for name in nested:
            if name in row and not isinstance(row[name], list):
                self.fail(f"{where}.{name}", "expected a list")
                ok = False
        return ok

    def value(self, value, kind, where):
        nullable = kind.endswith("?")
        base = kind.rstrip("?")
        if value is None:
            if not nullable:
                self.fail(where, "may not be null")
                return False
            return True
        if base in ("str", "date", "datetime", "user") and not isinstance(value, str):
            self.fail(where, f"expected text, found {type(value).__name__}")
            return False
        if base in ("int", "id", "claim") and (not isinstance(value, int) or isinstance(value, bool)):
            self.fail(where, f"expected a whole number, found {type(value).__name__}")
            return False
        if base == "int" and not 0 <= value <= MAX_INT:
            self.fail(where, f"{value} is out of range (0 to {MAX_INT})")
            return False
        if base in ("id", "claim") and not 1 <= value <= MAX_ID:
            self.fail(where, f"the id {value} is out of range (ids run from 1 to {MAX_ID})")
            return False
        if base == "float" and (not isinstance(value, int | float) or isinstance(value, bool)):
            self.fail(where, f"expected a number, found {type(value).__name__}")
            return False
        if base == "list" and not isinstance(value, list):
            self.fail(where, f"expected a list, found {type(value).__name__}")
            return False
        if base == "dict" and not isinstance(value, dict):
            self.fail(where, f"expected an object, found {type(value).__name__}")
            return False
        bad = _bad_text(value)
        if bad:
            self.fail(where, bad)
            return False
        if base in ("date", "datetime"):
            problem = _time_problem(value, base)
            if problem:
                self.fail(where, problem)
                return False
        if base == "user":
            self.usernames.add(value)
        if base == "claim":
            self.claim_refs.append((where, value))
        return True


def _time_problem(value, base):
    """Why an ISO date or date-time from a file cannot be stored, or None. Date-times are checked once in UTC."""
    if base == "date":
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return f"{value!r} is not a date (YYYY-MM-DD)"
        low, high = DATE_YEARS
        if not low <= day.year <= high:
            return f"{value!r} is out of range (years {low}–{high})"
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return f"{value!r} is not a date and time (ISO 8601)"
    if parsed.tzinfo is None:
        return f"{value!r} has no time zone"
    low, high = DATETIME_YEARS
    try:
        utc = parsed.astimezone(dt.UTC)
    except OverflowError:
        return f"{value!r} is out of range once in UTC (years {low}–{high})"
    if not low <= utc.year <= high:
        return f"{value!r} is out of range: {utc.isoformat()} in UTC (years {low}–{high})"
    return None


def _utc(value):
    """An ISO date-time already checked by _time_problem, as an aware datetime in UTC."""
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC)


def _bad_text(value):
    """NUL and lone surrogates cannot be stored (PostgreSQL refuses them); look everywhere, keys too."""
    if isinstance(value, str):
        if "\x00" in value:
            return "contains a NUL character"
        if any("\ud800" <= char <= "\udfff" for char in value):
            return "contains a lone surrogate"
        return None
    if isinstance(value, dict):
        return next((bad for item in value.items() for bad in map(_bad_text, item) if bad), None)
    if isinstance(value, list):
        return next((bad for item in value if (bad := _bad_text(item))), None)
    if isinstance(value, float) and value != value:
        return "is not a number"
    return None


def _parse(kind, value):
    base = kind.rstrip("?")
    if value is None:
        return None
    if base == "date":
        return dt.date.fromisoformat(value)
    if base == "datetime":
        return _utc(value)
    if base == "float":
        return float(value)
    return value


def _instance(model, row, fields, users, **links):
    values = {}
    for name, kind in fields.items():
        base = kind.rstrip("?")
        if base == "user":
            values[name] = users.get(row[name]) if row[name] is not None else None
        elif base == "claim":
            continue  # linked after every claim exists
        else:
            values[name] = _parse(kind, row[name])
    return model(**values, **links)


def _full_clean(obj, where, checker, exclude=()):
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                checker.fail(where, f"{field}: {message}" if field != "__all__" else message)


def check(data, trust_unsigned=False):
    """Everything restore() needs to know the file is sound; raises BackupRejected listing every problem.

    Returns "signed" or "unsigned" (the latter only with trust_unsigned).
    """
    trust = check_envelope(data, trust_unsigned)
    checker = _Checker()
    if not isinstance(data["people"], list):
        raise BackupRejected("The backup's layout is wrong", ["people: expected a list"])
    people = {}
    for index, person in enumerate(data["people"]):
        where = f"people[{index}]"
        if checker.row(person, PERSON_FIELDS, where):
            try:
                UnicodeUsernameValidator()(person["username"])
                if not 0 < len(person["username"]) <= 150:
                    raise ValidationError("length")
            except ValidationError:
                checker.fail(where, f"{person['username']!r} is not a valid username")
            if person["username"] in people:
                checker.fail(where, f"{person['username']!r} is listed twice")
            people[person["username"]] = person
    body = data["essay"]
    if data["version"] == 1 and isinstance(body, dict):
        body.setdefault("events", [])  # version 1 files came before the essay's own history
        body.setdefault("fetched_at", None)  # and before essays imported from a web address
    if not checker.row(body, ESSAY_FIELDS, "essay", nested=("claims", "publications", "events")):
        raise BackupRejected("The backup cannot be restored", checker.problems)
    for position, row in enumerate(body["events"]):
        checker.row(row, ESSAY_EVENT_FIELDS, f"essay.events[{position}]")
    claim_ids, spans = set(), set()
    for index, claim in enumerate(body["claims"]):
        where = f"claims[{index}]"
        ok = checker.row(claim, CLAIM_FIELDS, where, nested=("sources", "notes", "events"))
        claim_id = claim.get("id") if isinstance(claim, dict) else None
        if isinstance(claim_id, int) and not isinstance(claim_id, bool):
            # Known even when another field of the row is wrong: links to it are not reported as dangling as well.
            if claim_id in claim_ids:
                checker.fail(where, f"claim id {claim_id} appears twice")
            claim_ids.add(claim_id)
        if not ok:
            continue
        if (claim["start"], claim["end"]) in spans:
            checker.fail(where, f"a second claim on the span {claim['start']}–{claim['end']}")
        spans.add((claim["start"], claim["end"]))
        for key, fields in (("sources", SOURCE_FIELDS), ("notes", NOTE_FIELDS), ("events", EVENT_FIELDS)):
            for position, row in enumerate(claim[key]):
                checker.row(row, fields, f"{where}.{key}[{position}]")
    numbers = set()
    for index, publication in enumerate(body["publications"]):
        if checker.row(publication, PUBLICATION_FIELDS, f"publications[{index}]") and publication["number"] in numbers:
            checker.fail(f"publications[{index}]", f"publication #{publication['number']} appears twice")
        if isinstance(publication, dict):
            numbers.add(publication.get("number"))
    for where, ref in checker.claim_refs:
        if ref not in claim_ids:
            checker.fail(where, f"refers to claim {ref}, which is not in the file")
    for username in sorted(checker.usernames - set(people)):
        checker.fail("people", f"{username!r} is referenced but not listed")
    if checker.problems:
        raise BackupRejected("The backup cannot be restored", checker.problems)
    for kind, ids in _ids(body).items():
        if len(ids) != len(set(ids)):
            checker.fail(kind, "the same id appears twice")
    if checker.problems:
        raise BackupRejected("The backup cannot be restored", checker.problems)
    _check_rows(body, checker)
    if checker.problems:
        raise BackupRejected("The backup holds rows that break the desk's rules", checker.problems)
    histories = _check_histories(body, checker)
    if checker.problems:
        raise BackupRejected("The backup's claims do not agree with their history", checker.problems)
    _check_publications(body, histories, checker)
    if checker.problems:
        raise BackupRejected("The backup's publications are not what the desk published", checker.problems)
    return trust


def _ids(body):
    claims = body["claims"]
    return {
        "claims": [c["id"] for c in claims],
        "sources": [r["id"] for c in claims for r in c["sources"]],
        "notes": [r["id"] for c in claims for r in c["notes"]],
        "events": [r["id"] for c in claims for r in c["events"]],
        "publications": [p["id"] for p in body["publications"]],
        "essay events": [e["id"] for e in body["events"]],
    }


def _check_rows(body, checker):
    """The models' own rules (choices, lengths, URLs, check constraints) on every row, without writing."""
    users = {}  # usernames stay unresolved here: the rules never look at who did what
    essay = _instance(Essay, body, ESSAY_FIELDS, users)
    _full_clean(essay, "essay", checker, exclude=["imported_by"])
    if essay.text_hash != text_fingerprint(essay.text):
        checker.fail("essay.text_hash", "does not match the essay text")
    for position, row in enumerate(body["events"]):
        _full_clean(_instance(EssayEvent, row, ESSAY_EVENT_FIELDS, users), f"essay.events[{position}]", checker, exclude=["essay", "actor"])
    for index, row in enumerate(body["claims"]):
        where = f"claims[{index}]"
        claim = _instance(Claim, row, CLAIM_FIELDS, users)
        _full_clean(claim, where, checker, exclude=["essay", "assignee", "submitted_by", "duplicate_of", "split_from", "merged_into"])
        try:
            claim.check_span(essay.text)
        except ValidationError as exc:
            checker.fail(where, " ".join(exc.messages))
        for position, source_row in enumerate(row["sources"]):
            _full_clean(
                _instance(Source, source_row, SOURCE_FIELDS, users), f"{where}.sources[{position}]", checker, exclude=["claim", "added_by"]
            )
        for position, note_row in enumerate(row["notes"]):
            note = _instance(Note, note_row, NOTE_FIELDS, users)
            _full_clean(note, f"{where}.notes[{position}]", checker, exclude=["claim", "author"])
        for position, event_row in enumerate(row["events"]):
            _full_clean(
                _instance(ClaimEvent, event_row, EVENT_FIELDS, users), f"{where}.events[{position}]", checker, exclude=["claim", "actor"]
            )
    for index, row in enumerate(body["publications"]):
        _full_clean(
            _instance(Publication, row, PUBLICATION_FIELDS, users), f"publications[{index}]", checker, exclude=["essay", "published_by"]
        )


# --- History: each claim's record replayed through the workflow's table ---------------------------------

REVIEWED = tuple(workflow.REVIEWED_STATUSES)
SHAPING_KINDS = (EventKind.CREATED, EventKind.EDIT, EventKind.SOURCE_ADDED, EventKind.SOURCE_REMOVED)
# The rule of the table a history entry of each kind (other than a status change) was made under.
RULE_OF_KIND = {
    EventKind.EDIT: "edit",
    EventKind.ASSIGN: "assign",
    EventKind.SOURCE_ADDED: "add_source",
    EventKind.SOURCE_REMOVED: "remove_source",
    EventKind.SPLIT: "split",
    EventKind.MERGE: "merge",
    EventKind.NOTE: "note",
}
# A verdict and its explanation start empty and are written only by recorded edits (or a creation that records them).
WRITTEN_BY_EDITS = ("verdict", "verdict_summary")
# Fields whose changes the history records; the claim's value must be where its history leads.
TRACKED_FIELDS = ("verdict", "verdict_summary", "normalized", "speaker", "claim_type", "start", "end")


def _states(states):
    return ", ".join(sorted(states)) or "nothing"


class _History:
    """One claim's history, replayed: its status over time, its tracked fields over time, its publications."""

    def __init__(self, index, row):
        self.row = row
        self.where = f"claims[{index}] (claim {row['id']})"
        positions = {id(event): position for position, event in enumerate(row["events"])}
        self.events = sorted(row["events"], key=lambda event: (_utc(event["at"]), event["id"]))
        self.event_where = {id(event): f"{self.where}.events[{positions[id(event)]}] (entry {event['id']})" for event in row["events"]}
        self.timeline = []  # (at, status) after each status change
        self.changes = {name: [] for name in TRACKED_FIELDS}  # name -> [(at, old, new)]
        self.publishes = []  # (at, actor, where)
        self.reopens = []  # (at, comment): reopenings of the published claim
        self.removed = []  # (at, url): sources removed

    def status_at(self, moment):
        status = str(Status.OPEN)
        for at, value in self.timeline:
            if at > moment:
                break
            status = value
        return status

    def value_at(self, name, moment):
        """What the history says `name` was at `moment`: the last change before it, or the first change's old value."""
        changes = self.changes[name]
        before = [new for at, _old, new in changes if at <= moment]
        if before:
            return before[-1]
        if changes:
            return changes[0][1]
        return "" if name in WRITTEN_BY_EDITS else self.row[name]

    def publish_times(self, moment):
        return [at for at, _actor, _where in self.publishes if at <= moment]

    def replay(self, checker, claim_ids):
        claim = self.row
        status = str(Status.OPEN)
        submitter = None
        shapers = []  # (username, what) since the last approval or publication
        pending_void = None  # (where, what, at): a covered change in review that must send the claim back
        for position, event in enumerate(self.events):
            where = self.event_where[id(event)]
            kind, action, at = event["kind"], event["action"], _utc(event["at"])
            changes = event["changes"]
            shaped = True
            for name, pair in changes.items():
                if not (isinstance(pair, list) and len(pair) == 2):
                    checker.fail(f"{where}.changes.{name}", "expected [old value, new value]")
                    shaped = False
            if not shaped:
                continue
            for name in CLAIM_ID_CHANGES:
                for ref in changes.get(name, []):
                    if ref is not None and (not isinstance(ref, int) or isinstance(ref, bool) or ref not in claim_ids):
                        checker.fail(f"{where}.changes.{name}", f"refers to claim {ref!r}, which is not in the file")
            if pending_void is not None:
                void_where, what, void_at = pending_void
                if not (kind == EventKind.TRANSITION and action == "return" and at == void_at):
                    checker.fail(
                        void_where,
                        f"changed {what} of a claim in review or approved without sending it back to research "
                        "(the workflow returns it, recorded, in the same moment)",
                    )
                pending_void = None
            if kind == EventKind.CREATED:
                if position != 0:
                    checker.fail(f"{where}.kind", "a claim is created once, by the first entry of its history")
                if action or event["from_status"] or event["to_status"] != Status.OPEN:
                    checker.fail(f"{where}.to_status", f"a new claim is 'open', not {event['to_status']!r}")
            elif kind == EventKind.TRANSITION:
                rule = workflow.ACTIONS.get(action)
                if rule is None:
                    checker.fail(
                        f"{where}.action", f"{action!r} is not a status change of the workflow (one of {', '.join(workflow.ACTIONS)})"
                    )
                    continue
                if event["from_status"] != status:
                    checker.fail(
                        f"{where}.from_status", f"the entry starts from {event['from_status']!r}, but the claim was {status!r} then"
                    )
                elif status not in rule.from_states:
                    checker.fail(f"{where}.from_status", f"“{action}” starts from {_states(rule.from_states)}, not {status!r}")
                if event["to_status"] != rule.target:
                    checker.fail(f"{where}.to_status", f"“{action}” leads to {rule.target!r}, not {event['to_status']!r}")
                if rule.needs_comment and not event["comment"].strip():
                    checker.fail(f"{where}.comment", f"“{action}” needs a comment that says why")
                actor = event["actor"]
                if action == "submit":
                    submitter = actor
                elif action == "approve":
                    if actor is None:
                        checker.fail(f"{where}.actor", "an approval by nobody known: four eyes cannot be checked")
                    elif actor == submitter:
                        checker.fail(f"{where}.actor", f"{actor!r} approved a verdict they submitted themselves (four eyes)")
                    else:
                        mine = [what for who, what in shapers if who == actor]
                        if mine:
                            checker.fail(
                                f"{where}.actor",
                                f"{actor!r} approved a claim whose {mine[-1]} they changed themselves since it was last approved "
                                "or published (four eyes)",
                            )
                if action in ("approve", "publish"):
                    shapers = []
                if action == "publish":
                    self.publishes.append((at, actor, where))
                if action == "reopen" and event["from_status"] == Status.PUBLISHED:
                    note = changes.get(PUBLIC_NOTE, [None, ""])[1]
                    self.reopens.append((at, {"reason": event["comment"], PUBLIC_NOTE: note if isinstance(note, str) else ""}))
                status = str(rule.target)
                self.timeline.append((at, status))
            else:
                if action or event["from_status"] or event["to_status"]:
                    checker.fail(f"{where}.action", "only a status change carries an action and from- and to-states")
                rule = workflow.RULES.get(RULE_OF_KIND.get(kind, ""))
                if rule is not None and status not in rule.from_states:
                    checker.fail(
                        f"{where}.kind",
                        f"a {kind!r} entry while the claim was {status!r}; the workflow allows “{rule.name}” only in {_states(rule.from_states)}",
                    )
            if kind in SHAPING_KINDS:
                what = self._what(kind, changes)
                if what:
                    shapers.append((event["actor"], what))
                    if kind != EventKind.CREATED and status in REVIEWED:
                        pending_void = (f"{where}.changes", what, at)
            if kind == EventKind.SOURCE_REMOVED and isinstance(changes.get("source", [None])[0], str):
                self.removed.append((at, changes["source"][0]))
            for name in TRACKED_FIELDS:
                if name in changes:
                    self.changes[name].append((at, changes[name][0], changes[name][1]))
        if pending_void is not None:
            checker.fail(pending_void[0], f"changed {pending_void[1]} of a claim in review or approved without sending it back to research")
        if claim["status"] != status:
            hint = ""
            if claim["status"] in (Status.APPROVED, Status.PUBLISHED) and status not in (Status.APPROVED, Status.PUBLISHED):
                hint = " (no approval in its history covers it)"
            checker.fail(f"{self.where}.status", f"is {claim['status']!r}, but its history leads to {status!r}{hint}")
        if claim["submitted_by"] != submitter:
            checker.fail(
                f"{self.where}.submitted_by",
                f"is {claim['submitted_by']!r}, but the last submission in its history is by {submitter!r}",
            )
        for name in TRACKED_FIELDS:
            if self.changes[name] and self.changes[name][-1][2] != claim[name]:
                checker.fail(f"{self.where}.{name}", f"is {claim[name]!r}, but its history last set it to {self.changes[name][-1][2]!r}")
            elif not self.changes[name] and name in WRITTEN_BY_EDITS and claim[name]:
                checker.fail(f"{self.where}.{name}", f"is {claim[name][:80]!r}, but no entry of its history ever wrote it")

    @staticmethod
    def _what(kind, changes):
        """What an approval covers that this entry changed (as workflow.changes_since_approval counts it), or ""."""
        if kind in (EventKind.SOURCE_ADDED, EventKind.SOURCE_REMOVED):
            return "sources"
        names = [
            name
            for name in changes
            if name in workflow.COVERED_FIELDS and not (kind == EventKind.CREATED and name in ("start", "end", "claim_type"))
        ]
        return ", ".join(names)


def _check_histories(body, checker):
    claim_ids = {claim["id"] for claim in body["claims"]}
    histories = {}
    for index, row in enumerate(body["claims"]):
        history = _History(index, row)
        history.replay(checker, claim_ids)
        histories[row["id"]] = history
    return histories


# --- Publications: each snapshot and corrections list as publishing.py would have written them -----------

SNAPSHOT_KEYS = {"essay": "dict", "claims": "list", "counts": "dict"}
SNAPSHOT_ESSAY_KEYS = {
    "title": "str",
    "slug": "str",
    "author": "str",
    "url": "str",
    "language": "str",
    "published_on": "date?",
    "text": "str",
}
SNAPSHOT_CLAIM_KEYS = {
    "id": "id",
    "start": "int",
    "end": "int",
    "quote": "str",
    "claim_type": "str",
    "speaker": "str",
    "normalized": "str",
    "verdict": "str",
    "verdict_summary": "str",
    "sources": "list",
    "published_at": "datetime",
    "updated_at": "datetime",
}
SNAPSHOT_SOURCE_KEYS = {
    "url": "str",
    "title": "str",
    "publisher": "str",
    "published_on": "date?",
    "archive_url": "str",
    "stance": "str",
    "excerpt": "str",
}
# Written since the desk keeps its own copies of sources (evidence app): the source's id (the archive link) and the
# day of the copy. Publications made before carry neither.
SNAPSHOT_SOURCE_OPTIONAL = {"id": "id", "archived_on": "date?"}
CORRECTION_KEYS = {
    "claim_id": "id",
    "quote": "str",
    "publication": "int",
    "corrected_at": "datetime",
    "reopened_at": "datetime?",
    "before": "dict",
    "after": "dict",
}
# What a correction tells readers about the reopening: since the public and internal words are apart, the public
# note given with the reopening (the reopen entry's changes["public_note"]); before, the reopening's comment ("reason").
PUBLIC_NOTE = "public_note"
CORRECTION_WORDS = {PUBLIC_NOTE: "str", "reason": "str"}
CORRECTION_BEFORE_KEYS = {"publication": "int?", "verdict": "str", "verdict_summary": "str"}
CORRECTION_AFTER_KEYS = {"verdict": "str", "verdict_summary": "str"}
VERDICT_ORDER = list(Verdict.values)


def _shaped(checker, value, keys, where, optional=None):
    """An object with exactly `keys` (and perhaps `optional` ones), each of its kind; False (problems noted) otherwise."""
    optional = optional or {}
    if not isinstance(value, dict):
        checker.fail(where, f"expected an object, found {type(value).__name__}")
        return False
    ok = True
    for key in sorted(set(keys) - set(value)):
        checker.fail(where, f"missing key {key!r}")
        ok = False
    for key in sorted(set(value) - set(keys) - set(optional)):
        checker.fail(where, f"unknown key {key!r}")
        ok = False
    for key, kind in (keys | optional).items():
        if key in value and not checker.value(value[key], kind, f"{where}.{key}"):
            ok = False
    return ok


def _same_time(a, b):
    if a is None or b is None:
        return a is None and b is None
    return _utc(a) == b if isinstance(b, dt.datetime) else _utc(a) == _utc(b)


def _check_publications(body, histories, checker):
    publications = sorted(enumerate(body["publications"]), key=lambda pair: pair[1]["number"])
    numbers = [row["number"] for _index, row in publications]
    if numbers != list(range(1, len(numbers) + 1)):
        checker.fail("publications", f"the numbers are {numbers}; an essay's publications are numbered 1, 2, 3, … without gaps")
    times = {}
    previous = None
    for index, row in publications:
        at = _utc(row["published_at"])
        if previous is not None and at <= previous[1]:
            checker.fail(f"publications[{index}].published_at", f"is not later than publication #{previous[0]}'s")
        times[at] = row
        previous = (row["number"], at)
    for history in histories.values():
        for at, actor, where in history.publishes:
            row = times.get(at)
            if row is None:
                checker.fail(f"{where}.at", "this publication of the claim is in no publication of the file")
            elif actor != row["published_by"]:
                checker.fail(f"{where}.actor", f"published by {actor!r}, but publication #{row['number']} says {row['published_by']!r}")
    text = body["text"]
    essay_history = _essay_history(body, checker)
    shown = {}  # number -> {claim id: snapshot item}, for the corrections of later publications
    for index, row in publications:
        where = f"publications[{index}] (#{row['number']})"
        at = _utc(row["published_at"])
        newly = sorted(
            (history for history in histories.values() if at in [moment for moment, _a, _w in history.publishes]),
            key=lambda history: (history.value_at("start", at), history.row["id"]),
        )
        if not newly:
            checker.fail(f"{where}.published_at", "no claim's history was published at this moment")
        shown[row["number"]] = _check_snapshot(checker, row["snapshot"], f"{where}.snapshot", at, histories, text, essay_history)
        _check_corrections(checker, row, f"{where}.corrections", at, newly, shown, text)


ESSAY_DETAILS = ("title", "author", "url", "published_on")


def _essay_history(body, checker):
    """The essay's corrections of its details, by field: [(at, old, new)], oldest first; the essay must be where they lead."""
    changes = {}
    for position, event in sorted(enumerate(body["events"]), key=lambda pair: (_utc(pair[1]["at"]), pair[1]["id"])):
        where = f"essay.events[{position}] (entry {event['id']})"
        if event["action"] != "edit":
            checker.fail(f"{where}.action", f"{event['action'][:40]!r} is not a correction of the essay's details ('edit')")
            continue
        for name, pair in event["changes"].items():
            if name not in ESSAY_DETAILS:
                checker.fail(f"{where}.changes.{name}", f"the essay's {name} cannot be corrected (only {', '.join(ESSAY_DETAILS)})")
            elif not (isinstance(pair, list) and len(pair) == 2):
                checker.fail(f"{where}.changes.{name}", "expected [old value, new value]")
            else:
                changes.setdefault(name, []).append((_utc(event["at"]), pair[0], pair[1]))
    for name, recorded in changes.items():
        if recorded[-1][2] != body[name]:
            checker.fail(f"essay.{name}", f"is {str(body[name])[:80]!r}, but its history last set it to {str(recorded[-1][2])[:80]!r}")
    return changes


def _check_snapshot(checker, snapshot, where, at, histories, text, essay_history):
    items = {}
    if not _shaped(checker, snapshot, SNAPSHOT_KEYS, where):
        return items
    essay = snapshot["essay"]
    if _shaped(checker, essay, SNAPSHOT_ESSAY_KEYS, f"{where}.essay"):
        if essay["text"] != text:
            checker.fail(f"{where}.essay.text", "is not the essay's text")
        if not essay["title"].strip() or len(essay["title"]) > 300:
            checker.fail(f"{where}.essay.title", "must be 1 to 300 characters")
        try:
            validate_slug(essay["slug"])
            if len(essay["slug"]) > 120:
                raise ValidationError("long")
        except ValidationError:
            checker.fail(f"{where}.essay.slug", f"{essay['slug'][:60]!r} is not a slug (letters, digits, - and _; at most 120)")
        if len(essay["author"]) > 200:
            checker.fail(f"{where}.essay.author", "is longer than 200 characters")
        if essay["url"] and not is_http_url(essay["url"]):
            checker.fail(f"{where}.essay.url", "is not a web address that starts with http:// or https://")
        if essay["language"] not in Language.values:
            checker.fail(f"{where}.essay.language", f"{essay['language']!r} is not one of {', '.join(Language.values)}")
        for name, changes in essay_history.items():
            # What the essay's history records: its details as they were at that moment.
            then = next((new for moment, _old, new in reversed(changes) if moment <= at), changes[0][1])
            if essay[name] != then:
                checker.fail(
                    f"{where}.essay.{name}", f"is {str(essay[name])[:80]!r}, but the essay's history says it was {str(then)[:80]!r} then"
                )
    expected = {claim_id for claim_id, history in histories.items() if history.status_at(at) == Status.PUBLISHED}
    order = []
    for position, item in enumerate(snapshot["claims"]):
        item_where = f"{where}.claims[{position}]"
        if not _shaped(checker, item, SNAPSHOT_CLAIM_KEYS, item_where):
            continue
        claim_id = item["id"]
        history = histories.get(claim_id)
        if history is None:
            checker.fail(f"{item_where}.id", f"claim {claim_id} is not a claim of this essay")
            continue
        if claim_id in items:
            checker.fail(f"{item_where}.id", f"claim {claim_id} appears twice")
            continue
        items[claim_id] = item
        order.append((item["start"], claim_id))
        if claim_id not in expected:
            checker.fail(
                f"{item_where}.id",
                f"claim {claim_id} was not published at that moment according to its history (it was {history.status_at(at)!r})",
            )
            continue
        _check_item(checker, item, item_where, at, history, text)
    for claim_id in sorted(expected - set(items)):
        checker.fail(f"{where}.claims", f"claim {claim_id} was published at that moment according to its history, but is missing")
    if order != sorted(order):
        checker.fail(f"{where}.claims", "are not in the essay's order (by start, then id)")
    counts = Counter(item["verdict"] for item in items.values())
    wanted = {verdict: counts[verdict] for verdict in VERDICT_ORDER if counts[verdict]}
    if snapshot["counts"] != wanted:
        checker.fail(f"{where}.counts", f"is {snapshot['counts']!r}, but its claims give {wanted!r}")
    return items


def _check_item(checker, item, where, at, history, text):
    claim = history.row
    claim_id = claim["id"]
    start, end = history.value_at("start", at), history.value_at("end", at)
    if item["start"] != start:
        checker.fail(f"{where}.start", f"is {item['start']}, but claim {claim_id}'s history says it started at {start!r} then")
    if item["end"] != end:
        checker.fail(f"{where}.end", f"is {item['end']}, but claim {claim_id}'s history says it ended at {end!r} then")
    if isinstance(start, int) and isinstance(end, int) and item["quote"] != text[start:end]:
        checker.fail(f"{where}.quote", "is not the essay's text of the claim's span")
    if item["verdict"] not in Verdict.values:
        checker.fail(f"{where}.verdict", f"{item['verdict'][:40]!r} is not a verdict of the desk (one of {', '.join(Verdict.values)})")
    if item["claim_type"] not in ClaimType.values:
        checker.fail(f"{where}.claim_type", f"{item['claim_type'][:40]!r} is not a claim type (one of {', '.join(ClaimType.values)})")
    for name in ("verdict", "verdict_summary", "normalized", "speaker", "claim_type"):
        then = history.value_at(name, at)
        if item[name] != then:
            checker.fail(
                f"{where}.{name}",
                f"is {item[name][:80]!r}, but claim {claim_id}'s history says its {name} was {str(then)[:80]!r} when it was published",
            )
    if not item["verdict_summary"].strip():
        checker.fail(f"{where}.verdict_summary", "a published verdict carries its explanation")
    moments = history.publish_times(at)
    if moments and not _same_time(item["published_at"], min(moments)):
        checker.fail(
            f"{where}.published_at", f"is {item['published_at']!r}, but the claim was first published at {min(moments).isoformat()}"
        )
    if moments and not _same_time(item["updated_at"], max(moments)):
        checker.fail(f"{where}.updated_at", f"is {item['updated_at']!r}, but the claim was last published at {max(moments).isoformat()}")
    _check_item_sources(checker, item["sources"], f"{where}.sources", at, history)


def _check_item_sources(checker, sources, where, at, history):
    """The claim's sources at that moment: those attached before it, and those removed since (only their address is left)."""
    unmatched = {row["id"]: row for row in history.row["sources"] if _utc(row["added_at"]) <= at}
    removed_later = Counter(url for moment, url in history.removed if moment > at)
    for position, source in enumerate(sources):
        source_where = f"{where}[{position}]"
        if not _shaped(checker, source, SNAPSHOT_SOURCE_KEYS, source_where, SNAPSHOT_SOURCE_OPTIONAL):
            continue
        if not is_http_url(source["url"]):
            checker.fail(f"{source_where}.url", "is not a web address that starts with http:// or https://")
        if source["archive_url"] and not is_http_url(source["archive_url"]):
            checker.fail(f"{source_where}.archive_url", "is not a web address that starts with http:// or https://")
        if source["stance"] not in Stance.values:
            checker.fail(f"{source_where}.stance", f"{source['stance'][:40]!r} is not one of {', '.join(Stance.values)}")
        source_id = source.get("id")
        row = unmatched.get(source_id) if source_id is not None else None
        if row is None and source_id is None:
            row = next((r for r in unmatched.values() if all(source[key] == r[key] for key in SNAPSHOT_SOURCE_KEYS)), None)
        if row is not None:
            del unmatched[row["id"]]
            for key in SNAPSHOT_SOURCE_KEYS:
                if source[key] != row[key]:
                    checker.fail(
                        f"{source_where}.{key}",
                        f"is {str(source[key])[:80]!r}, but the claim's source {row['id']} has {str(row[key])[:80]!r}",
                    )
        elif removed_later[source["url"]] > 0 and not any(source_id == r["id"] for r in history.row["sources"]):
            removed_later[source["url"]] -= 1  # removed since: only its address is left to compare
        else:
            checker.fail(
                source_where,
                f"{source['url'][:100]!r} (id {source_id}) is not a source the claim had at that moment, as its sources give it",
            )
    for row in unmatched.values():
        checker.fail(where, f"the source {row['url'][:100]!r} (id {row['id']}), attached before that moment, is missing")


def _check_corrections(checker, publication, where, at, newly, shown, text):
    corrections = publication["corrections"]
    number = publication["number"]
    expected = []
    for history in newly:
        if not any(moment < at for moment, _a, _w in history.publishes):
            continue
        claim_id = history.row["id"]
        reopened = [(moment, words) for moment, words in history.reopens if moment < at]
        words, reopened_at = (reopened[-1][1], reopened[-1][0]) if reopened else ({"reason": "", PUBLIC_NOTE: ""}, None)
        before_number, before = None, {}
        for earlier in range(number - 1, 0, -1):
            if claim_id in shown.get(earlier, {}):
                before_number, before = earlier, shown[earlier][claim_id]
                break
        start, end = history.value_at("start", at), history.value_at("end", at)
        expected.append(
            {
                "claim_id": claim_id,
                "quote": text[start:end] if isinstance(start, int) and isinstance(end, int) else None,
                "publication": number,
                "corrected_at": at,
                "reopened_at": reopened_at,
                **words,
                "before": {
                    "publication": before_number,
                    "verdict": before.get("verdict", ""),
                    "verdict_summary": before.get("verdict_summary", ""),
                },
                "after": {"verdict": history.value_at("verdict", at), "verdict_summary": history.value_at("verdict_summary", at)},
            }
        )
    if len(corrections) != len(expected):
        checker.fail(
            where,
            f"lists {len(corrections)} correction(s), but the history gives {len(expected)} "
            f"(claims published before and published again in #{number}: {[item['claim_id'] for item in expected]})",
        )
    for position, (item, wanted) in enumerate(zip(corrections, expected, strict=False)):
        item_where = f"{where}[{position}]"
        if not _shaped(checker, item, CORRECTION_KEYS, item_where, CORRECTION_WORDS):
            continue
        said = [key for key in CORRECTION_WORDS if key in item]
        if len(said) != 1:
            checker.fail(item_where, f"carries {' and '.join(map(repr, said)) or 'neither'} of 'public_note' and 'reason'; one is needed")
            continue
        before_ok = _shaped(checker, item["before"], CORRECTION_BEFORE_KEYS, f"{item_where}.before")
        after_ok = _shaped(checker, item["after"], CORRECTION_AFTER_KEYS, f"{item_where}.after")
        for key in ("claim_id", "quote", "publication", said[0]):
            if item[key] != wanted[key]:
                checker.fail(f"{item_where}.{key}", f"is {str(item[key])[:80]!r}, but the history gives {str(wanted[key])[:80]!r}")
        for key in ("corrected_at", "reopened_at"):
            if not _same_time(item[key], wanted[key]):
                shown_value = wanted[key].isoformat() if wanted[key] else None
                checker.fail(f"{item_where}.{key}", f"is {item[key]!r}, but the history gives {shown_value!r}")
        for part, ok in (("before", before_ok), ("after", after_ok)):
            if not ok:
                continue
            for key, value in wanted[part].items():
                if item[part][key] != value:
                    checker.fail(
                        f"{item_where}.{part}.{key}", f"is {str(item[part][key])[:80]!r}, but the history gives {str(value)[:80]!r}"
                    )


# --- Restore ----------------------------------------------------------------------------------------


def restore(data, trust_unsigned=False):
    """Write the essay of a checked backup into this database; returns the Essay.

    Refuses (BackupRejected, nothing written) an unsigned or wrongly signed file (unless
    trust_unsigned), a damaged or foreign file, a file whose rows break the models' rules, whose
    claims disagree with their history or whose publications are not what the desk would have
    published, or an essay the database already has (same slug or same text). The essay carries
    `kept_ids` (the file's ids were free) and `trust` ("signed" or "unsigned").
    """
    trust = check(data, trust_unsigned)
    body = data["essay"]
    try:
        with transaction.atomic():
            if Essay.objects.filter(slug=body["slug"]).exists():
                raise BackupRejected(
                    f"An essay with the slug {body['slug']!r} already exists; delete it first or restore into another database"
                )
            if Essay.objects.filter(text_hash=body["text_hash"]).exists():
                raise BackupRejected("An essay with exactly this text already exists under another slug; nothing was restored")
            keep_ids = _ids_are_free(body)
            essay = _write(data, body, keep_ids)
    except DatabaseError as exc:
        raise BackupRejected(f"The database refused the restore ({exc}); nothing was written") from None
    essay.kept_ids = keep_ids
    essay.trust = trust
    return essay


def _ids_are_free(body):
    ids = _ids(body)
    return not (
        Essay.objects.filter(pk=body["id"]).exists()
        or Claim.objects.filter(pk__in=ids["claims"]).exists()
        or Source.objects.filter(pk__in=ids["sources"]).exists()
        or Note.objects.filter(pk__in=ids["notes"]).exists()
        or ClaimEvent.objects.filter(pk__in=ids["events"]).exists()
        or Publication.objects.filter(pk__in=ids["publications"]).exists()
        or EssayEvent.objects.filter(pk__in=ids["essay events"]).exists()
    )


def _people(data):
    User = get_user_model()
    listed = {person["username"]: person for person in data["people"]}
    users = {user.get_username(): user for user in User.objects.filter(username__in=list(listed))}
    for username in sorted(set(listed) - set(users)):
        person = listed[username]
        user = User(
            username=username, first_name=person["first_name"], last_name=person["last_name"], email=person["email"], is_active=False
        )
        user.set_unusable_password()
        user.save()
        users[username] = user
    return users


def _write(data, body, keep_ids):
    users = _people(data)

    def make(model, row, fields, **links):
        obj = _instance(model, row, fields, users, **links)
        if not keep_ids:
            obj.pk = None
        return obj

    essay = make(Essay, body, ESSAY_FIELDS)
    Essay.objects.bulk_create([essay])
    claims = [make(Claim, row, CLAIM_FIELDS, essay=essay) for row in body["claims"]]
    Claim.objects.bulk_create(claims)
    new_id = {row["id"]: claim.pk for row, claim in zip(body["claims"], claims, strict=True)}
    links = []
    for row, claim in zip(body["claims"], claims, strict=True):
        refs = {name: new_id[row[name]] for name in ("duplicate_of", "split_from", "merged_into") if row[name] is not None}
        if refs:
            for name, value in refs.items():
                setattr(claim, f"{name}_id", value)
            links.append(claim)
    if links:
        Claim.objects.bulk_update(links, ["duplicate_of", "split_from", "merged_into"])
    sources, notes, events = [], [], []
    for row, claim in zip(body["claims"], claims, strict=True):
        sources += [make(Source, r, SOURCE_FIELDS, claim=claim) for r in row["sources"]]
        notes += [make(Note, r, NOTE_FIELDS, claim=claim) for r in row["notes"]]
        for r in row["events"]:
            event = make(ClaimEvent, r, EVENT_FIELDS, claim=claim)
            if not keep_ids:
                event.changes = _renumber_changes(event.changes, new_id)
            events.append(event)
    Source.objects.bulk_create(sources)
    new_source_id = {row["id"]: source.pk for row, source in zip((r for c in body["claims"] for r in c["sources"]), sources, strict=True)}
    Note.objects.bulk_create(notes)
    ClaimEvent.objects.bulk_create(events)
    publications = []
    for row in body["publications"]:
        publication = make(Publication, row, PUBLICATION_FIELDS, essay=essay)
        if not keep_ids:
            publication.snapshot, publication.corrections = _renumber_publication(
                publication.snapshot, publication.corrections, new_id, new_source_id
            )
        publications.append(publication)
    Publication.objects.bulk_create(publications)
    EssayEvent.objects.bulk_create([make(EssayEvent, row, ESSAY_EVENT_FIELDS, essay=essay) for row in body["events"]])
    if keep_ids:
        reset_sequences([Essay, Claim, Source, Note, ClaimEvent, Publication, EssayEvent])
    return essay


def reset_sequences(models):
    """After rows were written with their own ids: each table's next id is max(id)+1, never beyond."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models:
            table, column = model._meta.db_table, model._meta.pk.column
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(MAX({quote(column)}), 1), MAX({quote(column)}) IS NOT NULL) "
                    f"FROM {quote(table)}",
                    [quote(table), column],
                )
            elif connection.vendor == "sqlite":
                # AUTOINCREMENT tables hand out max(seq, max(id)) + 1: seq must not run ahead of the rows.
                cursor.execute(
                    f"UPDATE sqlite_sequence SET seq = (SELECT COALESCE(MAX({quote(column)}), 0) FROM {quote(table)}) WHERE name = %s",
                    [table],
                )
            else:
                for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
                    cursor.execute(statement)


def _renumber_changes(changes, new_id):
    result = dict(changes)
    for key in CLAIM_ID_CHANGES:
        value = result.get(key)
        if isinstance(value, list):
            result[key] = [new_id.get(item, item) if isinstance(item, int) and not isinstance(item, bool) else item for item in value]
    return result


def _renumber_publication(snapshot, corrections, new_id, new_source_id=None):
    """The claim ids (and the source ids, which the archive links use) inside a publication, renumbered."""
    new_source_id = new_source_id or {}

    def sources(item):
        return [{**source, "id": new_source_id.get(source["id"], source["id"])} if "id" in source else source for source in item["sources"]]

    snapshot = dict(snapshot)
    if isinstance(snapshot.get("claims"), list):
        snapshot["claims"] = [
            {**item, "id": new_id.get(item.get("id"), item.get("id")), "sources": sources(item)} for item in snapshot["claims"]
        ]
    corrections = [
        {**item, "claim_id": new_id.get(item.get("claim_id"), item.get("claim_id"))} if isinstance(item, dict) else item
        for item in corrections
    ]
    return snapshot, corrections
