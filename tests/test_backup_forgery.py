# ruff: noqa: F811  (the history fixture of test_backup is imported and named as a parameter)
"""Backups a desk can trust: a forged file is refused, whoever sealed it, with nothing written and every page still up.

Each case starts from a real backup (the history fixture of test_backup: two publications with a correction, a split,
a merge, a dismissal), moved to another slug so that it could be restored beside the essay it came from, then forged
the way issue 12 found it could be. Most forged files are re-signed with the desk's own key (what only an insider
holding BACKUP_KEY could do): the content checks must catch them anyway. The signature cases show what anyone
without the key meets first.
"""

import copy
import io
import json

import pytest
from django.core.management import CommandError, call_command

from claims import backup, importing, workflow
from claims.models import Claim, ClaimEvent, Essay, Publication, Source
from tests.conftest import client_for
from tests.test_backup import desk_state, history, table_counts  # noqa: F401  (history: the fixture, used by name)

OTHER_KEY = b"another desk's backup key, never this one"


def as_another_essay(data):
    """The same backup as an essay the database does not hold yet: another slug, the text with a trailing newline."""
    data = copy.deepcopy(data)
    body = data["essay"]
    body["slug"] = body["slug"] + "-copy"
    body["text"] = body["text"] + "\n"
    body["text_hash"] = backup.text_fingerprint(body["text"])
    for publication in body["publications"]:
        publication["snapshot"]["essay"]["text"] = body["text"]
        publication["snapshot"]["essay"]["slug"] = body["slug"]
    return backup.sign(data)


@pytest.fixture
def desk(history, editor):
    """The desk with its published essay still in place, and a signed backup of it that could be restored beside it."""
    data = as_another_essay(json.loads(backup.dumps(backup.export_essay(history))))
    return {"essay": history, "data": data, "editor": editor}


def find(data, predicate):
    return next(claim for claim in data["essay"]["claims"] if predicate(claim))


def published_claim(data):
    return find(data, lambda claim: claim["status"] == "published")


def event(claim, action):
    return next(e for e in claim["events"] if e["action"] == action)


# "/" sends the desk to its dashboard; readers (anonymous) get the published essays there.
PAGES = [
    "/p/{slug}/",
    "/api/v1/essays/{slug}/claimreview/",
    "/dashboard/",
    "/dashboard/?_export=csv",
    "/api/v1/claims/",
]


def assert_pages_answer(editor, slug):
    client = client_for(editor)
    for page in PAGES:
        response = client.get(page.format(slug=slug))
        assert response.status_code == 200, (page, response.status_code)
    anonymous = client_for(None)
    for page in ("/", "/p/{slug}/"):
        assert anonymous.get(page.format(slug=slug)).status_code == 200, page


def next_claim_id(n=[0]):  # noqa: B006  (a counter: each probe essay has its own text and slug)
    """What the database hands out next: a claim created now (rolled back by the test's transaction)."""
    n[0] += 1
    other = Essay.objects.create(title="Probe", slug=f"probe-{n[0]}", text=f"Probe essay number {n[0]} with words in it.")
    return Claim.objects.create(essay=other, start=0, end=7, quote=other.text[:7]).pk


def refused(desk, data, match, trust_unsigned=False):
    """Restoring `data` is refused with a message containing `match`; nothing is written; the desk still answers."""
    counts = table_counts()
    before = desk_state(desk["essay"].slug, with_ids=True)
    with pytest.raises(backup.BackupRejected) as info:
        backup.restore(data, trust_unsigned=trust_unsigned)
    message = str(info.value)
    assert match in message, message
    assert table_counts() == counts
    assert desk_state(desk["essay"].slug, with_ids=True) == before
    assert not Essay.objects.filter(slug=data["essay"]["slug"]).exists() if isinstance(data.get("essay"), dict) else True
    assert_pages_answer(desk["editor"], desk["essay"].slug)
    return message


