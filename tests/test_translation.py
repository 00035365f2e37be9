"""The Chinese catalogues (Simplified, and Traditional made from it) are complete and compiled, and the pages
follow the reader's language."""

import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

LOCALE = Path(settings.BASE_DIR) / "claims" / "locale" / "zh_Hans" / "LC_MESSAGES"
LOCALES = {name: Path(settings.BASE_DIR) / "claims" / "locale" / name / "LC_MESSAGES" for name in ("zh_Hans", "zh_Hant")}
PLACEHOLDER = re.compile(r"%%|%\([a-z_]+\)[sdr]|%[sd]")


def _unquote(line):
    return line[line.index('"') + 1 : line.rindex('"')].encode("raw_unicode_escape").decode("unicode_escape")


def read_po(path):
    """The entries of a .po file: dicts with msgctxt, msgid, msgid_plural, msgstr (a list) and flags."""
    entries, entry, key = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgctxt", "msgid_plural", "msgid")):
            key = line.split(" ", 1)[0]
            entry[key] = _unquote(line)
        elif line.startswith("msgstr"):
            index = int(line[7 : line.index("]")]) if line.startswith("msgstr[") else 0
            key = ("msgstr", index)
            entry["msgstr"][index] = _unquote(line)
        elif line.startswith('"'):
            if isinstance(key, tuple):
                entry["msgstr"][key[1]] += _unquote(line)
            else:
                entry[key] += _unquote(line)
    header = next(e for e in entries if e["msgid"] == "")
    return header, [e for e in entries if e["msgid"] != ""]


@pytest.mark.parametrize("catalogue", sorted(LOCALES))
def test_it_translates_every_message(catalogue):
    header, entries = read_po(LOCALES[catalogue] / "django.po")
    assert "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"][0]
    assert "fuzzy" not in header["flags"]
    assert len(entries) > 500
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values()) or not e["msgstr"]]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("catalogue", sorted(LOCALES))
def test_it_keeps_every_placeholder(catalogue):
    _, entries = read_po(LOCALES[catalogue] / "django.po")
    broken = [
        (e["msgid"], text)
        for e in entries
        for text in e["msgstr"].values()
        if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(e["msgid"]))
    ]
    assert broken == []


@pytest.mark.parametrize("catalogue", sorted(LOCALES))
def test_it_ships_the_compiled_catalogue_of_the_current_translations(catalogue):
    """The .mo is committed (no gettext needed to run the desk); it must say what the .po says."""
    _, entries = read_po(LOCALES[catalogue] / "django.po")
    with open(LOCALES[catalogue] / "django.mo", "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = []
    for e in entries:
        if "msgid_plural" in e:
            shown = (
                catalogue.npgettext(e["msgctxt"], e["msgid"], e["msgid_plural"], 1)
                if "msgctxt" in e
                else catalogue.ngettext(e["msgid"], e["msgid_plural"], 1)
            )
        else:
            shown = catalogue.pgettext(e["msgctxt"], e["msgid"]) if "msgctxt" in e else catalogue.gettext(e["msgid"])
        if shown != e["msgstr"][0]:
            stale.append(e["msgid"])
    assert stale == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed (apt-get install gettext)")
def test_it_has_a_translation_for_every_string_in_the_code(tmp_path, monkeypatch):
    """makemessages on a copy of the app finds no message that the catalogue lacks."""
    app = Path(settings.BASE_DIR) / "claims"
    copy = tmp_path / "claims"
    shutil.copytree(app, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "*.pyc"))
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=["zh_Hans"], verbosity=0)
    _, extracted = read_po(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    _, translated = read_po(LOCALE / "django.po")
    assert len(extracted) > 500
    known = {(e.get("msgctxt"), e["msgid"]) for e in translated}
    missing = sorted(e["msgid"] for e in extracted if (e.get("msgctxt"), e["msgid"]) not in known)
    assert missing == [], "run `make messages` and translate these"


# --- Which language a page is in ------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept, lang, heading",
    [
        ("zh-CN,zh;q=0.9,en;q=0.5", "zh-hans", "登录"),
        ("zh-Hans", "zh-hans", "登录"),
        ("zh-TW,zh;q=0.9,en;q=0.5", "zh-hant", "登入"),
        ("zh-HK", "zh-hant", "登入"),
        ("zh-Hant", "zh-hant", "登入"),
        ("zh-Hant-TW", "zh-hant", "登入"),
        ("en-US,en;q=0.9", "en", "Sign in"),
        ("fr-FR", "en", "Sign in"),
    ],
)
def test_it_follows_the_browsers_language(client, accept, lang, heading):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert f'<html lang="{lang}">' in page
    assert f"<h1>{heading}</h1>" in page


