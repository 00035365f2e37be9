"""The claim proposal engine: plain Python, no database.

Run: .venv/bin/python -m pytest -s tests/test_extraction.py  (-s prints recall and precision)
"""

import json
from pathlib import Path

import jieba
import pytest

import claims
from claims.extraction import DEFAULT_THRESHOLD, Proposal, detect_language, duplicates, propose

SAMPLES = Path(claims.__file__).parent / "sample"
ANNOTATIONS = Path(__file__).parent / "data" / "annotations"
ZH_ESSAY = (SAMPLES / "essay-deepseek-zh.txt").read_text(encoding="utf-8")
EN_ESSAY = (SAMPLES / "essay-en-sample.txt").read_text(encoding="utf-8")


def _overlap(a_start, a_end, b_start, b_end):
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def evaluate(text, proposals, items):
    """Recall and precision of proposals against hand annotations.

    Matching rule: each annotated item is located by its snippet (first occurrence in
    the text). A gold check-worthy assertion is recalled when some proposal's span
    overlaps it by at least 50% of the gold span's length. A proposal is a true positive
    when it overlaps any gold check-worthy assertion at all; every other proposal is a
    false positive.
    """
    gold = []
    for item in items:
        start = text.find(item["text"])
        assert start >= 0, f"annotation not found in the essay: {item['text']!r}"
        if item["checkworthy"]:
            gold.append((start, start + len(item["text"]), item["text"]))
    recalled = [g for g in gold if any(_overlap(p.start, p.end, g[0], g[1]) >= 0.5 * (g[1] - g[0]) for p in proposals)]
    true_positives = [p for p in proposals if any(_overlap(p.start, p.end, g[0], g[1]) > 0 for g in gold)]
    return {
        "gold": len(gold),
        "recalled": len(recalled),
        "proposed": len(proposals),
        "true_positives": len(true_positives),
        "recall": len(recalled) / len(gold) if gold else 1.0,
        "precision": len(true_positives) / len(proposals) if proposals else 1.0,
        "missed": [g[2] for g in gold if g not in recalled],
        "false_positives": [p.quote for p in proposals if p not in true_positives],
    }


def _annotations(name):
    return json.loads((ANNOTATIONS / name).read_text(encoding="utf-8"))


def _assert_anchored(text, proposals):
    previous_end = 0
    for p in proposals:
        assert 0 <= p.start < p.end <= len(text)
        assert text[p.start : p.end] == p.quote
        assert p.start >= previous_end, "proposals overlap or are out of order"
        previous_end = p.end
        assert 0.0 <= p.score <= 1.0
        assert p.reasons and all(isinstance(r, str) and r for r in p.reasons)
        assert p.claim_type in ("statistic", "quote", "attribution", "event", "comparison", "other")


def _find(proposals, fragment):
    found = [p for p in proposals if fragment in p.quote]
    assert found, f"no proposal contains {fragment!r}: {[p.quote for p in proposals]}"
    return found[0]


# --- quality on the hand-annotated essays ------------------------------------------------


@pytest.mark.parametrize(
    ("essay", "annotation", "language"),
    [(ZH_ESSAY, "essay-deepseek-zh.json", "zh"), (EN_ESSAY, "essay-en-sample.json", "en")],
    ids=["zh", "en"],
)
def test_it_recalls_and_is_precise_on_annotated_essays(essay, annotation, language):
    items = _annotations(annotation)["items"]
    proposals = propose(essay, language)
    result = evaluate(essay, proposals, items)
    print(
        f"\n{annotation}: recall {result['recall']:.3f} ({result['recalled']}/{result['gold']}), "
        f"precision {result['precision']:.3f} ({result['true_positives']}/{result['proposed']})"
    )
    for missed in result["missed"]:
        print(f"  missed: {missed}")
    for extra in result["false_positives"]:
        print(f"  not check-worthy: {extra}")
    assert result["recall"] >= 0.9
    assert result["precision"] >= 0.7


def test_it_uses_every_annotation_snippet_once():
    for name, essay in (("essay-deepseek-zh.json", ZH_ESSAY), ("essay-en-sample.json", EN_ESSAY)):
        for item in _annotations(name)["items"]:
            assert item["text"] in essay
            assert isinstance(item["checkworthy"], bool) and item["why"]