# --- What an untampered file does ----------------------------------------------------------------


def test_the_untampered_file_is_restored_beside_the_essay_and_every_page_answers(desk):
    essay = backup.restore(desk["data"])
    assert essay.trust == "signed" and not essay.kept_ids
    assert essay.claims.count() == desk["essay"].claims.count()
    assert essay.publications.count() == 2
    assert_pages_answer(desk["editor"], essay.slug)
    assert_pages_answer(desk["editor"], desk["essay"].slug)


def test_a_legitimate_backup_round_trips_into_an_empty_database_identically(history, editor):
    before = desk_state(history.slug, with_ids=True)
    text = backup.dumps(backup.export_essay(history))
    history.delete()
    essay = backup.restore(backup.loads(text.encode("utf-8")))
    assert essay.kept_ids and essay.trust == "signed"
    assert desk_state(essay.slug, with_ids=True) == before
    # Exported again, it is the same file but for the moment of export and the signature over it.
    again = backup.export_essay(essay)
    first = json.loads(text)
    for data in (first, again):
        data.pop("exported_at"), data.pop("signature")
    assert again == first
    assert_pages_answer(editor, essay.slug)


def test_after_a_restore_with_its_ids_the_next_rows_get_max_id_plus_one(history, editor):
    data = backup.export_essay(history)
    history.delete()
    # Ids high up (but under the cap): the sequence must follow them to max+1, and not one further.
    body = copy.deepcopy(data)["essay"]
    shift = 1_000_000
    moved = {claim["id"]: claim["id"] + shift for claim in body["claims"]}
    for claim in body["claims"]:
        claim["id"] = moved[claim["id"]]
        for name in ("duplicate_of", "split_from", "merged_into"):
            if claim[name] is not None:
                claim[name] = moved[claim[name]]
        for row in claim["events"]:
            row["changes"] = backup._renumber_changes(row["changes"], moved)
    for row in body["publications"]:
        row["snapshot"], row["corrections"] = backup._renumber_publication(row["snapshot"], row["corrections"], moved)
    shifted = backup.sign({**data, "essay": body})
    essay = backup.restore(shifted)
    assert essay.kept_ids
    highest = max(moved.values())
    # A new import: its claims come right after the restored ones.
    imported = importing.import_essay(
        title="After the restore", text="2024年，该公司有300名员工。这个数字在2025年增长了50%。", language="zh", user=editor
    )
    ids = sorted(imported.claims.values_list("id", flat=True))
    assert ids and ids[0] == highest + 1, (ids, highest)
    claim = workflow.create_claim(imported, editor, 0, 5)
    assert claim.pk == ids[-1] + 1


# --- The signature -------------------------------------------------------------------------------


def test_a_re_sealed_plain_checksum_is_refused_as_unsigned(desk):
    data = copy.deepcopy(desk["data"])
    published_claim(data)["verdict"] = "true"
    del data["signature"]
    data["sha256"] = backup.checksum(data)  # what anyone can recompute after an edit
    message = refused(desk, data, "not signed: it carries only a plain SHA-256 checksum")
    assert "--trust-unsigned" in message


def test_a_version_1_file_re_sealed_after_an_edit_is_refused_as_unsigned(desk):
    data = copy.deepcopy(desk["data"])
    del data["signature"]
    data["version"] = 1
    published_claim(data)["verdict_summary"] = "Rewritten by someone."
    data["sha256"] = backup.checksum(data)
    refused(desk, data, "not signed: it carries only a plain SHA-256 checksum")


def test_an_edit_after_signing_is_refused(desk):
    data = copy.deepcopy(desk["data"])
    published_claim(data)["verdict"] = "true"
    refused(desk, data, "has a signature that does not match its content: it was edited or damaged after it was signed")


def test_a_file_without_any_seal_is_refused(desk):
    data = copy.deepcopy(desk["data"])
    del data["signature"]
    refused(desk, data, "Refused: the backup is not signed.")


