"""`manage.py extract_claims PATH`: proposals of a text file, no database.

None of these tests is marked for database access, so pytest-django fails any of them
that touches the database.
"""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

import claims
from claims.extraction import MAX_ESSAY_BYTES

ESSAY = Path(claims.__file__).parent / "sample" / "essay-deepseek-zh.txt"
ENGLISH = Path(claims.__file__).parent / "sample" / "essay-en-sample.txt"


@pytest.fixture(autouse=True)
def english():
    # A command speaks the language active in its thread; an earlier test may leave another active.
    with translation.override("en"):
        yield


def run(*args):
    out = StringIO()
    call_command("extract_claims", *map(str, args), stdout=out)
    return out.getvalue()


def test_it_prints_the_proposals_as_json():
    text = ESSAY.read_text(encoding="utf-8")
    proposals = json.loads(run(ESSAY))
    assert proposals
    for p in proposals:
        assert set(p) == {"start", "end", "quote", "claim_type", "speaker", "score", "reasons", "checkworthy", "duplicate_of", "normalized"}
        assert text[p["start"] : p["end"]] == p["quote"]
        assert p["checkworthy"] is (p["duplicate_of"] is None)  # a repeat is listed, not check-worthy
        assert p["reasons"] and all(isinstance(code, str) and isinstance(words, str) for code, words in p["reasons"])
    assert any("何晓冬" in p["speaker"] for p in proposals)


def test_it_lists_every_candidate_with_all():
    everything = json.loads(run(ESSAY, "--all"))
    assert len(everything) > len(json.loads(run(ESSAY)))
    assert any(not p["checkworthy"] for p in everything)
    assert all(p["duplicate_of"] is None or everything[p["duplicate_of"]]["checkworthy"] for p in everything)


def test_it_detects_the_language_or_takes_it_from_the_option():
    detected = json.loads(run(ENGLISH))
    assert any("Pew Research Center" in p["speaker"] for p in detected)
    assert json.loads(run(ENGLISH, "--language", "en")) == detected


def test_it_prints_readable_text():
    out = run(ESSAY, "--format", "text")
    assert "#1 " in out
    assert any(line.startswith("  speaker: ") and "何晓冬" in line for line in out.splitlines())
    assert "why: figure: " in out, "the reasons, in words"
    assert out.rstrip().endswith("(zh, essay-deepseek-zh.txt).")


def test_it_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "missing.txt")


def test_it_refuses_a_directory(tmp_path):
    with pytest.raises(CommandError, match="is a directory"):
        run(tmp_path)


def test_it_refuses_a_binary_file(tmp_path):
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(CommandError, match="binary file"):
        run(path)


def test_it_reads_gbk_and_refuses_text_in_no_encoding_it_reads(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("梁文峰说钱不是问题。".encode("gbk"))
    assert json.loads(run(path)) is not None
    path.write_bytes(b"caf\x80 au lait")
    with pytest.raises(CommandError, match="none of the encodings"):
        run(path)


@pytest.mark.parametrize("content", [b"", b" \n\t\r\n", "\u3000\n".encode()])
def test_it_refuses_an_empty_file(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(CommandError, match="empty"):
        run(path)


def test_it_refuses_a_file_over_the_limit(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_bytes(b"a" * (MAX_ESSAY_BYTES + 1))
    with pytest.raises(CommandError, match="over the limit"):
        run(path)


def test_it_accepts_a_file_at_the_limit_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeff2019年,OpenAI只有150名员工。".encode())
    (claim,) = json.loads(run(path))
    assert claim["quote"] == "2019年,OpenAI只有150名员工。"
    path.write_bytes(b"x" * MAX_ESSAY_BYTES)
    assert json.loads(run(path)) == []


def test_it_refuses_an_unknown_language_or_format():
    with pytest.raises(CommandError):
        run(ESSAY, "--language", "fr")
    with pytest.raises(CommandError):
        run(ESSAY, "--format", "xml")
