"""Backups: export_essay → wipe → import_essay --from-json gives back every field of every row,
and a damaged, foreign or clashing file is refused before anything is written."""

import copy
import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import models

from claims import backup, workflow
from claims.models import Claim, ClaimEvent, Essay, EssayEvent, Note, Publication, Source
from claims.publishing import publish_essay

# --- A desk's worth of history on one essay ---------------------------------------------------------


def approve(claim, reviewer, editor, clock, verdict, summary, url):
    claim = workflow.transition(claim, "start", reviewer)
    clock.shift(minutes=3)
    workflow.add_source(
        claim, reviewer, url=url, title="Report «一»", publisher="Example", stance="refutes", excerpt="第3页", published_on="2025-01-31"
    )
    claim.refresh_from_db()
    claim = workflow.edit(
        claim, reviewer, {"verdict": verdict, "verdict_summary": summary, "due": "2026-12-01", "priority": 1}, claim.version
    )
    workflow.add_note(claim, reviewer, "Called the press office; no answer yet.\n第二行")
    clock.shift(minutes=5)
    claim = workflow.transition(claim, "submit", reviewer)
    clock.shift(minutes=1)
    return workflow.transition(claim, "approve", editor)


def correct_essay(essay, user, **details):
    """What claims/corrections.edit_essay writes: the new details and one history row with each field old → new."""
    current = Essay.objects.get(pk=essay.pk)
    diff = {name: [getattr(current, name), value] for name, value in details.items()}
    Essay.objects.filter(pk=essay.pk).update(**details)
    EssayEvent.objects.create(essay=essay, actor=user, action="edit", changes=diff)


@pytest.fixture
def history(essay, make_claim, editor, editor2, reviewer, reviewer2, clock):
    """Every kind of row and link: two publications with a correction, a split, a merge, a duplicate, a dismissal."""
    a = make_claim(
        "OpenAI只有150名员工", claim_type="statistic", score=0.875, reasons=["contains a number", {"weight": 0.5}], speaker="测试作者"
    )
    approve(a, reviewer, editor, clock, "mostly_true", "About 150 is right.", "https://example.org/a")
    clock.shift(hours=1)
    publish_essay(essay, editor)
    clock.shift(minutes=30)
    # A correction of the essay's details between the two publications: each snapshot shows the title of its moment.
    correct_essay(essay, editor2, title="OpenAI 与 DeepSeek（更正）", url="https://example.org/essay")
    clock.shift(minutes=30)
    a.refresh_from_db()
    a = workflow.transition(a, "reopen", editor, comment="A newer count came out.")
    a = workflow.edit(a, editor, {"verdict": "false", "verdict_summary": "It was 300."}, a.version)
    a = workflow.transition(a, "submit", editor)
    workflow.transition(a, "approve", editor2)
    clock.shift(hours=1)
    publish_essay(essay, editor2)

    b = make_claim("中国需要建立自己的ChatGPT", normalized="China needs its own ChatGPT.")
    workflow.assign(b, editor, reviewer2)
    workflow.split(b, editor, b.start + 4)
    first = make_claim("京东AI研究高管")
    second = make_claim("何晓冬对媒体称")
    workflow.merge(first, second, editor)
    c = make_claim("这些芯片总共达到了5万个", claim_type="statistic")
    workflow.transition(c, "dismiss", editor, comment="Not check-worthy: a forecast.")
    d = make_claim("这是一个好问题😀")
    Claim.objects.filter(pk=d.pk).update(duplicate_of=a)
    workflow.add_note(d, reviewer, "Emoji 😀 and RTL \u202eoverride\u202c in a note.")
    return essay


# --- Every field of every row, by natural keys --------------------------------------------------------


def _field_values(obj, spans):
    values = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key:
            continue
        if isinstance(field, models.ForeignKey):
            target = getattr(obj, field.name)
            if target is None:
                values[field.name] = None
            elif isinstance(target, User):
                values[field.name] = target.username
            elif isinstance(target, Claim):
                values[field.name] = spans[target.pk]
            else:
                values[field.name] = target.slug
        else:
            values[field.name] = getattr(obj, field.attname)
    return values


