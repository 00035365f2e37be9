"""Backups of one essay: everything the desk knows about it, in one JSON file a desk can trust.

    {"format": "factcheck-desk/essay-backup", "version": 1, "exported_at": "...",
     "people": [{"username", "first_name", "last_name", "email"}, ...],
     "essay": {...the essay's fields..., "claims": [{...fields..., "sources": [...], "notes": [...], "events": [...]}],
               "publications": [...]},
     "sha256": "<hex digest of the canonical JSON of everything above>"}

People are referenced by username. Links between claims (duplicate_of, split_from, merged_into)
are claim ids inside the file. The checksum covers every key but itself, so a damaged file
(truncated, a flipped byte, an edited value) is refused, as are a file of another format or
version, a file with missing, unknown or mistyped keys, and a file whose essay the database
already holds. `restore` checks all of that, and every row against the models' rules, before it
writes anything; then it writes everything in one transaction.

Restoring keeps the ids of the file when they are all free (a fresh database after a loss: links
to /claims/<id>/ and the published #claim-<id> anchors keep working); otherwise the database
gives new ids and the claim ids inside publications and history are renumbered to match.
A person the database does not know is created as an inactive account without a usable password
(the history keeps their name; nobody can sign in as them until an administrator decides so);
password hashes are never written to a backup.
"""

import datetime as dt
import hashlib
import json

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from .models import Claim, ClaimEvent, Essay, Note, Publication, Source, text_fingerprint

FORMAT = "factcheck-desk/essay-backup"
VERSION = 1


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
PERSON_FIELDS = {"username": "str", "first_name": "str", "last_name": "str", "email": "str"}

# Rows nested in their parent: the parent's key is implied by the nesting.
NESTED = {Claim: "essay", Source: "claim", Note: "claim", ClaimEvent: "claim", Publication: "essay"}
SCHEMAS = {
    Essay: ESSAY_FIELDS,
    Claim: CLAIM_FIELDS,
    Source: SOURCE_FIELDS,
    Note: NOTE_FIELDS,
    ClaimEvent: EVENT_FIELDS,
    Publication: PUBLICATION_FIELDS,
}
# History entries that name other claims by id: {"key": [old, new]}.
CLAIM_ID_CHANGES = ("new_claim", "merged", "split_from")


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
    return hashlib.sha256(canonical({key: value for key, value in envelope.items() if key != "sha256"})).hexdigest()


def export_essay(essay):
    """The essay and everything attached to it, as a dict ready for json.dump (with its checksum)."""
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
    body["claims"] = [
        {
            **_row(claim, CLAIM_FIELDS),
            "sources": sources.get(claim.pk, []),
            "notes": notes.get(claim.pk, []),
            "events": events.get(claim.pk, []),
        }
        for claim in claims
    ]
    body["publications"] = [
        _row(publication, PUBLICATION_FIELDS)
        for publication in Publication.objects.filter(essay=essay).select_related("published_by").order_by("number")
    ]
    usernames = set()
    for row in _rows(body):
        usernames.update(row[name] for name in user_fk if row.get(name))
    people = [
        {"username": user.get_username(), "first_name": user.first_name, "last_name": user.last_name, "email": user.email}
        for user in User.objects.filter(username__in=usernames).order_by("username")
    ]
    envelope = {"format": FORMAT, "version": VERSION, "exported_at": timezone.now().isoformat(), "people": people, "essay": body}
    envelope["sha256"] = checksum(envelope)
    return envelope