def test_it_anchors_every_proposal_of_the_sample_essays():
    _assert_anchored(ZH_ESSAY, propose(ZH_ESSAY, include_all=True))
    _assert_anchored(EN_ESSAY, propose(EN_ESSAY, include_all=True))


# --- Chinese ------------------------------------------------------------------------------


def test_it_splits_chinese_with_mixed_full_width_and_ascii_punctuation():
    text = "2019年,OpenAI只有150名员工;DeepSeek有多少人?我不知道。京东在2023年设立了研发中心:一共200人。"
    quotes = [p.quote for p in propose(text, "zh", include_all=True)]
    assert quotes == ["2019年,OpenAI只有150名员工", "DeepSeek有多少人?", "我不知道。", "京东在2023年设立了研发中心", "一共200人。"]


def test_it_counts_offsets_in_code_points_outside_the_bmp():
    text = "😀𠀀 序言。\u200f2019年,OpenAI只有150名员工。"
    proposals = propose(text, "zh")
    _assert_anchored(text, proposals)
    assert _find(proposals, "150名员工").start == text.index("2019")


def test_it_splits_a_quotation_of_several_sentences_into_quoted_claims():
    text = (
        "Anthropic的首席执行官Dario Amodei描述了芯片情况:“DeepSeek在2023年买到了1万个芯片。"
        "我不相信出口管制曾经有效。根据SemiAnalysis,这些芯片总共达到了5万个。”"
    )
    proposals = propose(text, "zh")
    _assert_anchored(text, proposals)
    bought = _find(proposals, "1万个芯片")
    assert (bought.claim_type, bought.speaker) == ("quote", "Dario Amodei")
    assert "quoted statement of Dario Amodei" in bought.reasons
    counted = _find(proposals, "5万个")
    assert (counted.claim_type, counted.speaker) == ("statistic", "SemiAnalysis")
    assert not any("我不相信" in p.quote for p in proposals)
    assert not any("描述了芯片情况" in p.quote for p in proposals), "the introduction is not a claim of its own"


def test_it_names_the_subject_before_称_as_speaker():
    text = "2022年12月,京东AI研究高管何晓冬对媒体称,中国的互联网生态系统需要建立自己的ChatGPT。"
    (claim,) = propose(text, "zh")
    assert (claim.speaker, claim.claim_type) == ("何晓冬", "attribution")
    assert any(r.startswith("attributed to 何晓冬") for r in claim.reasons)
    assert "mentions a date (2022年12月)" in claim.reasons


def test_it_names_the_source_after_根据_as_speaker():
    (claim,) = propose("根据SemiAnalysis,这些芯片是H100、H800和H20的组合,总共达到了5万个。", "zh")
    assert (claim.speaker, claim.claim_type) == ("SemiAnalysis", "statistic")
    assert "contains a number (5万个)" in claim.reasons


def test_it_proposes_a_question_that_presupposes_a_fact():
    (claim,) = propose("梁文峰最近与国务院总理的会面是否对DeepSeek未来的监管环境有利?", "zh")
    assert any(r.startswith("the question presupposes a fact (梁文峰最近与国务院总理的会面") for r in claim.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "简而言之,DeepSeek能持续打破常规多久呢?",
        "在我看来,这种分歧关乎对中国增长来源的基本分歧——它是依赖于转移技术,还是依靠本土创新。",
        "如果美国决心收紧中国对AI芯片的获取,情况可能会更加复杂。",
        "虽然我希望“技术转让与本土创新”视角有帮助,但我必须承认这是一种虚假的二元对立。",
        "那些认为中国成功取决于获取外国技术的人会认为,中国面临着存在风险。",
    ],
    ids=["question", "opinion", "conditional", "opinion-with-quoted-term", "viewpoint"],
)
def test_it_does_not_propose_opinion_questions_or_speculation(text):
    assert propose(text, "zh") == []
    assert all(not p.checkworthy for p in propose(text, "zh", include_all=True))


def test_it_keeps_a_quoted_term_inside_the_authors_sentence():
    text = "虽然我希望“技术转让与本土创新”视角有助于思考中国的创新体系,但我必须承认这一点。"
    proposals = propose(text, "zh", include_all=True)
    assert proposals[0].quote == "虽然我希望“技术转让与本土创新”视角有助于思考中国的创新体系"
    assert all(p.claim_type != "quote" for p in proposals)