def desk_state(slug, with_ids=False):
    """The essay and all its rows as plain values keyed by natural keys (claims by span, children in order).

    Without ids, the claim ids inside JSON values (history, snapshots, corrections) become spans too.
    """
    essay = Essay.objects.get(slug=slug)
    claims = list(Claim.objects.filter(essay=essay).order_by("start", "end"))
    spans = {claim.pk: (claim.start, claim.end) for claim in claims}
    source_keys = {source.pk: (spans[source.claim_id], source.url) for source in Source.objects.filter(claim__essay=essay)}

    def rows(queryset):
        result = []
        for obj in queryset.order_by("id"):
            values = _field_values(obj, spans)
            if with_ids:
                values["id"] = obj.pk
            else:
                _ids_to_spans(values, spans, source_keys)
            result.append(values)
        return result

    return {
        "essay": _field_values(essay, spans) | ({"id": essay.pk} if with_ids else {}),
        "claims": {
            spans[claim.pk]: {
                "fields": _field_values(claim, spans) | ({"id": claim.pk} if with_ids else {}),
                "sources": rows(Source.objects.filter(claim=claim)),
                "notes": rows(Note.objects.filter(claim=claim)),
                "events": rows(ClaimEvent.objects.filter(claim=claim)),
            }
            for claim in claims
        },
        "publications": rows(Publication.objects.filter(essay=essay)),
        "essay_events": rows(EssayEvent.objects.filter(essay=essay)),
    }


def _ids_to_spans(values, spans, source_keys):
    if isinstance(values.get("changes"), dict):
        for key in backup.CLAIM_ID_CHANGES:
            if key in values["changes"]:
                values["changes"][key] = [spans.get(item, item) for item in values["changes"][key]]
    if isinstance(values.get("snapshot"), dict):
        for item in values["snapshot"]["claims"]:
            item["id"] = spans[item["id"]]
            for source in item["sources"]:
                if "id" in source:
                    source["id"] = source_keys.get(source["id"], "removed")
        for item in values["corrections"]:
            item["claim_id"] = spans[item["claim_id"]]


def table_counts():
    return {model.__name__: model.objects.count() for model in (Essay, Claim, Source, Note, ClaimEvent, Publication, EssayEvent, User)}


def resign(data):
    """Sign an edited file with the desk's own key: what only someone who holds the key can do."""
    return backup.sign(data)


def test_the_format_covers_every_field_of_every_model():
    for model, fields in backup.SCHEMAS.items():
        names = {field.name for field in model._meta.concrete_fields} - {backup.NESTED.get(model)}
        assert set(fields) == names, model.__name__


def test_the_history_fixture_has_every_kind_of_row_and_link(history):
    claims = Claim.objects.filter(essay=history)
    assert {c.status for c in claims} >= {"published", "open", "dismissed"}
    assert claims.filter(split_from__isnull=False).exists()
    assert claims.filter(merged_into__isnull=False).exists()
    assert claims.filter(duplicate_of__isnull=False).exists()
    assert claims.filter(submitted_by__isnull=False, assignee__isnull=False, due__isnull=False).exists()
    assert Publication.objects.filter(essay=history).count() == 2
    assert Publication.objects.get(essay=history, number=2).corrections
    assert Note.objects.filter(claim__essay=history).count() == 2 and Source.objects.filter(claim__essay=history).exists()
    assert EssayEvent.objects.filter(essay=history).exists()
    titles = [p.snapshot["essay"]["title"] for p in Publication.objects.filter(essay=history).order_by("number")]
    assert titles[0] != titles[1]


def test_it_restores_every_field_of_every_row_with_the_same_ids(history):
    before = desk_state(history.slug, with_ids=True)
    data = json.loads(backup.dumps(backup.export_essay(history)))
    history.delete()
    assert not Claim.objects.exists() and not ClaimEvent.objects.exists()
    essay = backup.restore(data)
    assert essay.kept_ids
    assert desk_state(essay.slug, with_ids=True) == before