def test_a_backup_signed_with_another_key_is_refused_until_the_key_is_shared(desk, settings):
    data = backup.sign(copy.deepcopy(desk["data"]), key=OTHER_KEY)
    message = refused(desk, data, "was signed with another key")
    assert backup.key_fingerprint(OTHER_KEY) in message and backup.key_fingerprint() in message
    assert "set BACKUP_KEY to the key of the desk that wrote it" in message
    settings.BACKUP_KEY = OTHER_KEY.decode()
    essay = backup.restore(data)
    assert essay.trust == "signed"


def test_the_key_is_derived_from_secret_key_unless_backup_key_is_set(settings):
    settings.BACKUP_KEY = ""
    derived = backup.backup_key()
    assert derived != settings.SECRET_KEY.encode()
    settings.SECRET_KEY = settings.SECRET_KEY + "-rotated"
    assert backup.backup_key() != derived
    settings.BACKUP_KEY = "shared between two desks"
    assert backup.backup_key() == b"shared between two desks"


def test_trust_unsigned_accepts_an_unsigned_file_that_passes_every_other_check(desk):
    data = copy.deepcopy(desk["data"])
    del data["signature"]
    essay = backup.restore(data, trust_unsigned=True)
    assert essay.trust == "unsigned"
    assert_pages_answer(desk["editor"], essay.slug)


def test_trust_unsigned_accepts_a_version_1_file_and_still_checks_its_checksum_for_damage(desk):
    data = copy.deepcopy(desk["data"])
    del data["signature"]
    data["version"] = 1
    data["sha256"] = backup.checksum(data)
    damaged = copy.deepcopy(data)
    damaged["people"][0]["first_name"] = "Changed"
    refused(desk, damaged, "SHA-256 checksum does not match", trust_unsigned=True)
    assert backup.restore(data, trust_unsigned=True).trust == "unsigned"


def test_trust_unsigned_still_refuses_an_unsigned_file_that_fails_another_check(desk):
    data = copy.deepcopy(desk["data"])
    del data["signature"]
    claim = published_claim(data)
    data["essay"]["publications"][-1]["snapshot"]["claims"][0]["verdict"] = "true"
    refused(desk, data, f"but claim {claim['id']}'s history says its verdict was 'false'", trust_unsigned=True)
    wrong_key = backup.sign(copy.deepcopy(desk["data"]), key=OTHER_KEY)
    find(wrong_key, lambda c: c["status"] == "dismissed" and c["merged_into"] is None).update(
        status="approved", verdict="true", verdict_summary="Approved by nobody."
    )
    refused(desk, wrong_key, "but its history leads to 'dismissed'", trust_unsigned=True)


# --- Status against history --------------------------------------------------------------------------


@pytest.fixture
def in_review(desk, reviewer, editor2, clock):
    """The backup of an essay with one claim submitted for review (by rosa) and not approved."""
    essay = desk["essay"]
    claim = Claim.objects.get(essay=essay, quote="京东AI研究高管何晓冬对媒体称")  # the merged one: open
    claim = workflow.transition(claim, "start", reviewer)
    workflow.add_source(claim, reviewer, url="https://example.org/jd", title="JD", stance="supports")
    claim.refresh_from_db()
    claim = workflow.edit(claim, reviewer, {"verdict": "true", "verdict_summary": "He said so."}, claim.version)
    clock.shift(minutes=1)
    workflow.transition(claim, "submit", reviewer)
    data = as_another_essay(json.loads(backup.dumps(backup.export_essay(essay))))
    return {**desk, "data": data, "claim_id": claim.pk}


def test_status_approved_without_an_approval_in_the_history_is_refused(in_review):
    data = copy.deepcopy(in_review["data"])
    claim = find(data, lambda c: c["id"] == in_review["claim_id"])
    claim["status"] = "approved"  # its submitter would then publish it
    message = refused(
        in_review, backup.sign(data), "'approved', but its history leads to 'in_review' (no approval in its history covers it)"
    )
    assert f"(claim {claim['id']}).status" in message


