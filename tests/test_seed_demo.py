"""seed_demo: the bundled essay at several workflow stages, a corrected publication, and demo accounts."""

import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse

from claims.models import Claim, ClaimEvent, Essay, Note, Publication, Source, Status, is_http_url
from claims.roles import is_desk_member, is_editor

ACCOUNTS = ["editor", "editor2", "reviewer1", "reviewer2"]


def seed():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def passwords(output):
    return dict(re.findall(r"^\s+(editor2?|reviewer[12])\s+(\S+)\s+\(", output, re.M))


@pytest.fixture
def seeded(db):
    return seed()


def test_it_creates_the_accounts_with_their_roles(seeded):
    users = {u.username: u for u in User.objects.filter(username__in=ACCOUNTS)}
    assert set(users) == set(ACCOUNTS)
    assert is_editor(users["editor"]) and is_editor(users["editor2"])
    assert is_desk_member(users["reviewer1"]) and not is_editor(users["reviewer1"])
    assert is_desk_member(users["reviewer2"]) and not is_editor(users["reviewer2"])


def test_it_prints_working_generated_passwords_once(seeded):
    printed = passwords(seeded)
    assert set(printed) == set(ACCOUNTS)
    assert len(set(printed.values())) == 4
    for username, password in printed.items():
        assert len(password) >= 16
        assert User.objects.get(username=username).check_password(password)
        assert password not in User.objects.get(username=username).password  # stored hashed, never in clear


def test_the_passwords_are_not_fixed(seeded):
    first = passwords(seeded)
    Essay.objects.filter(slug="deepseek-china-innovation").delete()
    User.objects.filter(username__in=ACCOUNTS).delete()
    second = passwords(seed())
    assert set(first) == set(second) == set(ACCOUNTS)
    assert all(first[name] != second[name] for name in ACCOUNTS)


def test_it_puts_claims_at_every_stage(seeded):
    essay = Essay.objects.get(slug="deepseek-china-innovation")
    assert essay.language == "zh"
    assert essay.text == open("claims/sample/essay-deepseek-zh.txt", encoding="utf-8").read()
    statuses = {status: Claim.objects.filter(essay=essay, status=status).count() for status in Status.values}
    assert statuses["published"] == 5
    assert statuses["in_review"] == 2
    assert statuses["researching"] == 3
    assert statuses["open"] >= 1
    assert statuses["approved"] == 0
    researching = Claim.objects.filter(essay=essay, status=Status.RESEARCHING)
    assert Note.objects.filter(claim__in=researching).count() >= 3
    assert Source.objects.filter(claim__in=researching).exists()
    assert Claim.objects.filter(essay=essay, status=Status.OPEN, assignee__isnull=False).count() >= 2


def test_every_published_claim_has_a_verdict_sources_and_an_explanation(seeded):
    for claim in Claim.objects.filter(status=Status.PUBLISHED):
        assert claim.verdict and len(claim.verdict_summary) > 80
        assert claim.normalized
        urls = list(claim.sources.values_list("url", flat=True))
        assert urls and all(is_http_url(url) for url in urls)


def test_it_publishes_twice_with_one_correction(seeded):
    first, second = Publication.objects.filter(essay__slug="deepseek-china-innovation").order_by("number")
    assert (first.number, second.number) == (1, 2)
    assert (first.published_by.username, second.published_by.username) == ("editor", "editor2")
    [correction] = second.corrections
    assert correction["before"]["verdict"] == "true"
    assert correction["after"]["verdict"] == "mostly_true"
    assert "approximation" in correction["public_note"]
    assert "reason" not in correction  # the editors' internal reason stays in the history
    assert len(second.snapshot["claims"]) == 5


def test_the_history_is_real_and_keeps_four_eyes(seeded):
    for claim in Claim.objects.filter(status=Status.PUBLISHED):
        events = list(ClaimEvent.objects.filter(claim=claim, kind="transition").order_by("at", "id"))
        actions = [e.action for e in events]
        assert actions[:4] == ["start", "submit", "approve", "publish"]
        submits = [e.actor_id for e in events if e.action == "submit"]
        approvals = [e.actor_id for e in events if e.action == "approve"]
        assert all(approver not in submits for approver in approvals)
    corrected = Claim.objects.get(pk=Publication.objects.get(number=2).corrections[0]["claim_id"])
    actions = list(ClaimEvent.objects.filter(claim=corrected, kind="transition").order_by("at", "id").values_list("action", flat=True))
    assert actions == ["start", "submit", "approve", "publish", "reopen", "submit", "approve", "publish"]


def test_a_second_run_changes_nothing_and_says_so(seeded):
    before = [model.objects.count() for model in (User, Essay, Claim, ClaimEvent, Source, Note, Publication)]
    hashes = list(User.objects.order_by("username").values_list("password", flat=True))
    output = seed()
    assert "already there" in output and "Nothing changed" in output
    assert "changepassword" in output
    assert passwords(output) == {}
    assert [model.objects.count() for model in (User, Essay, Claim, ClaimEvent, Source, Note, Publication)] == before
    assert list(User.objects.order_by("username").values_list("password", flat=True)) == hashes


def test_it_refuses_to_take_over_existing_accounts(db):
    User.objects.create_user(username="editor", password="not-the-demo-password")
    with pytest.raises(CommandError, match="never takes over existing accounts"):
        seed()
    assert not Essay.objects.exists()
    assert User.objects.count() == 1


def test_the_public_page_shows_the_demo(client, seeded):
    response = client.get(reverse("public_essay", args=["deepseek-china-innovation"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "DeepSeek的成功与中国创新之辩" in html
    assert "Last correction" in html
    assert "semianalysis.com/2025/01/31/deepseek-debates/" in html
    assert "High-Flyer self funded" not in html  # a claim still in review stays private
    assert client.get(reverse("public_essay_version", args=["deepseek-china-innovation", 1])).status_code == 200
