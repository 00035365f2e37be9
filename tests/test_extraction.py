"""The claim proposal engine: plain Python, no database.

Run: .venv/bin/python -m pytest -s tests/test_extraction.py  (-s prints recall and precision)
"""

import importlib.util
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


def _score_claims():
    spec = importlib.util.spec_from_file_location("score_claims", Path(__file__).parent.parent / "scripts" / "train_extraction.py")
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    return train


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
        assert p.reasons and all(isinstance(code, str) and code and isinstance(words, str) for code, words in p.reasons)
        assert len(set(p.reasons)) == len(p.reasons), "no reason twice"
        assert p.claim_type in ("statistic", "quote", "attribution", "event", "comparison", "other")


def _find(proposals, fragment):
    found = [p for p in proposals if fragment in p.quote]
    assert found, f"no proposal contains {fragment!r}: {[p.quote for p in proposals]}"
    return found[0]


def _codes(p):
    return dict(p.reasons)


# --- quality on the bundled sample essays ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "language", "recall", "precision"),
    [("essay-deepseek-zh", "zh", 0.55, 0.7), ("essay-en-sample", "en", 0.9, 0.85)],
    ids=["zh", "en"],
)
def test_it_recalls_and_is_precise_on_the_bundled_essays(name, language, recall, precision):
    """The bundled essays' sentence annotations, scored by score_claims.py's rules (as the corpus is).

    The weights are fitted on them too (scripts/train_extraction.py), so these are not a
    measure of quality (bench/extraction_quality.py is, on texts the weights have not seen):
    they only catch a change that breaks the essays the desk ships with. The Chinese essay is
    an opinion piece whose claims carry few figures: the model, fitted mostly on news, finds
    little more than half of them.
    """
    train = _score_claims()
    sc = train.score_claims()
    text, gold = train.samples_corpus()[f"sample:{name}"]
    result = sc.score(text, gold, [p.to_dict() for p in propose(text, language)])
    print(f"\n{name}: {result}")
    assert result["recall"] >= recall
    assert result["precision"] >= precision


def test_it_uses_every_annotation_snippet_once():
    for name, essay in (("essay-deepseek-zh.json", ZH_ESSAY), ("essay-en-sample.json", EN_ESSAY)):
        for item in _annotations(name)["items"]:
            assert item["text"] in essay
            assert isinstance(item["checkworthy"], bool) and item["why"]


def test_it_anchors_every_proposal_of_the_sample_essays():
    _assert_anchored(ZH_ESSAY, propose(ZH_ESSAY, include_all=True))
    _assert_anchored(EN_ESSAY, propose(EN_ESSAY, include_all=True))


# --- atomic claims ------------------------------------------------------------------------


def test_a_sentence_with_several_figures_gives_one_proposal_per_figure():
    text = "出口增长5%，进口下降3%，顺差达1000亿元。"
    proposals = propose(text, "zh")
    assert [p.quote for p in proposals] == ["出口增长5%", "进口下降3%", "顺差达1000亿元。"]
    assert all(p.normalized == text.rstrip("。") + "。" for p in proposals), "normalized restates the sentence whole"
    assert [_codes(p)["figure"] for p in proposals] == ["5%", "3%", "1000亿元"]


def test_a_time_phrase_stays_with_its_clause_and_a_connective_is_left_out():
    text = "7月份,全国规模以上工业增加值同比增长4.8%。其中,城市下降0.3%,农村下降0.5%。"
    quotes = [p.quote for p in propose(text, "zh", include_all=True)]
    assert quotes == ["7月份,全国规模以上工业增加值同比增长4.8%。", "城市下降0.3%", "农村下降0.5%。"]


def test_an_aside_is_judged_apart_from_the_claim_around_it():
    (claim,) = propose("Brand X, which, you may recall, overtook Brand Y in 2021, sells cars.", "en")
    assert "overtook Brand Y in 2021" in claim.quote
    assert "hedge" not in _codes(claim), "an aside addressing the reader is no hedge"


@pytest.mark.parametrize(
    "text",
    [
        "If you look at the figures you will see that exports fell by a third in 2020.",
        "Company X appears to have doubled its sales last year.",
        "我们可以看到，2020年出口下降了三分之一。",
    ],
)
def test_a_hedge_in_the_frame_does_not_sink_a_plain_fact(text):
    assert any(p.checkworthy for p in propose(text))