def test_status_published_without_a_publication_is_refused(in_review):
    data = copy.deepcopy(in_review["data"])
    find(data, lambda c: c["id"] == in_review["claim_id"])["status"] = "published"
    refused(in_review, backup.sign(data), "'published', but its history leads to 'in_review'")


def test_an_approval_by_the_submitter_is_refused(in_review, reviewer):
    data = copy.deepcopy(in_review["data"])
    claim = find(data, lambda c: c["id"] == in_review["claim_id"])
    submit = event(claim, "submit")
    claim["events"].append(
        {**submit, "id": 10**6, "action": "approve", "from_status": "in_review", "to_status": "approved", "version": submit["version"] + 1}
    )
    claim["status"] = "approved"
    claim["version"] += 1
    refused(in_review, backup.sign(data), "'rosa' approved a verdict they submitted themselves (four eyes)")


def test_an_approval_by_someone_who_wrote_the_verdict_is_refused(in_review, editor, reviewer):
    """The write–submit–approve of issue 12 point 2: edith wrote the verdict, rosa submitted, edith approves."""
    data = copy.deepcopy(in_review["data"])
    claim = find(data, lambda c: c["id"] == in_review["claim_id"])
    edit = next(e for e in claim["events"] if e["kind"] == "edit")
    edit["actor"] = "edith"
    submit = event(claim, "submit")
    claim["events"].append(
        {**submit, "id": 10**6, "actor": "edith", "action": "approve", "from_status": "in_review", "to_status": "approved"}
    )
    claim["status"] = "approved"
    refused(in_review, backup.sign(data), "'edith' approved a claim whose verdict, verdict_summary they changed themselves")


def test_an_approval_by_nobody_known_is_refused(in_review):
    data = copy.deepcopy(in_review["data"])
    claim = find(data, lambda c: c["id"] == in_review["claim_id"])
    submit = event(claim, "submit")
    claim["events"].append({**submit, "id": 10**6, "actor": None, "action": "approve", "from_status": "in_review", "to_status": "approved"})
    claim["status"] = "approved"
    refused(in_review, backup.sign(data), "an approval by nobody known")


def test_a_status_change_the_workflow_has_no_rule_for_is_refused(desk):
    data = copy.deepcopy(desk["data"])
    claim = find(data, lambda c: c["status"] == "dismissed" and c["merged_into"] is None)
    dismiss = event(claim, "dismiss")
    dismiss.update(action="publish", to_status="published")  # open → published in one step
    claim.update(status="published", verdict="true", verdict_summary="Published without a review.")
    message = refused(desk, backup.sign(data), "“publish” starts from approved, not 'open'")
    assert "events[" in message and ".from_status" in message


def test_a_verdict_changed_after_approval_without_going_back_is_refused(desk):
    data = copy.deepcopy(desk["data"])
    claim = published_claim(data)
    approval = [e for e in claim["events"] if e["action"] == "approve"][-1]
    claim["events"].append(
        {
            **approval,
            "id": 10**6,
            "kind": "edit",
            "action": "",
            "from_status": "",
            "to_status": "",
            "changes": {"verdict": ["false", "true"]},
            "at": approval["at"],
        }
    )
    claim["verdict"] = "true"
    refused(desk, backup.sign(data), "changed verdict of a claim in review or approved without sending it back to research")


def test_a_verdict_that_its_history_never_gave_is_refused(desk):
    data = copy.deepcopy(desk["data"])
    claim = published_claim(data)
    claim["verdict"] = "true"
    refused(desk, backup.sign(data), "verdict: is 'true', but its history last set it to 'false'")


