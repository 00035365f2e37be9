"""The reasons of a proposal, stored in the engine's English, are shown in the reader's language."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from claims.extraction import propose
from claims.extraction.scoring import LABELS
from claims.models import Claim
from claims.reasons import FIXED, PATTERNS, translate_reason, translate_reasons
from tests.browser_helpers import ENGLISH_REASON
from tests.conftest import client_for

SAMPLES = sorted((Path(settings.BASE_DIR) / "claims" / "sample").glob("*.txt"))
# What a reason found, between the parentheses or after the prefix: it must survive the translation.
WORDS = re.compile(r"\((?P<found>[^()]*)\)$")
WHO = re.compile(r"^(?:names(?! a place \()|quoted statement of|quotes|attributed to|source given:) (?P<found>[^(]+?)(?: \(|$)")


def engine_reasons():
    """Every reason the engine gives on the bundled essays, checkworthy or not."""
    reasons = set()
    for path in SAMPLES:
        for proposal in propose(path.read_text(encoding="utf-8"), include_all=True):
            reasons.update(proposal.reasons)
    return sorted(reasons)


def test_the_engine_gives_every_kind_of_reason_the_tests_below_translate():
    # The tests below read the engine's reasons on the bundled essays; each pattern and each
    # fixed wording the translator knows must occur there, or its translation goes untested.
    reasons = engine_reasons() + [r for p in propose("“这家公司在2019年只有150名员工。”", "zh") for r in p.reasons]
    assert [pattern.pattern for pattern, _ in PATTERNS if not any(pattern.fullmatch(r) for r in reasons)] == []
    assert [fixed for fixed in FIXED if fixed not in reasons] == []


def test_it_translates_every_reason_the_engine_gives_on_the_bundled_essays():
    reasons = engine_reasons()
    with translation.override("zh-hans"):
        untranslated = [r for r in reasons if translate_reason(r) == r or ENGLISH_REASON.match(translate_reason(r))]
    assert untranslated == []


def test_it_keeps_the_words_each_reason_found():
    lost = []
    with translation.override("zh-hans"):
        for reason in engine_reasons():
            if reason in FIXED:
                continue
            shown = translate_reason(reason)
            found = [m.group("found") for m in (WORDS.search(reason), WHO.search(reason)) if m]
            assert found, reason
            for word in ", ".join(found).replace(" earlier in the sentence", "").split(", "):
                if word and word not in shown:
                    lost.append((reason, shown, word))
    assert lost == []


def test_it_leaves_english_as_the_engine_wrote_it():
    with translation.override("en"):
        assert [r for r in engine_reasons() if translate_reason(r) != r] == []


@pytest.mark.parametrize(
    "reason, chinese",
    [
        ("contains a number (150名员工)", "含有数字（150名员工）"),
        ("attributed to 何晓冬 (称)", "出自 何晓冬（称）"),
        ("source given: SemiAnalysis (according to)", "注明来源：SemiAnalysis（according to）"),
        ("names a place (北京)", "提到地点（北京）"),
        ("names DeepSeek, OpenAI", "提到名称：DeepSeek、OpenAI"),
        ("quoted statement of 梁文峰", "梁文峰 的引语"),
        ("quoted statement (speaker not named)", "引语（未注明说话人）"),
        ("lowered: first-person opinion (在我看来 earlier in the sentence, 我们应)", "降分：第一人称观点（句中前文的“在我看来”、我们应）"),
        ("uncertain wording, but it states a checkable figure ($25,000 per)", "措辞不确定，但给出了可核查的数字（$25,000 per）"),
        ("no checkable detail found (no number, date, name or attribution)", "没有可核查的细节（没有数字、日期、名称或出处）"),
    ],
)
def test_it_translates_each_kind_of_reason(reason, chinese):
    with translation.override("zh-hans"):
        assert translate_reason(reason) == chinese


def test_it_translates_every_stance_the_engine_can_lower_a_score_for():
    with translation.override("zh-hans"):
        for label in LABELS.values():
            shown = translate_reason(f"lowered: {label} (可能)")
            assert shown.startswith("降分：") and shown.endswith("（可能）") and label not in shown, (label, shown)


@pytest.mark.parametrize("stored", ["contains a number", "a reviewer's own words", "names", "lowered: something new (x)", ""])
def test_it_shows_unknown_wording_as_stored(stored):
    with translation.override("zh-hans"):
        assert translate_reason(stored) == stored


@pytest.mark.parametrize(
    "stored, shown", [(None, []), ([], []), ({"a": 1}, []), (7, []), ("names X", ["提到名称：X"]), ([3, "names X"], ["3", "提到名称：X"])]
)
def test_it_accepts_whatever_the_json_field_holds(stored, shown):
    with translation.override("zh-hans"):
        assert translate_reasons(stored) == shown


def test_it_shows_the_reasons_on_the_claim_page_in_the_readers_language(make_claim, reviewer):
    claim = make_claim(
        "京东AI研究高管何晓冬对媒体称",
        reasons=["attributed to 何晓冬 (称)", "names <script>alert(1)</script>", "contains a number"],
    )
    client = client_for(reviewer)
    chinese = client.get(claim.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert "<li>出自 何晓冬（称）</li>" in chinese
    assert "<li>提到名称：&lt;script&gt;alert(1)&lt;/script&gt;</li>" in chinese
    assert "<li>contains a number</li>" in chinese
    english = client.get(claim.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<li>attributed to 何晓冬 (称)</li>" in english


@pytest.mark.parametrize("stored", [{"not": "a list"}, "names X", 12])
def test_it_shows_the_claim_page_whatever_the_reasons_hold(make_claim, reviewer, stored):
    claim = make_claim("OpenAI只有150名员工")
    Claim.objects.filter(pk=claim.pk).update(reasons=stored)
    response = client_for(reviewer).get(claim.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 200
    assert ("提到名称：X" in response.content.decode()) == (stored == "names X")


def test_it_shows_the_reasons_of_the_import_preview_in_the_readers_language(editor_client):
    text = "2019年，OpenAI只有150名员工。根据SemiAnalysis，这些芯片总共达到了5万个。"
    response = editor_client.post("/essays/import/", {"title": "预览", "text": text, "preview": "1"}, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 200
    page = response.content.decode()
    assert "含有数字（150名员工）" in page
    assert "注明来源：SemiAnalysis（根据）" in page
    assert "contains a number" not in page and "source given" not in page
