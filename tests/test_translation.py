"""The Simplified Chinese catalogue is complete and compiled, and the pages follow the reader's language."""

import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

LOCALE = Path(settings.BASE_DIR) / "claims" / "locale" / "zh_Hans" / "LC_MESSAGES"
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


def test_it_translates_every_message():
    header, entries = read_po(LOCALE / "django.po")
    assert "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"][0]
    assert "fuzzy" not in header["flags"]
    assert len(entries) > 500
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values()) or not e["msgstr"]]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == [] and fuzzy == []


def test_it_keeps_every_placeholder():
    _, entries = read_po(LOCALE / "django.po")
    broken = [
        (e["msgid"], text)
        for e in entries
        for text in e["msgstr"].values()
        if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(e["msgid"]))
    ]
    assert broken == []


def test_it_ships_the_compiled_catalogue_of_the_current_translations():
    """The .mo is committed (no gettext needed to run the desk); it must say what the .po says."""
    _, entries = read_po(LOCALE / "django.po")
    with open(LOCALE / "django.mo", "rb") as compiled:
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