def test_a_verdict_that_no_history_entry_wrote_is_refused(desk):
    data = copy.deepcopy(desk["data"])
    claim = find(data, lambda c: c["status"] == "open" and not any(e["kind"] == "edit" for e in c["events"]))
    claim["verdict"] = "false"
    message = refused(desk, backup.sign(data), "verdict: is 'false', but no entry of its history ever wrote it")
    assert f"(claim {claim['id']}).verdict" in message


def test_a_forged_submitter_is_refused(in_review):
    data = copy.deepcopy(in_review["data"])
    find(data, lambda c: c["id"] == in_review["claim_id"])["submitted_by"] = "ravi"
    refused(in_review, backup.sign(data), "submitted_by: is 'ravi', but the last submission in its history is by 'rosa'")


# --- Publications: snapshots and corrections ----------------------------------------------------------


def latest_snapshot(data):
    return max(data["essay"]["publications"], key=lambda p: p["number"])["snapshot"]


def test_a_forged_snapshot_verdict_is_refused(desk):
    data = copy.deepcopy(desk["data"])
    snapshot = latest_snapshot(data)
    item = snapshot["claims"][0]
    item["verdict"] = "true"
    snapshot["counts"] = {"true": 1}  # consistent with itself, not with the history
    message = refused(desk, backup.sign(data), f"verdict: is 'true', but claim {item['id']}'s history says its verdict was 'false'")
    assert "publications[1] (#2).snapshot.claims[0].verdict" in message


def test_a_forged_snapshot_explanation_and_statement_are_refused(desk):
    data = copy.deepcopy(desk["data"])
    item = latest_snapshot(data)["claims"][0]
    item["verdict_summary"] = "Readers see this instead."
    item["normalized"] = "Another statement altogether."
    message = refused(desk, backup.sign(data), "verdict_summary: is 'Readers see this instead.'")
    assert "normalized: is 'Another statement altogether.'" in message


@pytest.mark.parametrize(
    ("forge", "match"),
    [
        (lambda s: s["claims"][0].update(verdict="pants_on_fire"), "'pants_on_fire' is not a verdict of the desk"),
        (lambda s: s["claims"][0].update(sources="https://example.org/a"), "claims[0].sources: expected a list, found str"),
        (lambda s: s["claims"][0].pop("quote"), "claims[0]: missing key 'quote'"),
        (lambda s: s["claims"][0].update(quote=["OpenAI"]), "claims[0].quote: expected text, found list"),
        (lambda s: s["claims"][0].update(id="1"), "claims[0].id: expected a whole number, found str"),
        (lambda s: s["claims"][0].update(id=-1), "claims[0].id: the id -1 is out of range"),
        (lambda s: s["claims"][0].update(id=999_999), "claim 999999 is not a claim of this essay"),
        (lambda s: s["claims"][0].update(start=-5), "claims[0].start: -5 is out of range"),
        (lambda s: s["claims"][0].update(published_at="9999-12-31T23:00:00-14:00"), "out of range once in UTC"),
        (lambda s: s["claims"][0].update(updated_at=None), "claims[0].updated_at: may not be null"),
        (lambda s: s["claims"][0].update(claim_type="rumour"), "'rumour' is not a claim type"),
        (lambda s: s["claims"][0].update(extra=1), "claims[0]: unknown key 'extra'"),
        (lambda s: s["claims"][0]["sources"][0].update(url="javascript:alert(1)"), "sources[0].url: is not a web address"),
        (lambda s: s["claims"][0]["sources"][0].update(stance="maybe"), "sources[0].stance: 'maybe' is not one of"),
        (lambda s: s["claims"][0]["sources"][0].update(id=2**63 - 1), "sources[0].id: the id 9223372036854775807 is out of range"),
        (lambda s: s["claims"][0]["sources"][0].update(archived_on="yesterday"), "archived_on: 'yesterday' is not a date"),
        (lambda s: s["claims"][0]["sources"].clear(), "attached before that moment, is missing"),
        (lambda s: s["claims"].append(copy.deepcopy(s["claims"][0])), "appears twice"),
        (lambda s: s["claims"].clear(), "was published at that moment according to its history, but is missing"),
        (lambda s: s.update(claims={}), "snapshot.claims: expected a list, found dict"),
        (lambda s: s.pop("counts"), "snapshot: missing key 'counts'"),
        (lambda s: s.update(counts={"mostly_true": "1"}), "snapshot.counts: is {'mostly_true': '1'}, but its claims give"),
        (lambda s: s["essay"].update(text="Another essay altogether."), "snapshot.essay.text: is not the essay's text"),
        (lambda s: s["essay"].update(slug="../../admin"), "snapshot.essay.slug: '../../admin' is not a slug"),
        (lambda s: s["essay"].update(language="fr"), "snapshot.essay.language: 'fr' is not one of"),
        (lambda s: s["essay"].update(url="data:text/html,x"), "snapshot.essay.url: is not a web address"),
        (lambda s: s["essay"].pop("title"), "snapshot.essay: missing key 'title'"),
        (lambda s: s.update(essay="OpenAI"), "snapshot.essay: expected an object, found str"),
    ],
)
def test_snapshot_fields_of_the_wrong_kind_or_value_are_refused(desk, forge, match):
    data = copy.deepcopy(desk["data"])
    forge(latest_snapshot(data))
    refused(desk, backup.sign(data), match)


