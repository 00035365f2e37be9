"""Importing an essay: the service, the page and the command share one set of checks."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from claims import importing
from claims.models import Claim, ClaimEvent, Essay

from .conftest import ESSAY_TEXT, client_for

SAMPLE = Path(__file__).resolve().parent.parent / "claims" / "sample" / "essay-deepseek-zh.txt"
URL = reverse("essay_import")


def test_it_imports_the_bundled_essay_with_its_proposals(editor):
    text = SAMPLE.read_text(encoding="utf-8")
    essay = importing.import_essay(title="DeepSeek", text=text, user=editor)
    assert essay.text == text
    assert essay.language == "zh"
    claims = list(essay.claims.all())
    assert len(claims) >= 10
    for claim in claims:
        assert text[claim.start : claim.end] == claim.quote
        assert claim.status == "open" and claim.reasons
    assert ClaimEvent.objects.filter(claim__essay=essay, kind="created").count() == len(claims)


def test_a_repeated_assertion_is_proposed_once_and_points_at_the_first_when_ticked(editor):
    first = "根据SemiAnalysis，这些芯片是H100、H800和H20的组合，总共达到了5万个。"
    text = first + "这是另一段话，讲的是别的事情。" + first.replace("总共", "合计")
    # Not ticked: an import without a selection stores the original only.
    essay = importing.import_essay(title="repeat", text=text, user=editor)
    assert essay.claims.filter(quote__contains="总共").count() == 1
    assert not essay.claims.filter(quote__contains="合计").exists()
    # The preview lists the repeat, unticked, pointing at the original; ticked, it is stored linked.
    proposals = importing.propose(text)
    (repeat,) = [p for p in proposals if "合计" in p.quote]
    assert not repeat.checkworthy and "总共" in proposals[repeat.duplicate_of].quote
    essay = importing.import_essay(title="repeat ticked", text=text + "\n", user=editor, proposals=proposals)
    original = essay.claims.get(quote__contains="总共")
    assert essay.claims.get(quote__contains="合计").duplicate_of == original


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("  \n\t ", "empty"),
        ("有NUL\x00字符。", "NUL"),
        ("broken \udc80 surrogate", "surrogates"),
    ],
)
def test_it_refuses_text_that_cannot_be_an_essay(text, message, editor):
    with pytest.raises(importing.EssayRejected, match=message):
        importing.import_essay(title="x", text=text, user=editor)
    assert not Essay.objects.exists() and not Claim.objects.exists()


def test_it_refuses_a_text_over_the_limit(editor, settings):
    settings.ESSAY_MAX_BYTES = 1000
    with pytest.raises(importing.EssayRejected, match="limit"):
        importing.import_essay(title="x", text="字" * 400, user=editor)
    assert not Essay.objects.exists()


def test_it_refuses_the_same_text_twice(editor):
    importing.import_essay(title="first", text=ESSAY_TEXT, user=editor)
    with pytest.raises(importing.EssayRejected, match="already imported"):
        importing.import_essay(title="second", text=ESSAY_TEXT, user=editor)
    assert Essay.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"slug": "not a slug!"}, "slug"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"language": "fr"}, "language"),
    ],
)
def test_it_names_the_field_that_is_wrong(fields, field, editor):
    values = {"title": "ok", "text": ESSAY_TEXT, "user": editor, **fields}
    with pytest.raises(importing.EssayRejected) as info:
        importing.import_essay(**values)
    assert field in info.value.errors
    assert not Essay.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "没有句末标点的一段文字2019年OpenAI有150名员工",
        "Mixed 中文 and English: OpenAI had 150 employees in 2019 according to Reuters. 😀🚀",
        "\u202eRTL override\u202c 2023年10月美国更新了出口管制。\u200f",
        "A" * 5000,
    ],
)
def test_odd_but_valid_text_imports_with_exact_offsets(text, editor):
    essay = importing.import_essay(title="odd", text=text, user=editor)
    for claim in essay.claims.all():
        assert text[claim.start : claim.end] == claim.quote


def test_it_makes_a_slug_for_a_chinese_title(editor):
    essay = importing.import_essay(title="深度求索", text=ESSAY_TEXT, user=editor)
    # In pinyin, word by word (tests/test_slugs.py has the rest).
    assert essay.slug == "shendu-qiusuo"


# The page


def test_it_shows_the_form_to_editors_only(editor, reviewer, client):
    assert client_for(editor).get(URL).status_code == 200
    assert client_for(reviewer).get(URL).status_code == 403
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_previews_the_proposals_before_storing_anything(editor):
    response = client_for(editor).post(URL, {"title": "DeepSeek", "text": SAMPLE.read_text(encoding="utf-8"), "preview": "1"})
    assert response.status_code == 200
    assert len(response.context["proposals"]) >= 10
    assert "Import with the ticked claims" in response.content.decode()
    assert not Essay.objects.exists()


def test_it_imports_only_the_ticked_proposals(editor):
    text = SAMPLE.read_text(encoding="utf-8")
    proposals = importing.propose(text)
    keep = [f"{p.start}-{p.end}" for p in proposals[:3]]
    response = client_for(editor).post(URL, {"title": "DeepSeek", "text": text, "import": "1", "keep": keep})
    essay = Essay.objects.get()
    assert response.status_code == 302 and response["Location"] == essay.get_absolute_url()
    assert sorted(f"{c.start}-{c.end}" for c in essay.claims.all()) == sorted(keep)


def test_it_imports_an_uploaded_file(editor):
    upload = SimpleUploadedFile("essay.txt", SAMPLE.read_bytes(), content_type="text/plain")
    client_for(editor).post(URL, {"title": "DeepSeek", "file": upload, "import": "1", "keep": []})
    assert Essay.objects.get().text == SAMPLE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("essay.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        ("essay.txt", b"caf\x80 au lait", "none of the encodings"),
        ("essay.pdf", b"%PDF-1.4", ".txt, .md, .docx"),
        ("essay.txt", b"   \n", "empty"),
    ],
)
def test_it_explains_a_bad_upload(name, content, message, editor):
    upload = SimpleUploadedFile(name, content)
    response = client_for(editor).post(URL, {"title": "x", "file": upload, "preview": "1"})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["file"])
    assert not Essay.objects.exists()


def test_it_keeps_the_input_when_the_text_was_already_imported(editor):
    importing.import_essay(title="first", text=ESSAY_TEXT, user=editor)
    response = client_for(editor).post(URL, {"title": "Again", "text": ESSAY_TEXT, "import": "1"})
    assert response.status_code == 400
    assert "already imported" in " ".join(response.context["form"].errors["text"])
    assert response.context["form"]["title"].value() == "Again"
    assert Essay.objects.count() == 1


# The command


def test_the_command_imports_a_file(db, tmp_path, capsys):
    path = tmp_path / "essay.md"
    path.write_text("According to Reuters, OpenAI had 150 employees in 2019. I think that is small.", encoding="utf-8")
    call_command("import_essay", str(path), "--title", "OpenAI", "--slug", "openai")
    essay = Essay.objects.get(slug="openai")
    assert essay.language == "en"
    assert "Imported" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), (b"\x00\x01garbage", "binary"), (b"", "empty")],
)
def test_the_command_refuses_bad_files_clearly(content, message, db, tmp_path):
    path = tmp_path / "essay.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_essay", str(path), "--title", "x")
    assert not Essay.objects.exists()


def test_the_command_refuses_a_second_import(db, tmp_path):
    path = tmp_path / "essay.txt"
    path.write_text(ESSAY_TEXT, encoding="utf-8")
    call_command("import_essay", str(path), "--title", "x")
    with pytest.raises(CommandError, match="already imported"):
        call_command("import_essay", str(path), "--title", "x")
    assert Essay.objects.count() == 1
