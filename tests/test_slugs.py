"""Readable addresses: a Chinese title becomes its words in pinyin, cut at a word, unique, editable on import."""

import pytest

from claims import importing, slugs
from claims.models import Essay
from tests.conftest import ESSAY_TEXT, client_for


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        # The title of issue 13: never /essays/5000/.
        ("我国人工智能蓬勃发展 核心产业规模达5000亿元", "woguo-rengong-zhineng-pengbo-fazhan-hexin-chanye-guimo-da"),
        # Traditional characters read as their Simplified words.
        ("臺灣半導體產業的發展與挑戰", "taiwan-bandaoti-chanye-de-fazhan-yu-tiaozhan"),
        ("國家統計局：物價上漲", "guojiatongjiju-wujia-shangzhang"),
        ("DeepSeek 与 OpenAI：谁更强？", "deepseek-yu-openai-shui-geng-qiang"),
        ("深度求索", "shendu-qiusuo"),
        ("Poll: Most Americans oppose the Paris exit", "poll-most-americans-oppose-the-paris-exit"),
    ],
)
def test_it_spells_a_title_word_by_word(title, slug):
    assert slugs.base_slug(title) == slug


def test_it_cuts_after_a_whole_word_at_sixty_characters():
    title = "我国人工智能蓬勃发展 核心产业规模达5000亿元"
    full = "-".join(slugs.words(title))
    assert len(full) > slugs.MAX_LENGTH
    slug = slugs.base_slug(title)
    assert len(slug) <= slugs.MAX_LENGTH and full.startswith(slug + "-")
    long_word = "a" * 80
    assert slugs.base_slug(long_word) == "a" * slugs.MAX_LENGTH


def test_a_title_without_latin_or_chinese_falls_back_to_the_first_line_then_to_essay():
    assert slugs.base_slug("Привет", "2019年，OpenAI只有150名员工。") == "2019-nian-openai-zhiyou-150-ming-yuangong"
    assert slugs.base_slug("Привет", "") == "essay"


def test_it_numbers_a_slug_already_taken(editor):
    first = importing.import_essay(title="深度求索", text=ESSAY_TEXT, user=editor)
    second = importing.import_essay(title="深度求索", text=ESSAY_TEXT + "又一篇。", user=editor)
    third = importing.import_essay(title="深度求索", text=ESSAY_TEXT + "第三篇。", user=editor)
    assert [first.slug, second.slug, third.slug] == ["shendu-qiusuo", "shendu-qiusuo-2", "shendu-qiusuo-3"]


def form(**fields):
    return {"title": "深度求索", "text": ESSAY_TEXT, "language": "", "slug": "", "author": "", "url": "", "published_on": "", **fields}


def test_the_preview_shows_the_address_to_keep_or_change(editor):
    response = client_for(editor).post("/essays/import/", form(preview="1"))
    assert response.status_code == 200
    assert 'value="shendu-qiusuo"' in response.content.decode()


def test_an_edited_slug_is_used(editor):
    response = client_for(editor).post("/essays/import/", form(slug="deepseek-2019", keep_all="1", **{"import": "1"}))
    assert response.status_code == 302 and response["Location"] == "/essays/deepseek-2019/"
    assert Essay.objects.get().slug == "deepseek-2019"


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("深度", "letters, numbers, underscores or hyphens"),
        ("with space", "letters, numbers, underscores or hyphens"),
        ("a/b", "letters, numbers, underscores or hyphens"),
    ],
)
def test_a_slug_with_other_characters_is_refused_with_a_clear_error(editor, slug, message):
    response = client_for(editor).post("/essays/import/", form(slug=slug, keep_all="1", **{"import": "1"}))
    assert response.status_code == 400 and message in response.content.decode()
    assert not Essay.objects.exists()


def test_a_slug_already_taken_is_refused_and_a_free_one_suggested(editor, essay):
    response = client_for(editor).post(
        "/essays/import/", form(slug=essay.slug, text=ESSAY_TEXT + "另一篇。", keep_all="1", **{"import": "1"})
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert f"Another essay already uses the address “{essay.slug}”" in body and f"{essay.slug}-2" in body
    assert Essay.objects.count() == 1


@pytest.mark.parametrize("word", sorted(slugs.RESERVED))
def test_an_address_the_site_uses_itself_is_never_an_essays(editor, word):
    # /p/feed/, /p/search/ and /essays/import/ are the site's own pages: an essay there could never be reached.
    assert slugs.unique_slug(word, "") == f"{word}-2"
    essay = importing.import_essay(title=word, text=ESSAY_TEXT, user=editor)
    assert essay.slug == f"{word}-2"
    response = client_for(editor).post(
        "/essays/import/", form(title=word, slug=word, text=ESSAY_TEXT + "另一篇。", keep_all="1", **{"import": "1"})
    )
    assert response.status_code == 400 and f"“{word}”" in response.content.decode()
    assert Essay.objects.count() == 1