def test_it_offers_the_language_menu_on_every_page(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<form class="lang-form" action="/i18n/setlang/" method="post">' in page
    assert '<label for="lang-select" class="visually-hidden">语言</label>' in page
    assert '<option value="zh-hans" lang="zh-hans" selected>简体中文</option>' in page
    assert '<option value="en" lang="en">English</option>' in page


def test_it_switches_language_with_the_menu_and_keeps_the_choice(client):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    # The choice wins over what the browser says.
    assert "<h1>登录</h1>" in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "<h1>Sign in</h1>" in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()


def test_it_refuses_an_unknown_language_and_an_outside_address(client):
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "https://evil.example/"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == "/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_it_translates_the_desk_name_when_it_is_the_default(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<a class="brand" href="/">事实核查台</a>' in page
    with override_settings(DESK_NAME="Le Desk"):
        assert '<a class="brand" href="/">Le Desk</a>' in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()


# --- Traditional Chinese ----------------------------------------------------------------------------


def test_the_traditional_catalogue_is_what_the_script_makes_of_the_simplified_one():
    """Refreshing zh_Hans without rerunning scripts/make_zh_hant.py leaves zh_Hant behind: this fails then."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "scripts/make_zh_hant.py", "--check"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_traditional_catalogue_uses_the_desks_terms():
    _, simplified = read_po(LOCALES["zh_Hans"] / "django.po")
    _, traditional = read_po(LOCALES["zh_Hant"] / "django.po")
    assert [e["msgid"] for e in traditional] == [e["msgid"] for e in simplified]
    texts = [text for e in traditional for text in e["msgstr"].values()]
    # OpenCC's mainland or wrong-sense words, put right by the script's table.
    for wrong in ("核查", "稽核", "釋出", "核實", "登錄", "默認", "用戶", "令牌"):
        assert not [t for t in texts if wrong in t], wrong
    # No Simplified character is left (these differ from their Traditional forms).
    for simplified_only in "这个们说发现对时会为无实过还审证员编辑据库录":
        assert not [t for t in texts if simplified_only in t], simplified_only
    joined = "\n".join(texts)
    assert "查核" in joined and "審核" in joined and "查證" in joined


def test_verdict_and_status_labels_in_traditional_chinese():
    from django.utils import translation

    from claims.models import Status, Verdict

    with translation.override("zh-hant"):
        assert [str(v.label) for v in Verdict] == ["真實", "基本真實", "真假參半", "基本不實", "不實", "誤導", "無法查證"]
        assert [str(s.label) for s in Status] == ["待查核", "查核中", "審核中", "已批准", "已發布", "不予查核"]


def test_it_switches_to_traditional_chinese_with_the_menu(client):
    response = client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/accounts/login/"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hant"
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hant">' in page and "<h1>登入</h1>" in page
    assert '<option value="zh-hant" lang="zh-hant" selected>' in page


@pytest.mark.django_db
def test_the_public_page_in_traditional_chinese(editor, editor2, reviewer, claim):
    from claims import workflow
    from claims.publishing import publish_essay

    from .conftest import add_source

    workflow.transition(claim, "start", reviewer)
    claim.refresh_from_db()
    workflow.edit(claim, reviewer, {"verdict": "true", "verdict_summary": "OpenAI 2019 年有約 150 名員工。"}, claim.version)
    add_source(claim, reviewer)
    claim.refresh_from_db()
    workflow.transition(claim, "submit", reviewer)
    claim.refresh_from_db()
    workflow.transition(claim, "approve", editor)
    publish_essay(claim.essay, editor2)
    from django.test import Client

    page = Client().get("/p/openai-deepseek/", HTTP_ACCEPT_LANGUAGE="zh-TW").content.decode()
    assert '<html lang="zh-hant">' in page
    assert "事實查核台" in page and "真實" in page and "無法查證" in page  # the desk, the badge, the methodology
    assert "事实核查台" not in page and "无法核实" not in page
    feed = Client().get("/p/feed/", HTTP_ACCEPT_LANGUAGE="zh-HK").content.decode()
    assert "事實查核台" in feed