def test_a_snapshot_that_shows_an_unpublished_claim_is_refused(desk):
    data = copy.deepcopy(desk["data"])
    snapshot = latest_snapshot(data)
    other = find(data, lambda c: c["status"] == "open" and c["split_from"] is None and c["merged_into"] is None)
    snapshot["claims"].append(
        {**snapshot["claims"][0], "id": other["id"], "start": other["start"], "end": other["end"], "quote": other["quote"]}
    )
    refused(desk, backup.sign(data), f"claim {other['id']} was not published at that moment according to its history (it was 'open')")


def test_a_snapshot_title_the_essay_never_had_then_is_refused(desk):
    data = copy.deepcopy(desk["data"])
    first = min(data["essay"]["publications"], key=lambda p: p["number"])["snapshot"]
    first["essay"]["title"] = "OpenAI 与 DeepSeek（更正）"  # the corrected title, shown before it was corrected
    refused(desk, backup.sign(data), "(#1).snapshot.essay.title: is 'OpenAI 与 DeepSeek（更正）', but the essay's history says it was")


def test_essay_details_that_its_history_does_not_lead_to_are_refused(desk):
    data = copy.deepcopy(desk["data"])
    data["essay"]["url"] = "https://example.org/elsewhere"
    refused(
        desk, backup.sign(data), "essay.url: is 'https://example.org/elsewhere', but its history last set it to 'https://example.org/essay'"
    )
    data = copy.deepcopy(desk["data"])
    data["essay"]["events"][0]["changes"]["slug"] = ["a", "b"]
    refused(desk, backup.sign(data), "essay.events[0] (entry")


def test_a_publication_the_history_never_made_is_refused(desk):
    data = copy.deepcopy(desk["data"])
    extra = copy.deepcopy(max(data["essay"]["publications"], key=lambda p: p["number"]))
    extra.update(id=10**6, number=3, published_at="2026-11-21T09:30:00+00:00", corrections=[])
    data["essay"]["publications"].append(extra)
    refused(desk, backup.sign(data), "no claim's history was published at this moment")


def correction(data):
    return max(data["essay"]["publications"], key=lambda p: p["number"])["corrections"]