def test_it_drops_separator_lines_and_republication_notices():
    boilerplate_start = ZH_ESSAY.index("------")
    proposals = propose(ZH_ESSAY, "zh", include_all=True)
    assert proposals
    assert all(p.end <= boilerplate_start for p in proposals)
    text = "OpenAI在2019年只有150名员工。\n\n=====\n本文转载自某某网,2023年1月1日发布,共1000字。\n"
    assert [p.quote for p in propose(text, "zh", include_all=True)] == ["OpenAI在2019年只有150名员工。"]


def test_it_groups_the_repeated_paragraphs_of_the_seed_essay():
    proposals = propose(ZH_ESSAY, "zh", include_all=True)
    first = _find(proposals, "中国科技行业能否彻底改变其劳资关系")
    later = _find(proposals, "中国科技行业能否彻底改革其劳资关系")
    assert later.duplicate_of == proposals.index(first)
    assert first.duplicate_of is None
    test_first = _find(proposals, "真正的考验在于主流")
    test_later = _find(proposals, "真正的考验在于,主流")
    assert test_later.duplicate_of == proposals.index(test_first)
    grouped = [p for p in proposals if p.duplicate_of is not None]
    assert len(grouped) == 2, [p.quote for p in grouped]


def test_it_points_duplicates_at_a_returned_proposal():
    text = "OpenAI在2019年只有150名员工。中间一句。OpenAI在2019年只有150名员工!"
    proposals = propose(text, "zh")
    assert [p.duplicate_of for p in proposals] == [None, 0]


def test_it_groups_near_duplicates_without_comparing_every_pair():
    texts = [f"第{i}份报告称,公司在{i}年雇佣了{i * 7}名员工,这些员工主要来自本地。" for i in range(3000)]
    texts.append("完全不同的一句话,没有任何相似之处,也不应该被分组。")
    roots = duplicates.group(texts)
    assert roots[0] is None
    assert all(r is not None for r in roots[1:3000])
    assert roots[3000] is None


def test_it_proposes_several_claims_from_one_sentence():
    proposals = propose(ZH_ESSAY, "zh")
    sentence_start = ZH_ESSAY.index("OpenAI和DeepSeek之间的相似之处")
    sentence_end = ZH_ESSAY.index("但就像几年前的OpenAI一样")
    inside = [p for p in proposals if sentence_start <= p.start < sentence_end]
    statistic = _find(inside, "150名员工")
    assert (statistic.claim_type, statistic.speaker) == ("statistic", "")
    speakers = {p.speaker for p in inside if p.claim_type == "quote"}
    assert speakers == {"梁文峰", "Sam Altman"}
    assert _find(inside, "钱从来不是我们的问题").speaker == "梁文峰"


# --- English ------------------------------------------------------------------------------


def test_it_splits_english_sentences_around_abbreviations():
    text = "Dr. Smith said the U.S. economy grew 2.5% in 2023. I think that is good news. What comes next?"
    proposals = propose(text, "en", include_all=True)
    assert [p.quote for p in proposals] == [
        "Dr. Smith said the U.S. economy grew 2.5% in 2023.",
        "I think that is good news.",
        "What comes next?",
    ]
    assert [p.checkworthy for p in proposals] == [True, False, False]
    assert proposals[0].speaker == "Smith"


def test_it_follows_an_english_quotation_across_sentences():
    text = (
        'The mill closed in 2019. "We went from 340 workers to six," said Dana Whitfield, the union\'s last organiser. '
        '"Nobody covered the town meetings for two years. Nobody came."'
    )
    proposals = propose(text, "en", include_all=True)
    _assert_anchored(text, proposals)
    workers = _find(proposals, "340 workers")
    assert (workers.claim_type, workers.speaker, workers.checkworthy) == ("quote", "Dana Whitfield", True)
    assert _find(proposals, "Nobody covered").speaker == "Dana Whitfield"
    assert not _find(proposals, "said Dana Whitfield").checkworthy