def test_it_moves_the_id_sequences_past_the_restored_rows(history, editor, reviewer):
    data = backup.export_essay(history)
    # The ids the database would hand out next (the history's rows are the newest): the backup takes them,
    # and the next new rows must not collide with them.
    ahead = {
        model: model.objects.order_by("-id").values_list("id", flat=True).first() + 1
        for model in (Essay, Claim, Source, Note, ClaimEvent, Publication)
    }
    history.delete()
    shifted = copy.deepcopy(data)
    body = shifted["essay"]
    body["id"] = ahead[Essay]
    lowest = min(c["id"] for c in body["claims"])
    moved = {c["id"]: c["id"] - lowest + ahead[Claim] for c in body["claims"]}
    moved_sources = {}
    for claim in body["claims"]:
        claim["id"] = moved[claim["id"]]
        for name in ("duplicate_of", "split_from", "merged_into"):
            if claim[name] is not None:
                claim[name] = moved[claim[name]]
        for key, model in (("sources", Source), ("notes", Note), ("events", ClaimEvent)):
            for row in claim[key]:
                if model is Source:
                    moved_sources[row["id"]] = ahead[model]
                row["id"] = ahead[model]
                ahead[model] += 1
        for row in claim["events"]:
            row["changes"] = backup._renumber_changes(row["changes"], moved)
    for index, row in enumerate(body["publications"]):
        row["id"] = ahead[Publication] + index
        row["snapshot"], row["corrections"] = backup._renumber_publication(row["snapshot"], row["corrections"], moved, moved_sources)
    essay = backup.restore(resign(shifted))
    assert essay.kept_ids
    other = Essay.objects.create(title="Another", slug="another", text="Another essay, another 42 claims.", imported_by=editor)
    claim = workflow.create_claim(other, editor, 0, 7)
    workflow.add_source(claim, editor, url="https://example.org/x")
    workflow.add_note(claim, editor, "new note")
    assert Claim.objects.count() == len(body["claims"]) + 1


def test_it_renumbers_when_the_ids_are_taken_and_keeps_the_links(history, editor):
    before = desk_state(history.slug)
    data = backup.export_essay(history)
    old_ids = [c["id"] for c in data["essay"]["claims"]]
    history.delete()
    # Another essay now holds the claim ids of the backup.
    other = Essay.objects.create(title="Other", slug="other", text="x" * 200, imported_by=editor)
    for offset, pk in enumerate(old_ids):
        Claim.objects.create(pk=pk, essay=other, start=offset, end=offset + 1, quote="x")
    essay = backup.restore(data)
    assert not essay.kept_ids
    assert desk_state(essay.slug) == before
    claims = {claim.pk: claim for claim in essay.claims.all()}
    for publication in essay.publications.all():
        for item in publication.snapshot["claims"]:
            assert claims[item["id"]].quote == item["quote"]
        for correction in publication.corrections:
            assert claims[correction["claim_id"]].quote == correction["quote"]
    split = ClaimEvent.objects.get(claim__essay=essay, kind="split")
    assert claims[split.changes["new_claim"][1]].split_from_id == split.claim_id
    merge = ClaimEvent.objects.get(claim__essay=essay, kind="merge")
    assert claims[merge.changes["merged"][1]].merged_into_id == merge.claim_id


def test_it_creates_missing_people_as_inactive_accounts_without_passwords(history):
    before = desk_state(history.slug)
    data = backup.export_essay(history)
    history.delete()
    User.objects.filter(username__in=["rosa", "ravi", "eric"]).delete()
    essay = backup.restore(data)
    assert desk_state(essay.slug) == before
    for username in ("rosa", "ravi", "eric"):
        person = User.objects.get(username=username)
        assert not person.is_active and not person.has_usable_password()
        assert not person.groups.exists()
    edith = User.objects.get(username="edith")
    assert edith.is_active and edith.has_usable_password()


def test_the_file_carries_no_passwords(history):
    text = backup.dumps(backup.export_essay(history))
    for user in User.objects.all():
        assert user.password not in text
    assert "password" not in text


# --- Refusals: nothing written --------------------------------------------------------------------


@pytest.fixture
def exported(history):
    """The backup's bytes, with the essay gone from the database."""
    text = backup.dumps(backup.export_essay(history))
    history.delete()
    return text.encode("utf-8")


def refused(raw_or_data, match=None):
    counts = table_counts()
    data = raw_or_data
    with pytest.raises(backup.BackupRejected) as info:
        if isinstance(raw_or_data, bytes):
            data = backup.loads(raw_or_data)
        backup.restore(data)
    assert table_counts() == counts
    if match:
        assert match in str(info.value), str(info.value)
    return str(info.value)


@pytest.mark.parametrize("fraction", [0, 0.001, 0.25, 0.5, 0.9, 0.999])
def test_it_refuses_a_truncated_file(exported, fraction):
    refused(exported[: int(len(exported) * fraction)])


def test_it_refuses_a_file_with_any_byte_flipped(exported):
    # Every 97th byte (about 1 % of a file whose size is not a multiple of it), each flipped two ways.
    for position in range(0, len(exported), 97):
        for mask in (0x01, 0x20):
            damaged = bytearray(exported)
            damaged[position] ^= mask
            refused(bytes(damaged))