@pytest.mark.parametrize(
    ("forge", "match"),
    [
        (lambda c: c[0]["before"].update(verdict="true"), "corrections[0].before.verdict: is 'true', but the history gives 'mostly_true'"),
        (lambda c: c[0]["after"].update(verdict_summary="Quietly changed."), "after.verdict_summary: is 'Quietly changed.'"),
        (lambda c: c[0].update(corrected_at="2020-01-01T00:00:00+00:00"), "corrections[0].corrected_at: is '2020-01-01T00:00:00+00:00'"),
        (lambda c: c[0].update(claim_id=c[0]["claim_id"] + 1), "corrections[0].claim_id: is"),
        (lambda c: c[0]["before"].update(publication=7), "corrections[0].before.publication: is '7', but the history gives '1'"),
        (lambda c: c.clear(), "lists 0 correction(s), but the history gives 1"),
        (lambda c: c.append(copy.deepcopy(c[0])), "lists 2 correction(s), but the history gives 1"),
        (lambda c: c[0].pop("before"), "corrections[0]: missing key 'before'"),
        (lambda c: c[0].update(before="mostly_true"), "corrections[0].before: expected an object, found str"),
        (lambda c: c[0].update(reopened_at="9999-12-31T23:00:00-14:00"), "out of range once in UTC"),
    ],
)
def test_a_forged_corrections_list_is_refused(desk, forge, match):
    data = copy.deepcopy(desk["data"])
    forge(correction(data))
    refused(desk, backup.sign(data), match)


def test_the_words_of_a_correction_are_those_of_the_reopening(desk):
    data = copy.deepcopy(desk["data"])
    item = correction(data)[0]
    words = "public_note" if "public_note" in item else "reason"
    item[words] = "A reason nobody gave."
    refused(desk, backup.sign(data), f"corrections[0].{words}: is 'A reason nobody gave.'")
    item.pop(words)
    refused(desk, backup.sign(data), "carries neither of 'public_note' and 'reason'")


# --- Times and ids -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "place",
    [
        lambda d: d["essay"]["claims"][0],
        lambda d: d["essay"],
        lambda d: d["essay"]["claims"][0]["events"][0],
        lambda d: d["essay"]["publications"][0],
        lambda d: d,
    ],
)
def test_year_9999_in_minus_14_is_refused_not_stored_as_year_10000(desk, place):
    data = copy.deepcopy(desk["data"])
    row = place(data)
    name = next(key for key in ("created_at", "imported_at", "at", "published_at", "exported_at") if key in row)
    row[name] = "9999-12-31T23:00:00-14:00"
    message = refused(desk, backup.sign(data), f"{name}: '9999-12-31T23:00:00-14:00' is out of range once in UTC (years 1900–2200)")
    assert "not in the file" not in message, message  # the one problem, not a trail of others


def test_times_outside_1900_to_2200_in_utc_are_refused(desk):
    data = copy.deepcopy(desk["data"])
    data["essay"]["claims"][0]["updated_at"] = "2200-12-31T23:30:00-01:00"  # 2201 in UTC
    refused(desk, backup.sign(data), "is out of range: 2201-01-01T00:30:00+00:00 in UTC (years 1900–2200)")
    data = copy.deepcopy(desk["data"])
    data["essay"]["claims"][0]["due"] = "9999-12-31"
    refused(desk, backup.sign(data), "due: '9999-12-31' is out of range (years 1000–2200)")


def test_ids_at_2_63_minus_1_are_refused_and_the_sequence_is_not_moved(desk):
    expected_next = next_claim_id() + 1
    data = copy.deepcopy(desk["data"])
    claim = data["essay"]["claims"][0]
    top = 2**63 - 1
    for row in data["essay"]["claims"]:
        for name in ("duplicate_of", "split_from", "merged_into"):
            if row[name] == claim["id"]:
                row[name] = top
    claim["id"] = top
    refused(desk, backup.sign(data), "id: the id 9223372036854775807 is out of range (ids run from 1 to 2147483647)")
    data = copy.deepcopy(desk["data"])
    data["essay"]["claims"][0]["events"][0]["id"] = top
    refused(desk, backup.sign(data), "the id 9223372036854775807 is out of range")
    data = copy.deepcopy(desk["data"])
    data["essay"]["id"] = top
    refused(desk, backup.sign(data), "essay.id: the id 9223372036854775807 is out of range")
    assert next_claim_id() == expected_next