def test_it_names_the_source_after_according_to():
    text = "Print advertising revenue fell from $49 billion in 2005 to under $10 billion by 2020, according to figures compiled by the Pew Research Center."
    (claim,) = propose(text, "en")
    assert (claim.speaker, claim.claim_type) == ("Pew Research Center", "statistic")


def test_it_weighs_english_questions_opinions_and_conditionals():
    proposals = propose(
        "Why did Harlow Media, which bought the Courier in 2019, cut its newsroom in half? "
        "Does anyone notice when reporters leave? In my view, no strategy could have saved it. "
        "If things change, the town might recover.",
        "en",
        include_all=True,
    )
    assert [p.checkworthy for p in proposals] == [True, False, False, False]
    assert any("presupposes" in r for r in proposals[0].reasons)


def test_it_keeps_a_conditional_that_states_a_figure():
    text = (
        "If Congress passed the Local Journalism Sustainability Act, publishers could claim a tax credit of up to $25,000 per journalist."
    )
    (claim,) = propose(text, "en")
    assert any("checkable figure" in r for r in claim.reasons)


# --- the public contract ------------------------------------------------------------------


def test_it_detects_the_language():
    assert detect_language(ZH_ESSAY) == "zh"
    assert detect_language(EN_ESSAY) == "en"
    assert detect_language("") == "en"
    assert detect_language("梁文峰 said the talks with 国务院 went well, according to reporters in Beijing.") == "en"
    assert detect_language("OpenAI和DeepSeek之间的相似之处令人瞩目") == "zh"


def test_it_returns_only_checkworthy_proposals_unless_asked_for_all():
    checkworthy = propose(ZH_ESSAY)
    everything = propose(ZH_ESSAY, include_all=True)
    assert checkworthy and all(p.checkworthy and p.score >= DEFAULT_THRESHOLD for p in checkworthy)
    assert {(p.start, p.end) for p in checkworthy} < {(p.start, p.end) for p in everything}
    assert any(not p.checkworthy for p in everything)
    assert [p.start for p in everything] == sorted(p.start for p in everything)


def test_it_applies_a_custom_threshold():
    strict = propose(ZH_ESSAY, threshold=0.9)
    assert strict and all(p.score >= 0.9 for p in strict)
    assert len(strict) < len(propose(ZH_ESSAY))


def test_it_serialises_a_proposal_to_json():
    proposal = propose("根据SemiAnalysis,这些芯片总共达到了5万个。")[0]
    assert isinstance(proposal, Proposal)
    data = json.loads(json.dumps(proposal.to_dict(), ensure_ascii=False))
    assert set(data) == {"start", "end", "quote", "claim_type", "speaker", "score", "reasons", "checkworthy", "duplicate_of"}
    assert data["reasons"] == list(proposal.reasons)
    with pytest.raises(AttributeError):
        proposal.score = 1.0  # frozen


def test_it_refuses_an_unknown_language():
    with pytest.raises(ValueError):
        propose("text", "fr")


# --- bad input: never raises, always anchored ----------------------------------------------

BAD_INPUTS = {
    "empty": "",
    "whitespace": " \n\t\u3000\r\n ",
    "no-sentence-end": "OpenAI在2019年只有150名员工 DeepSeek在2023年有5万个芯片 没有标点",
    "no-sentence-end-en": "the company had 150 employees in 2019 and nobody said otherwise",
    "mixed-scripts": "Sam Altman说:“我们在2019年只有150名员工。” Then he left. Привет, мир! مرحبا 2023年。",
    "emoji-outside-bmp": "😀🚀 OpenAI在2019年只有150名员工😀。𠀀𠀁 DeepSeek说🚀“钱不是问题”。🎉",
    "rtl-marks": "\u200fOpenAI在2019年只有150名员工。\u202eDeepSeek说\u202c:\u200e“钱不是问题”\u200f。",
    "nul-bytes": 'OpenAI\x00在2019年\x00只有150名员工。\x00\x00 He said\x00 "we had 5 staff" in 2020.',
    "only-punctuation": "。。。？！“”‘’——;;::,,、……",
    "unbalanced-quotes": '“他说:“2019年只有150名员工。‘钱不是问题。 He said "we had 5 staff in 2020.',
    "nested-quotes": "“" * 300 + "2019年只有150名员工。" + "”" * 300,
    "brackets": "(((2019年只有150名员工。))))))（（（DeepSeek在2023年）",
    "separator-only": "------\n=====\n版权声明:本文版权归原作者所有。",
    "long-line-no-space": "a" * 50_000 + "。" + "9" * 20_000,
    # Lines that nearly match a separator or boilerplate pattern, or a clause break.
    "long-rule-then-text": "-" * 50_000 + "x\n" + " " * 50_000 + "版权\n" + "，" + " " * 50_000 + "但" + "Ab " * 20_000,
    "many-wrapped-lines": "the company had 150 employees in 2019 and nobody said otherwise\n" * 5_000,
}