# --- speakers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, speaker",
    [
        ("海关数据显示，出口增长5%。", ""),
        ("企业的票据数据显示，出口增长5%。", ""),
        ("根据海关数据，出口增长5%。", ""),
        ("统计局公布的数据显示，出口增长5%。", "统计局"),
        ("国家统计局12日发布的数据显示，出口增长5%。", "国家统计局"),
        ("据中国信通院测算，2022年核心产业规模达5080亿元。", "中国信通院"),
        ("国家统计局新闻发言人付凌晖表示，7月份工业增加值增长4.8%。", "国家统计局新闻发言人付凌晖"),
        ("京东AI研究高管何晓冬对媒体称，公司去年招聘了300名工程师。", "京东AI研究高管何晓冬"),
        ("衛福部說明，去年出生人數為13萬人。", "衛福部"),
        ("陳時中補充，去年出生人數為13萬人。", "陳時中"),
        ("林明誠提到，去年出生人數為13萬人。", "林明誠"),
        ("疾管署指出，去年出生人數為13萬人。", "疾管署"),
        ("石崇良強調，去年出生人數為13萬人。", "石崇良"),
        ("石崇良坦言，去年出生人數為13萬人。", "石崇良"),
        ("創新科技及工業局局長孫東今（7日）在電視節目表示，政府已批出5.81億元。", "創新科技及工業局局長孫東"),
    ],
)
def test_the_speaker_is_the_person_or_body_whole_never_a_verb_or_a_fragment(text, speaker):
    (claim,) = [p for p in propose(text, "zh") if "figure" in _codes(p)]
    assert claim.speaker == speaker


def test_a_speaker_goes_on_through_the_paragraph_not_into_the_next():
    text = "江明涛介绍，截至4月底累计建成5G基站超过273万个。5G移动电话用户达6.34亿户。\n\n千兆光网用户突破1亿户。"
    proposals = propose(text, "zh")
    assert [p.speaker for p in proposals] == ["江明涛", "江明涛", ""]


@pytest.mark.parametrize(
    "text",
    [
        "“Sales rose 5% last year,” CEO Jane Roe told investors.",
        "CEO Jane Roe told investors: “Sales rose 5% last year.”",
        "Sales rose 5% last year, CEO Jane Roe told investors.",
    ],
)
def test_a_speaker_named_beside_a_quote_in_either_order_is_credited(text):
    claim = _find(propose(text, "en"), "5%")
    assert "Jane Roe" in claim.speaker and "investors" not in claim.speaker


def test_a_person_speaking_to_an_outlet_is_credited_not_the_outlet():
    claim = _find(propose("Pat Gelsinger told CNBC that Intel lost $7 billion in 2023.", "en"), "$7 billion")
    assert claim.speaker == "Pat Gelsinger"
    zh_claim = _find(propose("何晓冬对媒体称，公司去年招聘了300名工程师。", "zh"), "300名")
    assert zh_claim.speaker == "何晓冬"


@pytest.mark.parametrize("text, language", [("“Sales rose 5% last year.”", "en"), ("“去年销量增长了5%。”", "zh")])
def test_an_unknown_speaker_stays_empty(text, language):
    (claim,) = propose(text, language)
    assert claim.speaker == ""


def test_it_splits_a_quotation_of_several_sentences_into_quoted_claims():
    text = (
        "Anthropic的首席执行官Dario Amodei描述了芯片情况:“DeepSeek在2023年买到了1万个芯片。"
        "我不相信出口管制曾经有效。根据SemiAnalysis,这些芯片总共达到了5万个。”"
    )
    proposals = propose(text, "zh")
    _assert_anchored(text, proposals)
    bought = _find(proposals, "1万个芯片")
    assert "Dario Amodei" in bought.speaker
    assert "quotation" in _codes(bought)
    counted = _find(proposals, "5万个")
    assert (counted.claim_type, counted.speaker) == ("statistic", "SemiAnalysis")
    assert not any("我不相信" in p.quote for p in proposals)
    assert not any("描述了芯片情况" in p.quote for p in proposals), "the introduction is not a claim of its own"


def test_it_follows_an_english_quotation_across_sentences():
    text = (
        'The mill closed in 2019. "We went from 340 workers to six," said Dana Whitfield, the union\'s last organiser. '
        '"Nobody covered the town meetings for two years. Nobody came."'
    )
    proposals = propose(text, "en", include_all=True)
    _assert_anchored(text, proposals)
    workers = _find(proposals, "340 workers")
    assert (workers.speaker, workers.checkworthy) == ("Dana Whitfield", True)
    assert _find(proposals, "Nobody covered").speaker == "Dana Whitfield"
    assert not _find(proposals, "said Dana Whitfield").checkworthy


def test_it_names_the_source_after_according_to():
    text = "Print advertising revenue fell from $49 billion in 2005 to under $10 billion by 2020, according to figures compiled by the Pew Research Center."
    claim = _find(propose(text, "en"), "$49 billion")
    assert "Pew Research Center" in claim.speaker
    assert claim.claim_type in ("statistic", "comparison")