def test_it_refuses_an_edited_value_by_its_signature(exported):
    data = json.loads(exported)
    data["essay"]["claims"][0]["verdict"] = "true"
    refused(data, match="signature that does not match its content")
    data = json.loads(exported)
    data["exported_at"] = "2020-01-01T00:00:00+00:00"
    refused(data, match="signature that does not match")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d.update(format="django-dumpdata"), "Not a backup of this desk"),
        (lambda d: d.pop("format"), "Not a backup of this desk"),
        (lambda d: d.update(version=3), "format version 3"),
        (lambda d: d.update(version="1"), "format version '1'"),
        (lambda d: d.pop("signature"), "the backup is not signed"),
        (lambda d: d.update(signature="abc"), "malformed signature"),
        (lambda d: d["signature"].update(algorithm="SHA-256"), "malformed signature"),
    ],
)
def test_it_refuses_a_foreign_or_newer_file(exported, change, match):
    data = json.loads(exported)
    change(data)
    refused(data, match=match)


@pytest.mark.parametrize("raw", [b"", b"[]", b"null", b'"text"', b"\xff\xfe{", b'{"format": NaN}', b"[" * 100_000])
def test_it_refuses_what_is_not_a_backup_at_all(raw, db):
    refused(raw)


def _paths(data):
    """Every key of the file below the envelope, as (container getter, key) pairs."""
    body = data["essay"]
    claim = next(c for c in body["claims"] if c["sources"] and c["notes"] and c["events"])
    return [
        ("essay", lambda d: d["essay"], list(backup.ESSAY_FIELDS) + ["claims", "publications", "events"]),
        ("essay event", lambda d: d["essay"]["events"][0], list(backup.ESSAY_EVENT_FIELDS)),
        (
            "claim",
            lambda d: next(c for c in d["essay"]["claims"] if c["id"] == claim["id"]),
            list(backup.CLAIM_FIELDS) + ["sources", "notes", "events"],
        ),
        ("source", lambda d: next(c for c in d["essay"]["claims"] if c["id"] == claim["id"])["sources"][0], list(backup.SOURCE_FIELDS)),
        ("note", lambda d: next(c for c in d["essay"]["claims"] if c["id"] == claim["id"])["notes"][0], list(backup.NOTE_FIELDS)),
        ("event", lambda d: next(c for c in d["essay"]["claims"] if c["id"] == claim["id"])["events"][0], list(backup.EVENT_FIELDS)),
        ("publication", lambda d: d["essay"]["publications"][0], list(backup.PUBLICATION_FIELDS)),
        ("person", lambda d: d["people"][0], list(backup.PERSON_FIELDS)),
    ]


def test_it_refuses_a_file_missing_any_key(exported):
    original = json.loads(exported)
    for where, get, keys in _paths(original):
        for key in keys:
            data = copy.deepcopy(original)
            del get(data)[key]
            message = refused(resign(data))
            assert f"missing key {key!r}" in message or "not listed" in message, (where, key, message)
    for key in ("people", "essay", "exported_at"):
        data = copy.deepcopy(original)
        del data[key]
        refused(resign(data), match=f"missing key {key!r}")


def test_it_refuses_an_unknown_key(exported):
    data = json.loads(exported)
    data["essay"]["claims"][0]["secret"] = 1
    refused(resign(data), match="unknown key 'secret'")


WRONG = {
    "str": 42,
    "int": "7",
    "id": 1.5,
    "float": "0.5",
    "date": 20250131,
    "datetime": "yesterday",
    "user": ["edith"],
    "claim": "12",
    "list": {},
    "dict": [],
}


