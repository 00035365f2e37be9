"""The evaluation corpus in tests/data/eval: real texts, hand annotations in score_claims.py's format, exact spans."""

import importlib.util
import json
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parent / "data" / "eval"


def load_check():
    spec = importlib.util.spec_from_file_location("eval_check", EVAL / "check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus():
    return load_check().build(check_only=True)


def test_every_json_is_built_from_its_annotation_and_every_span_is_exact(corpus):
    for name, (text, gold) in corpus.items():
        stored = json.loads((EVAL / f"{name}.json").read_text(encoding="utf-8"))
        assert stored == gold
        for section in ("primary", "secondary", "negative"):
            for item in gold[section]:
                assert text[item["start"] : item["end"]] == item["key"]
                assert text.find(item["key"]) == item["start"], "score_claims.py scores a key's first occurrence"


def test_size_and_languages(corpus):
    by_language = {}
    for _, gold in corpus.values():
        by_language.setdefault(gold["language"], []).append(gold)
    assert len(corpus) >= 16
    assert len(by_language.get("zh-Hans", [])) >= 5
    assert len(by_language.get("zh-Hant", [])) >= 4
    assert len(by_language.get("en", [])) >= 5
    assert sum(len(gold["primary"]) for _, gold in corpus.values()) >= 400


def test_every_text_has_its_source_and_date_and_negatives(corpus):
    for name, (_text, gold) in corpus.items():
        assert gold["url"].startswith("http"), name
        assert gold["outlet"] and gold["date"][:2] in ("19", "20"), name
        assert gold["primary"] and gold["negative"], name


def test_a_stray_key_is_refused(tmp_path):
    check = load_check()
    (tmp_path / "t.txt").write_text("GDP rose 5% in 2024.", encoding="utf-8")
    (tmp_path / "t.ann").write_text(
        "url: http://x\noutlet: o\ndate: 2024\nlanguage: en\ntitle: t\n---\nP statistic :: GDP rose 6%\n", encoding="utf-8"
    )
    with pytest.raises(check.CorpusError, match="key not in the text"):
        check.parse(tmp_path / "t.ann", "GDP rose 5% in 2024.")
    (tmp_path / "t.ann").write_text(
        "url: http://x\noutlet: o\ndate: 2024\nlanguage: en\ntitle: t\n---\nP guess :: GDP rose 5%\n", encoding="utf-8"
    )
    with pytest.raises(check.CorpusError, match="type 'guess'"):
        check.parse(tmp_path / "t.ann", "GDP rose 5% in 2024.")