# --- forecasts, opinions and weak cues ----------------------------------------------------


@pytest.mark.parametrize(
    "text, language",
    [
        ("分析师预计，明年销量有望突破200万辆。", "zh"),
        ("出口将增长10%。", "zh"),
        ("今年出口還將增長10%。", "zh"),
        ("明年GDP会增长5%。", "zh"),
        ("The airline would have to raise fares by at least 20%.", "en"),
        ("The company is set to raise prices by 10% next year.", "en"),
        ("Exports will grow 10% next year.", "en"),
    ],
)
def test_a_forecast_is_not_a_fact_whatever_figure_it_holds(text, language):
    proposals = propose(text, language, include_all=True)
    assert not any(p.checkworthy for p in proposals)
    assert any("forecast" in _codes(p) for p in proposals)


@pytest.mark.parametrize(
    "text, language",
    [
        ("我们已经看到了希望。", "zh"),
        ("投资是通往未来的道路。", "zh"),
        ("融资从来不是问题的全部。", "zh"),
        ("First, consider the question of trust.", "en"),
        ("American voters are angry about it.", "en"),
        ("“向上的力量”。", "zh"),
        ("简而言之,DeepSeek能持续打破常规多久呢?", "zh"),
        ("在我看来,这种分歧关乎对中国增长来源的基本分歧。", "zh"),
        ("如果美国决心收紧中国对AI芯片的获取,情况可能会更加复杂。", "zh"),
        ("In my view, no strategy could have saved it.", "en"),
    ],
)
def test_weak_cues_do_not_lift_an_opinion(text, language):
    assert propose(text, language) == []


def test_an_aside_inside_a_question_is_a_claim_and_the_question_is_not():
    proposals = propose("Why did Harlow Media, which bought the Courier in 2019, cut its newsroom in half?", "en")
    assert [p.quote for p in proposals] == ["which bought the Courier in 2019"]


# --- reasons ------------------------------------------------------------------------------


def test_reasons_are_codes_with_the_words_found():
    claim = _find(propose("国家统计局新闻发言人付凌晖表示，7月份工业增加值增长4.8%。", "zh"), "4.8%")
    codes = _codes(claim)
    assert codes["figure"] == "4.8%"
    assert codes["speaker"] == "国家统计局新闻发言人付凌晖"
    hedged = _find(propose("Company X appears to have doubled its sales last year.", "en"), "doubled")
    assert _codes(hedged)["hedge"] == "appears"
    frame = _find(propose("疾管署發言人林明誠表示，急診就診病例百分比達10.3%。", "zh", include_all=True), "表示")
    assert _codes(frame)["reporting_verb"] == "表示"


@pytest.mark.parametrize(
    "text, language, code, words",
    [
        ("The bike cost $2000 in the shop.", "en", "figure", "$2000"),
        ("Sales rose 5% during the summer.", "en", "figure", "5%"),
        ("4月经济数据显示，出口增长5%。", "zh", "figure", "5%"),
        ("OpenAI在2019年只有150名员工。", "zh", "figure", "150名"),
    ],
)
def test_a_figure_reason_quotes_the_figure_and_its_unit_only(text, language, code, words):
    claim = _find(propose(text, language), words)
    assert _codes(claim)[code] == words
    assert "date" not in _codes(claim) or "2000" not in _codes(claim)["date"], "$2000 is an amount, not a year"


def test_segmentation_errors_are_not_names():
    proposals = propose("抓住牛鼻子，增进人民福祉，出口增长5%。", "zh", include_all=True)
    names = [words for p in proposals for code, words in p.reasons if code in ("name", "place")]
    assert not any("牛鼻子" in n or "福祉" in n for n in names)


# --- duplicates ---------------------------------------------------------------------------


def test_a_repeat_is_proposed_once_and_points_at_the_original():
    text = "OpenAI在2019年只有150名员工。中间一句。OpenAI在2019年只有150名员工!"
    proposals = propose(text, "zh")
    assert [(p.duplicate_of, p.checkworthy) for p in proposals] == [(None, True), (0, False)]
    assert proposals[1].reasons[0] == ("duplicate", "1")


def test_clauses_that_state_different_figures_are_not_duplicates():
    text = "食品价格上涨0.9%，非食品价格下降0.1%，消费品价格上涨0.1%，鲜菜价格上涨0.9%。"
    proposals = propose(text, "zh")
    assert all(p.duplicate_of is None and p.checkworthy for p in proposals)
    assert len(proposals) == 4