def test_it_refuses_a_wrong_type_in_any_field(exported):
    original = json.loads(exported)
    for where, get, keys in _paths(original):
        schema = {
            "essay": backup.ESSAY_FIELDS,
            "claim": backup.CLAIM_FIELDS,
            "source": backup.SOURCE_FIELDS,
            "note": backup.NOTE_FIELDS,
            "event": backup.EVENT_FIELDS,
            "publication": backup.PUBLICATION_FIELDS,
            "person": backup.PERSON_FIELDS,
            "essay event": backup.ESSAY_EVENT_FIELDS,
        }[where]
        for key in keys:
            if key not in schema:
                continue
            data = copy.deepcopy(original)
            get(data)[key] = WRONG[schema[key].rstrip("?")]
            message = refused(resign(data))
            assert f".{key}" in message or f"{key}:" in message or "people" in message, (where, key, message)
    data = copy.deepcopy(original)
    data["essay"]["claims"][0]["start"] = True
    refused(resign(data), match="expected a whole number, found bool")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d["essay"].update(title="A\x00B"), "NUL"),
        (lambda d: d["essay"]["claims"][0]["reasons"].append("\ud800"), "lone surrogate"),
        (lambda d: d["essay"]["claims"][0].update(quote="not the text"), "quote must be exactly"),
        (lambda d: d["essay"]["claims"][0].update(end=10**6), "not inside the essay"),
        (lambda d: d["essay"]["claims"][0].update(version=2**40), "out of range"),
        (lambda d: d["essay"]["claims"][0].update(status="lost"), "status"),
        (lambda d: d["essay"]["claims"][0].update(score=1.5), "score"),
        (lambda d: d["essay"]["claims"][0].update(duplicate_of=999_999), "not in the file"),
        (lambda d: d["essay"].update(text_hash="0" * 64), "does not match the essay text"),
        (lambda d: d["essay"].update(url="javascript:alert(1)"), "url"),
        (lambda d: d["essay"]["claims"].append(copy.deepcopy(d["essay"]["claims"][0])), "appears twice"),
        (lambda d: d["essay"]["publications"].append(copy.deepcopy(d["essay"]["publications"][0])), "appears twice"),
        (lambda d: d["people"].append({"username": "bad name!", "first_name": "", "last_name": "", "email": ""}), "not a valid username"),
        (lambda d: d["people"].clear(), "referenced but not listed"),
        (
            lambda d: (
                d["essay"]["claims"][0]["sources"].append({**d["essay"]["claims"][0]["sources"][0], "id": 10**9, "url": "data:text/html,x"})
                if d["essay"]["claims"][0]["sources"]
                else d["essay"].update(url="ftp://x")
            ),
            "web address",
        ),
        (lambda d: d["essay"].update(published_on="0000-00-00"), "not a date"),
        (lambda d: d["essay"].update(imported_at="2026-11-20T09:30:00"), "no time zone"),
    ],
)
def test_it_refuses_rows_that_break_the_rules(exported, change, match):
    data = json.loads(exported)
    data["essay"]["claims"].sort(key=lambda c: -len(c["sources"]))
    change(data)
    refused(resign(data), match=match)


def test_it_refuses_an_essay_that_is_already_there(history):
    data = backup.export_essay(history)
    refused(data, match="already exists")
    Essay.objects.filter(pk=history.pk).update(slug="renamed")
    refused(data, match="exactly this text already exists")


# --- The commands ---------------------------------------------------------------------------------


def test_the_commands_round_trip_through_a_file(history, tmp_path):
    before = desk_state(history.slug, with_ids=True)
    out = io.StringIO()
    call_command("export_essay", history.slug, stdout=out)
    path = tmp_path / "essay.json"
    path.write_text(out.getvalue(), encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == backup.FORMAT
    history.delete()
    said = io.StringIO()
    call_command("import_essay", "--from-json", str(path), stdout=said)
    assert "Restored" in said.getvalue() and "with the ids of the backup" in said.getvalue()
    assert desk_state("openai-deepseek", with_ids=True) == before


def test_export_can_write_the_file_itself(history, tmp_path):
    path = tmp_path / "backup.json"
    call_command("export_essay", history.slug, "--output", str(path), stderr=io.StringIO())
    assert backup.loads(path.read_bytes())["essay"]["slug"] == history.slug
    assert [p.name for p in tmp_path.iterdir()] == ["backup.json"]


def test_export_refuses_an_unknown_slug(db):
    with pytest.raises(CommandError, match="No essay with the slug 'nope'"):
        call_command("export_essay", "nope", stdout=io.StringIO())


def test_import_refuses_a_damaged_file_and_writes_nothing(exported, tmp_path):
    path = tmp_path / "essay.json"
    path.write_bytes(exported[:-200])
    counts = table_counts()
    with pytest.raises(CommandError, match="JSON is broken.*Nothing was written"):
        call_command("import_essay", "--from-json", str(path))
    assert table_counts() == counts


def test_import_explains_its_arguments(db, tmp_path):
    with pytest.raises(CommandError, match="--from-json restores a backup as it is"):
        call_command("import_essay", "essay.txt", "--from-json", "x.json")
    with pytest.raises(CommandError, match="Give the PATH"):
        call_command("import_essay")
    with pytest.raises(CommandError, match="--trust-unsigned goes with --from-json"):
        call_command("import_essay", "essay.txt", "--trust-unsigned")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_essay", "--from-json", str(tmp_path / "missing.json"))