def dumps(envelope):
    """The file's text: indented for people to read; the checksum does not depend on the layout."""
    return json.dumps(envelope, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def _rows(body):
    yield body
    for claim in body.get("claims", []):
        yield claim
        yield from claim.get("sources", [])
        yield from claim.get("notes", [])
        yield from claim.get("events", [])
    yield from body.get("publications", [])


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


def check_envelope(data):
    """Format, version and checksum: what tells a damaged or foreign file from a backup."""
    if not isinstance(data, dict):
        raise BackupRejected("Not a backup: the file holds a JSON " + type(data).__name__ + ", not an object")
    if data.get("format") != FORMAT:
        raise BackupRejected(f"Not a backup of this desk: the format is {data.get('format')!r}, expected {FORMAT!r}")
    version = data.get("version")
    if version != VERSION or isinstance(version, bool):
        raise BackupRejected(f"This backup is in format version {version!r}; this desk reads version {VERSION}")
    expected = data.get("sha256")
    if not isinstance(expected, str):
        raise BackupRejected("The backup carries no checksum (sha256), so damage could not be detected")
    try:
        actual = checksum(data)
    except (UnicodeEncodeError, ValueError) as exc:
        raise BackupRejected(f"The backup is damaged: {exc}") from None
    if actual != expected:
        raise BackupRejected("The backup is damaged or was edited: its checksum does not match its content")
    missing = {"exported_at", "people", "essay"} - set(data)
    unknown = set(data) - {"format", "version", "exported_at", "people", "essay", "sha256"}
    if missing or unknown:
        raise BackupRejected(
            "The backup's layout is wrong",
            [f"missing key {key!r}" for key in sorted(missing)] + [f"unknown key {key!r}" for key in sorted(unknown)],
        )


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
        if base in ("int", "id", "claim") and not (0 <= value < (2**31 if base == "int" else 2**63)):
            self.fail(where, f"{value} is out of range")
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
        if base == "date":
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                self.fail(where, f"{value!r} is not a date (YYYY-MM-DD)")
                return False
        if base == "datetime":
            try:
                parsed = dt.datetime.fromisoformat(value)
            except ValueError:
                self.fail(where, f"{value!r} is not a date and time (ISO 8601)")
                return False
            if parsed.tzinfo is None:
                self.fail(where, f"{value!r} has no time zone")
                return False
        if base == "user":
            self.usernames.add(value)
        if base == "claim":
            self.claim_refs.append((where, value))
        return True


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
        return dt.datetime.fromisoformat(value)
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


def check(data):
    """Everything restore() needs to know the file is sound; raises BackupRejected listing every problem."""
    check_envelope(data)
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
    if not checker.row(body, ESSAY_FIELDS, "essay", nested=("claims", "publications")):
        raise BackupRejected("The backup cannot be restored", checker.problems)
    claim_ids, spans = set(), set()
    for index, claim in enumerate(body["claims"]):
        where = f"claims[{index}]"
        if not checker.row(claim, CLAIM_FIELDS, where, nested=("sources", "notes", "events")):
            continue
        if claim["id"] in claim_ids:
            checker.fail(where, f"claim id {claim['id']} appears twice")
        claim_ids.add(claim["id"])
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


def _ids(body):
    claims = body["claims"]
    return {
        "claims": [c["id"] for c in claims],
        "sources": [r["id"] for c in claims for r in c["sources"]],
        "notes": [r["id"] for c in claims for r in c["notes"]],
        "events": [r["id"] for c in claims for r in c["events"]],
        "publications": [p["id"] for p in body["publications"]],
    }


def _check_rows(body, checker):
    """The models' own rules (choices, lengths, URLs, check constraints) on every row, without writing."""
    users = {}  # usernames stay unresolved here: the rules never look at who did what
    essay = _instance(Essay, body, ESSAY_FIELDS, users)
    _full_clean(essay, "essay", checker, exclude=["imported_by"])
    if essay.text_hash != text_fingerprint(essay.text):
        checker.fail("essay.text_hash", "does not match the essay text")
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


# --- Restore ----------------------------------------------------------------------------------------


def restore(data):
    """Write the essay of a checked backup into this database; returns the Essay.

    Refuses (BackupRejected, nothing written) a damaged or foreign file, a file whose rows break
    the models' rules, or an essay the database already has (same slug or same text).
    """
    check(data)
    body = data["essay"]
    if Essay.objects.filter(slug=body["slug"]).exists():
        raise BackupRejected(f"An essay with the slug {body['slug']!r} already exists; delete it first or restore into another database")
    if Essay.objects.filter(text_hash=body["text_hash"]).exists():
        raise BackupRejected("An essay with exactly this text already exists under another slug; nothing was restored")
    keep_ids = _ids_are_free(body)
    try:
        with transaction.atomic():
            essay = _write(data, body, keep_ids)
    except DatabaseError as exc:
        raise BackupRejected(f"The database refused the restore ({exc}); nothing was written") from None
    essay.kept_ids = keep_ids
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
    Note.objects.bulk_create(notes)
    ClaimEvent.objects.bulk_create(events)
    publications = []
    for row in body["publications"]:
        publication = make(Publication, row, PUBLICATION_FIELDS, essay=essay)
        if not keep_ids:
            publication.snapshot, publication.corrections = _renumber_publication(publication.snapshot, publication.corrections, new_id)
        publications.append(publication)
    Publication.objects.bulk_create(publications)
    if keep_ids:
        # Rows came with their ids: move the sequences past them (PostgreSQL; a no-op on SQLite).
        statements = connection.ops.sequence_reset_sql(no_style(), [Essay, Claim, Source, Note, ClaimEvent, Publication])
        if statements:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
    return essay


def _renumber_changes(changes, new_id):
    result = dict(changes)
    for key in CLAIM_ID_CHANGES:
        value = result.get(key)
        if isinstance(value, list):
            result[key] = [new_id.get(item, item) if isinstance(item, int) and not isinstance(item, bool) else item for item in value]
    return result


def _renumber_publication(snapshot, corrections, new_id):
    snapshot = dict(snapshot)
    if isinstance(snapshot.get("claims"), list):
        snapshot["claims"] = [
            {**item, "id": new_id.get(item.get("id"), item.get("id"))} if isinstance(item, dict) else item for item in snapshot["claims"]
        ]
    corrections = [
        {**item, "claim_id": new_id.get(item.get("claim_id"), item.get("claim_id"))} if isinstance(item, dict) else item
        for item in corrections
    ]
    return snapshot, corrections