def test_it_groups_the_repeated_paragraphs_of_the_seed_essay():
    proposals = propose(ZH_ESSAY, "zh", include_all=True)
    first = _find(proposals, "中国科技行业能否彻底改变其劳资关系")
    later = _find(proposals, "中国科技行业能否彻底改革其劳资关系")
    # Both are questions, proposed as neither: the grouping still finds them to be one.
    assert not first.checkworthy and not later.checkworthy
    assert duplicates.group([first.quote, later.quote]) == [None, 0]


def test_it_groups_near_duplicates_without_comparing_every_pair():
    texts = [f"第{i}份报告称,公司雇佣了很多名员工,这些员工主要来自本地,报告编号第{i}号。" for i in range(3000)]
    texts.append("完全不同的一句话,没有任何相似之处,也不应该被分组。")
    roots = duplicates.group(texts)
    assert roots[0] is None
    assert roots[3000] is None
    # Near twins that state other figures are other claims; the same words and figures are repeats.
    assert all(r is None for r in roots[1:3000])
    assert duplicates.group(
        ["公司在2019年雇佣了150名员工,这些员工主要来自本地。", "公司在2019年雇佣了150名员工,这些员工大多来自本地。"]
    ) == [None, 0]


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


# --- the public contract ------------------------------------------------------------------


def test_it_detects_the_language():
    assert detect_language(ZH_ESSAY) == "zh"
    assert detect_language(EN_ESSAY) == "en"
    assert detect_language("") == "en"
    assert detect_language("梁文峰 said the talks with 国务院 went well, according to reporters in Beijing.") == "en"
    assert detect_language("OpenAI和DeepSeek之间的相似之处令人瞩目") == "zh"


def test_it_returns_only_checkworthy_proposals_and_their_repeats_unless_asked_for_all():
    checkworthy = propose(ZH_ESSAY)
    everything = propose(ZH_ESSAY, include_all=True)
    assert checkworthy and all((p.checkworthy and p.score >= DEFAULT_THRESHOLD) or p.duplicate_of is not None for p in checkworthy)
    assert {(p.start, p.end) for p in checkworthy} < {(p.start, p.end) for p in everything}
    assert any(not p.checkworthy for p in everything)
    assert [p.start for p in everything] == sorted(p.start for p in everything)


def test_it_applies_a_custom_threshold():
    strict = [p for p in propose(ZH_ESSAY, threshold=0.8) if p.checkworthy]
    assert strict and all(p.score >= 0.8 for p in strict)
    assert len(strict) < len([p for p in propose(ZH_ESSAY) if p.checkworthy])


def test_it_serialises_a_proposal_to_json():
    proposal = _find(propose("根据SemiAnalysis,这些芯片总共达到了5万个。"), "5万个")
    assert isinstance(proposal, Proposal)
    data = json.loads(json.dumps(proposal.to_dict(), ensure_ascii=False))
    assert set(data) == {"start", "end", "quote", "claim_type", "speaker", "score", "reasons", "checkworthy", "duplicate_of", "normalized"}
    assert data["reasons"] == [list(r) for r in proposal.reasons]
    with pytest.raises(AttributeError):
        proposal.score = 1.0  # frozen


def test_it_refuses_an_unknown_language():
    with pytest.raises(ValueError):
        propose("text", "fr")


def test_the_shipped_weights_fit_the_features():
    from claims.extraction import model

    fitted = model.load()
    assert len(fitted.coef) == len(model.FEATURES)
    assert set(fitted.types) <= {"statistic", "comparison", "event", "quote", "attribution"}
    with pytest.raises(ValueError, match="re-run scripts/train_extraction.py"):
        model.Model({**fitted.data, "features": list(model.FEATURES)[:-1]})


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
            ["国家统计局数据显示", "核心产业规模达5000亿元。"],
        ),
        ("中央社記者王五台北6日電）行政院表示，今年出口成長10%。", ["行政院表示", "今年出口成長10%。"]),
        ("出口增长5%。\n\n图为工人在车间作业，2024年5月3日。新华社记者 李四 摄\n\n进口下降3%。", ["出口增长5%。", "进口下降3%。"]),
        (
            "Exports Jump 5% as Factories Reopen\n\nBy Jane Roe and John Doe, Associated Press\n\n"
            "HARRISBURG, Pa. (AP) — State exports rose 5% in May, the Commerce Department said.\n\n"
            "Workers at a plant in Harrisburg on May 3, 2024. (AP Photo/Matt Rourke)\n\nThe governor signed the bill in 2021.",
            ["State exports rose 5% in May", "the Commerce Department said.", "The governor signed the bill in 2021."],
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
    assert [p.quote for p in propose(text, "zh")] == ["核心产业规模达5000亿元", "同比增长12%。"]
    assert all(p.speaker == "国家统计局" and p.start > text.index("\n") for p in propose(text, "zh"))


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