# --- The commands ------------------------------------------------------------------------------------


def test_the_command_refuses_a_forged_file_with_a_clear_message_and_a_nonzero_exit(desk, tmp_path):
    data = copy.deepcopy(desk["data"])
    published_claim(data)["verdict"] = "true"
    del data["signature"]
    data["sha256"] = backup.checksum(data)
    path = tmp_path / "forged.json"
    path.write_text(backup.dumps(data), encoding="utf-8")
    counts = table_counts()
    with pytest.raises(CommandError, match="not signed: it carries only a plain SHA-256 checksum.*Nothing was written"):
        call_command("import_essay", "--from-json", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="history last set it to 'false'.*Nothing was written"):
        call_command("import_essay", "--from-json", str(path), "--trust-unsigned", stdout=io.StringIO())
    assert table_counts() == counts
    assert_pages_answer(desk["editor"], desk["essay"].slug)


def test_the_command_restores_an_unsigned_valid_file_only_on_trust_unsigned(desk, tmp_path):
    data = copy.deepcopy(desk["data"])
    del data["signature"]
    path = tmp_path / "unsigned.json"
    path.write_text(backup.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match="the backup is not signed"):
        call_command("import_essay", "--from-json", str(path), stdout=io.StringIO())
    out = io.StringIO()
    call_command("import_essay", "--from-json", str(path), "--trust-unsigned", stdout=out)
    assert "NOT signed with this desk's backup key: restored on --trust-unsigned" in out.getvalue()
    assert Essay.objects.filter(slug=data["essay"]["slug"]).exists()


def test_the_exported_file_is_signed_and_names_the_key(history, tmp_path):
    path = tmp_path / "signed.json"
    err = io.StringIO()
    call_command("export_essay", history.slug, "--output", str(path), stderr=err)
    data = backup.loads(path.read_bytes())
    assert data["version"] == backup.VERSION and "sha256" not in data
    assert data["signature"]["algorithm"] == "HMAC-SHA256" and data["signature"]["key"] == backup.key_fingerprint()
    assert backup.key_fingerprint() in err.getvalue()
    assert backup.check(data) == "signed"


def test_every_sequence_follows_the_restored_rows_exactly(history, editor):
    data = backup.export_essay(history)
    history.delete()
    essay = backup.restore(data)
    assert essay.kept_ids
    highest = {model: max(model.objects.values_list("id", flat=True)) for model in (Essay, Claim, Source, ClaimEvent, Publication)}
    assert next_claim_id() == highest[Claim] + 1
    assert Essay.objects.filter(slug__startswith="probe-").get().pk == highest[Essay] + 1
    claim = Claim.objects.filter(essay=essay, status="open").first()
    source = workflow.add_source(claim, editor, url="https://example.org/after-restore")
    assert source.pk == highest[Source] + 1
    assert ClaimEvent.objects.filter(claim=claim).order_by("-id").first().pk == highest[ClaimEvent] + 1


def test_the_demo_desk_made_by_the_workflow_itself_passes_every_check_and_round_trips(db):
    """seed_demo drives the real workflow (import, research, review, publish, a correction): its record must pass."""
    call_command("seed_demo", stdout=io.StringIO())
    for essay in Essay.objects.filter(publications__isnull=False).distinct():
        before = desk_state(essay.slug, with_ids=True)
        data = json.loads(backup.dumps(backup.export_essay(essay)))
        assert backup.check(copy.deepcopy(data)) == "signed"
        essay.delete()
        restored = backup.restore(data)
        assert restored.kept_ids
        assert desk_state(restored.slug, with_ids=True) == before