@pytest.mark.parametrize("language", [None, "zh", "en"])
@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_it_never_raises_on_bad_input(name, language):
    text = BAD_INPUTS[name]
    proposals = propose(text, language, include_all=True)
    _assert_anchored(text, proposals)


def test_it_returns_nothing_for_empty_or_blank_text():
    assert propose("") == []
    assert propose(" \n\t\u3000") == []
    assert propose(BAD_INPUTS["separator-only"], include_all=True) == []


@pytest.mark.parametrize(
    ("language", "sentence"),
    [("zh", "公司有{}人。"), ("en", "Unit {} had 5 staff. ")],
)
def test_it_handles_100000_sentences(language, sentence):
    text = "".join(sentence.format(i % 10) for i in range(100_000))
    proposals = propose(text, language, include_all=True)
    assert len(proposals) == 100_000
    _assert_anchored(text, proposals[:2000])
    assert all(text[p.start : p.end] == p.quote for p in proposals)
    assert proposals[-1].duplicate_of is not None


# --- structure, not claims ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, kept",
    [
        (
            "我国人工智能蓬勃发展 核心产业规模达5000亿元\n\n新华社北京7月6日电（记者 张三）国家统计局数据显示，核心产业规模达5000亿元。",
            ["国家统计局数据显示，核心产业规模达5000亿元。"],
        ),
        ("中央社記者王五台北6日電）行政院表示，今年出口成長10%。", ["行政院表示，今年出口成長10%。"]),
        ("出口增长5%。\n\n图为工人在车间作业，2024年5月3日。新华社记者 李四 摄\n\n进口下降3%。", ["出口增长5%。", "进口下降3%。"]),
        (
            "Exports Jump 5% as Factories Reopen\n\nBy Jane Roe and John Doe, Associated Press\n\n"
            "HARRISBURG, Pa. (AP) — State exports rose 5% in May, the Commerce Department said.\n\n"
            "Workers at a plant in Harrisburg on May 3, 2024. (AP Photo/Matt Rourke)\n\nThe governor signed the bill in 2021.",
            ["State exports rose 5% in May, the Commerce Department said.", "The governor signed the bill in 2021."],
        ),
        ("Sales in 2023\n\nSales rose 5% in 2023.\n\n- Exports rose 7% in 2023", ["Sales rose 5% in 2023.", "Exports rose 7% in 2023"]),
    ],
)
def test_it_never_proposes_headlines_bylines_datelines_or_captions(text, kept):
    proposals = propose(text, include_all=True)
    assert [p.quote for p in proposals] == kept
    assert all(text[p.start : p.end] == p.quote for p in proposals)


def test_a_title_line_is_not_merged_into_the_lead():
    text = "核心产业规模达5000亿元\n国家统计局数据显示，核心产业规模达5000亿元，同比增长12%。"
    assert [p.quote for p in propose(text, "zh")] == ["国家统计局数据显示，核心产业规模达5000亿元，同比增长12%。"]


# --- linear in the text ----------------------------------------------------------------------


def test_it_cuts_long_runs_of_undictionaried_characters_and_keeps_every_character():
    from claims.extraction import zh

    rare = "鿀鿁鿂鿃鿄鿅鿆鿇" * 200
    text = "国家统计局数据显示，出口增长5%。" + rare + "进口下降3%。"
    words = zh.words_of(text)
    assert "".join(words) == text
    assert max(map(len, words)) <= zh.MAX_RUN
    essay = (SAMPLES / "essay-deepseek-zh.txt").read_text(encoding="utf-8")
    assert zh.words_of(essay) == jieba.lcut(essay)  # prose has no such run: jieba's own words
