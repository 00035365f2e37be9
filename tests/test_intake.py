"""One entrance for text (claims/intake.py): line endings, encodings, formats, addresses and every bad input.

Real articles (tests/data/pages/SOURCES.md) in the encodings and formats a desk receives; the web pages are
served by a local HTTP server on a free loopback port (evidence/testing.py), listed in FETCH_ALLOWED_HOSTS.
"""

import codecs
import datetime as dt
import email.message
import io
import struct
import zipfile
from pathlib import Path

import docx
import html5lib
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from claims import importing, intake
from claims.importing import EssayRejected
from claims.models import Claim, Essay
from claims.text import highlight_text
from evidence.testing import Handler, PageServer

from .api_helpers import api, post
from .conftest import client_for

PAGES = Path(__file__).resolve().parent / "data" / "pages"
ZH_HANS = (PAGES / "zh_hans_stats_2016q3.txt").read_text(encoding="utf-8")
ZH_HANT = (PAGES / "zh_hant_cyol_2023_08.txt").read_text(encoding="utf-8")
EN = (PAGES / "en_ap_newyear_poll.txt").read_text(encoding="utf-8")
EN_PAGE = (PAGES / "en_ap_newyear_poll.html").read_bytes()
IMPORT = reverse("essay_import")
MB = 1024 * 1024


def refusal(call, *args, **kwargs):
    with pytest.raises(EssayRejected) as caught:
        call(*args, **kwargs)
    return str(caught.value.message)


def make_docx(paragraphs, *, title="", author="", heading="", table=None):
    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = author
    if heading:
        document.add_heading(heading, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        cells = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                cells.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rezip(raw, replace=None, add=None):
    """The .docx `raw` with some parts replaced or added (name → bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, (replace or {}).get(item.filename, source.read(item.filename)))
        for name, body in (add or {}).items():
            target.writestr(name, body)
    return out.getvalue()


def mhtml(html_bytes, charset, location):
    message = email.message.Message()
    message["Snapshot-Content-Location"] = location
    message["Subject"] = "saved page"
    message["MIME-Version"] = "1.0"
    message.set_type("multipart/related")
    page = email.message.Message()
    page.set_type("text/html")
    page.set_param("charset", charset)
    page["Content-Location"] = location
    page["Content-Transfer-Encoding"] = "quoted-printable"
    import quopri

    page.set_payload(quopri.encodestring(html_bytes).decode("ascii"))
    message.attach(page)
    return message.as_bytes()


# --- Line endings and offsets -------------------------------------------------------------------

# Text a desk receives: CR LF and lone CR, emoji (outside the BMP), combining marks, CJK, RTL, zero-width joiners.
PIECES = st.sampled_from(
    [
        "\r\n",
        "\r",
        "\n",
        "\n\n",
        " ",
        "2019年",
        "OpenAI",
        "😀",
        "👩\u200d💻",
        "e\u0301",
        "\u0915\u094d",
        "中文",
        "臺灣",
        "。",
        "“",
        "\u202e",
        "a",
    ]
)
TEXTS = st.lists(PIECES, min_size=1, max_size=40).map("".join)


@given(TEXTS)
def test_it_makes_every_line_ending_a_newline_and_changes_nothing_else(text):
    normal = intake.normalize_newlines(text)
    assert "\r" not in normal
    assert normal == text.replace("\r\n", "\n").replace("\r", "\n")
    assert intake.normalize_newlines(normal) == normal
    # Every other character, in order, as received.
    assert normal.replace("\n", "") == text.replace("\r", "").replace("\n", "")
    assert normal.count("\n") == text.count("\n") + text.count("\r") - text.count("\r\n")


def _segments(html):
    """(data-start, text) of every segment as an HTML5 parser (a browser's algorithm) reads the page."""
    tree = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    return [(int(el.get("data-start")), "".join(el.itertext())) for el in tree.iter() if el.get("data-start") is not None]


@given(TEXTS, st.data())
def test_an_offset_is_the_same_code_point_on_the_server_and_in_the_parsed_page(text, data):
    """The essay page's segments, read back by an HTML5 parser, give the stored text and its offsets exactly."""
    stored = intake.normalize_newlines(text)
    start = data.draw(st.integers(0, len(stored)))
    end = data.draw(st.integers(start, len(stored)))
    Mark = type("Mark", (), {})
    mark = Mark()
    mark.start, mark.end, mark.key, mark.css_class, mark.href, mark.label = start, end, 1, "status-open", "/c/1/", "#1"
    segments = _segments(str(highlight_text(stored, [mark] if end > start else [])))
    assert "".join(part for _, part in segments) == stored
    offset = 0
    for data_start, part in segments:
        assert data_start == offset
        offset += len(part)
    # An essay stored before line endings were normalised keeps its CR: the page writes it as &#13;, which the
    # parser keeps (a raw CR of a CR LF would be dropped and every later offset would slip).
    if "\r" in text:
        raw = _segments(str(highlight_text(text, [])))
        assert "".join(part for _, part in raw) == text


@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["\r\n", "\r", "\n\n"]), min_size=1, max_size=4))
def test_every_import_stores_proposals_that_match_the_stored_text(db, editor, breaks):
    Essay.objects.all().delete()
    paragraphs = [line for line in EN.split("\n") if line][:6]
    text = paragraphs[0]
    for i, paragraph in enumerate(paragraphs[1:]):
        text += breaks[i % len(breaks)] + paragraph
    essay = importing.import_essay(title="CRLF", text=text, user=editor)
    assert essay.text == intake.normalize_newlines(text)
    claims = list(essay.claims.all())
    assert claims
    for claim in claims:
        assert essay.text[claim.start : claim.end] == claim.quote


# --- Encodings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "codec", "expected"),
    [
        (ZH_HANS.encode("utf-8"), "utf-8", ZH_HANS),
        (codecs.BOM_UTF8 + ZH_HANT.encode("utf-8"), "utf-8-sig", ZH_HANT),
        (ZH_HANS.encode("utf-16"), "utf-16", ZH_HANS),
        (codecs.BOM_UTF16_BE + EN.encode("utf-16-be"), "utf-16", EN),
        (ZH_HANS.encode("gbk"), "gb18030", ZH_HANS),
        (ZH_HANS.encode("gb2312"), "gb18030", ZH_HANS),
        ((ZH_HANS + "𠀀").encode("gb18030"), "gb18030", ZH_HANS + "𠀀"),
        (ZH_HANT.encode("big5"), "big5", ZH_HANT),
        (ZH_HANT.encode("cp950"), "big5", ZH_HANT),
        (ZH_HANT.encode("gbk"), "gb18030", ZH_HANT),  # Traditional characters written in GBK are still GBK
        ("國家統計局".encode("big5"), "big5", "國家統計局"),
        ("国家统计局".encode("gbk"), "gb18030", "国家统计局"),
    ],
)
def test_it_reads_every_encoding_a_desk_receives(raw, codec, expected):
    text, found = intake.decode(raw)
    assert (text, found) == (expected, codec)


def test_it_says_which_encoding_it_used():
    received = intake.from_file("统计.txt", ZH_HANS.replace("\n", "\r\n").encode("gbk"))
    assert received.text == ZH_HANS
    assert received.encoding_label == "GB18030 (GBK, GB2312)"
    assert intake.from_file("a.txt", ZH_HANT.encode("big5")).encoding_label == "Big5"
    assert intake.from_file("a.txt", codecs.BOM_UTF8 + b"x").encoding_label == "UTF-8 with a byte order mark"
    assert intake.from_text("pasted\r\ntext").encoding == ""


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("Müller sagte, die Straße sei schön.".encode("latin-1"), "none of the encodings"),
        (b"caf\x80 au lait", "none of the encodings"),
        ("Müller".encode("cp1252") + b" \x81\x20", "none of the encodings"),
        (ZH_HANS.encode("utf-8")[:-2], "cut short"),
        (ZH_HANS.encode("utf-16")[:-1], "UTF-16"),
        (codecs.BOM_UTF8 + b"ok \xff", "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ],
)
def test_it_refuses_bytes_in_no_encoding_it_reads_and_says_so(raw, message):
    assert message in refusal(intake.decode, raw)


# --- Formats --------------------------------------------------------------------------------------


def test_it_reads_text_and_markdown_files():
    received = intake.from_file("poll.md", EN.replace("\n", "\r\n").encode())
    assert (received.kind, received.encoding, received.text) == ("markdown", "utf-8", EN)
    assert intake.from_file("poll.TXT", EN.encode()).kind == "text"


def test_it_reads_a_word_document_with_its_headings_tables_and_properties():
    paragraphs = [line for line in EN.split("\n") if line][1:]
    raw = make_docx(
        paragraphs, title="AP New Year’s poll", author="The Associated Press", heading="Americans hopeful", table=[["2016", "18%"]]
    )
    received = intake.from_file("poll.docx", raw)
    assert received.kind == "docx" and received.encoding == ""
    assert received.text == "\n\n".join(["Americans hopeful", *paragraphs, "2016\t18%"])
    assert (received.title, received.author) == ("AP New Year’s poll", "The Associated Press")
    # No title in the properties: the first heading names it.
    assert intake.from_file("poll.docx", make_docx(paragraphs, heading="Americans hopeful")).title == "Americans hopeful"


def test_it_reads_a_saved_web_page_with_its_metadata():
    received = intake.from_file("poll.html", EN_PAGE)
    assert received.kind == "html" and received.encoding == "utf-8"
    assert received.title == "AP New Year’s poll: Americans hopeful for a better 2017"
    assert received.author == "The Associated Press"
    assert received.published_on == dt.date(2016, 12, 29)
    assert received.url == "https://ap-gfkpoll.com/featured/"
    assert "Only 18 percent said things for the country got better" in received.text
    for boilerplate in ("Subscribe to our newsletter", "Cookie settings", "Most read"):
        assert boilerplate not in received.text
    assert "\r" not in received.text


def test_it_reads_a_page_in_gbk_by_its_meta_charset_or_without_one():
    html = (PAGES / "zh_zaobao_chips.html").read_text(encoding="utf-8")
    for page in (html.replace('charset="utf-8"', 'charset="gbk"'), html.replace('<meta charset="utf-8">', "")):
        received = intake.from_file("chips.htm", page.encode("gbk"))
        assert received.encoding == "gb18030"
        assert received.title == "路透社：美国本周将宣布更多AI晶片出口限制措施"
        assert "负责监督出口管制的美国商务部拒绝对路透社报道置评。" in received.text


def test_it_reads_a_page_saved_as_one_file():
    html = (PAGES / "zh_zaobao_chips.html").read_text(encoding="utf-8").replace('charset="utf-8"', 'charset="gb2312"')
    saved = mhtml(html.encode("gbk"), "gb2312", "https://www.zaobao.com.sg/realtime/world/story20231016-1443053")
    received = intake.from_file("chips.mhtml", saved)
    assert received.encoding == "gb18030"
    assert received.url == "https://www.zaobao.com.sg/realtime/world/story20231016-1443053"
    assert "拜登政府的多名高级官员" in received.text


# --- Bad files ------------------------------------------------------------------------------------


def _zip_bomb():
    """A .docx whose media part is 64 MB of zeros: about 64 kB on disk."""
    return rezip(make_docx(["A paragraph."]), add={"word/media/image1.png": b"\0" * (64 * MB)})


def _lying_zip():
    """A .docx whose 4 MB part declares 100 bytes: zipfile stops there and the CRC check fails."""
    raw = bytearray(rezip(make_docx(["A paragraph."]), add={"word/media/image1.png": b"\0" * (4 * MB)}))
    name = b"word/media/image1.png"
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        struct.pack_into("<I", raw, archive.getinfo(name.decode()).header_offset + 22, 100)  # the local header
    pos = 0
    while (pos := raw.find(b"PK\x01\x02", pos)) != -1:  # the central directory
        if raw[pos + 46 : pos + 46 + struct.unpack_from("<H", raw, pos + 28)[0]] == name:
            struct.pack_into("<I", raw, pos + 24, 100)
        pos += 4
    return bytes(raw)


GOOD_DOCX = make_docx(["The desk checked 1,204 claims in 2025."], title="Report")


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("essay.txt", b"", "is empty"),
        ("essay.md", b"", "is empty"),
        ("essay.docx", b"", "is empty"),
        ("essay.html", b"", "is empty"),
        ("essay.txt", b" \r\n\t\r", "essay is empty"),
        ("essay.html", b"<html><head><script>start()</script></head><body><img src=a.png></body></html>", "No article text"),
        ("essay.docx", make_docx([]), "has no text"),
        # truncated
        ("essay.txt", ZH_HANT.strip().encode("utf-8")[:-1], "cut short"),
        ("essay.html", EN_PAGE[: EN_PAGE.index("weren’t".encode()) + 6], "cut short"),
        ("essay.docx", GOOD_DOCX[: len(GOOD_DOCX) // 2], "damaged or cut short"),
        # wrong extension
        ("essay.txt", GOOD_DOCX, "a zip archive"),
        ("essay.html", GOOD_DOCX, "a zip archive"),
        ("essay.docx", EN.encode(), "not a Word .docx document"),
        ("essay.txt", EN_PAGE, "is a web page"),
        ("essay.md", b"%PDF-1.4\n", "a PDF file"),
        ("essay.pdf", b"%PDF-1.4\n", "a PDF file"),
        ("essay.rtf", b"{\\rtf1 hello}", "not a kind of file the desk reads"),
        ("essay.txt", ZH_HANS.encode("utf-16-le"), "UTF-16 text without a byte order mark"),
        ("essay.txt", EN.encode("utf-16-be"), "UTF-16 text without a byte order mark"),
        ("essay.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "a binary file"),
        ("essay", EN.encode(), "not a kind of file the desk reads"),
        # Word documents that cannot be read
        ("essay.docx", intake.OLE_MAGIC + b"\0" * 1024, "password-protected"),
        ("essay.docx", rezip(GOOD_DOCX, replace={"word/document.xml": b"<w:document"}), "not a valid Word document"),
        ("essay.docx", rezip(GOOD_DOCX, replace={"[Content_Types].xml": b"<Types/>"}), "not a valid Word document"),
        ("essay.docx", b"PK\x05\x06" + b"\0" * 18, "not a Word document"),
        ("essay.docx", _zip_bomb(), "zip bomb"),
        ("essay.docx", _lying_zip(), "damaged or cut short"),
        # too large
        ("essay.html", b"<html><body><p>" + b"x" * (10 * MB) + b"</p></body></html>", "over the limit"),
        ("essay.txt", b"a" * (2 * MB + 1), "over the limit"),
        ("essay.html", b"<html><body>" + b"<p>18 percent.</p>" * 15_001 + b"</body></html>", "more than 15,000 HTML elements"),
    ],
)
def test_it_refuses_every_bad_file_in_words(name, raw, message):
    assert message in refusal(intake.from_file, name, raw)


def test_the_zip_bomb_is_refused_before_it_is_unpacked(monkeypatch):
    bomb, opened = _zip_bomb(), []
    monkeypatch.setattr(docx, "Document", lambda *args: opened.append(args))
    refusal(intake.from_file, "bomb.docx", bomb)
    assert opened == []


# --- The import page ------------------------------------------------------------------------------


def preview(client, **fields):
    return client.post(IMPORT, {"preview": "1", **fields})


def test_the_page_previews_a_gbk_file_and_says_so(editor):
    client = client_for(editor)
    upload = SimpleUploadedFile("统计局.txt", ZH_HANS.replace("\n", "\r\n").encode("gbk"), content_type="text/plain")
    response = preview(client, title="前三季度国民经济", file=upload)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Encoding: GB18030 (GBK, GB2312)." in page
    assert "Read “统计局.txt”: plain text." in page
    form = response.context["form"]
    assert form["text"].value() == ZH_HANS
    assert not Essay.objects.exists()
    # The import posts the text box back (with CR LF, as a browser does): the same text, the same offsets.
    response = client.post(IMPORT, {"title": "前三季度国民经济", "text": ZH_HANS.replace("\n", "\r\n"), "import": "1", "keep_all": "1"})
    assert response.status_code == 302
    essay = Essay.objects.get()
    assert essay.text == ZH_HANS
    assert all(essay.text[c.start : c.end] == c.quote for c in essay.claims.all())


def test_the_page_fills_the_empty_fields_from_a_web_page(editor):
    upload = SimpleUploadedFile("poll.html", EN_PAGE, content_type="text/html")
    response = preview(client_for(editor), file=upload, author="The desk")
    assert response.status_code == 200
    form = response.context["form"]
    assert form["title"].value() == "AP New Year’s poll: Americans hopeful for a better 2017"
    assert form["author"].value() == "The desk"  # what the editor typed stays
    assert str(form["published_on"].value()) == "2016-12-29"
    assert form["url"].value() == "https://ap-gfkpoll.com/featured/"
    assert "Found in it and filled in where the field was empty" in response.content.decode()


def test_the_page_asks_for_a_title_when_the_file_names_none_and_keeps_the_text(editor):
    upload = SimpleUploadedFile("poll.txt", EN.encode())
    response = preview(client_for(editor), file=upload)
    assert response.status_code == 400
    form = response.context["form"]
    assert "Give the essay a title" in " ".join(form.errors["title"])
    assert form["text"].value() == EN


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("a.docx", intake.OLE_MAGIC + b"\0" * 1024, "password-protected"),
        ("a.docx", _zip_bomb(), "zip bomb"),
        ("a.html", b"<html><body><p>" + b"x" * (10 * MB) + b"</p></body></html>", "over the limit"),
        ("a.txt", "Müller".encode("latin-1"), "none of the encodings"),
        ("a.exe", b"MZ\0\0", "binary file"),
    ],
)
def test_the_page_refuses_a_bad_file_in_words_and_stores_nothing(editor, name, raw, message):
    response = preview(client_for(editor), title="x", file=SimpleUploadedFile(name, raw))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["file"])
    assert not Essay.objects.exists()


def test_the_page_refuses_a_file_and_an_address_together(editor):
    response = preview(client_for(editor), title="x", file=SimpleUploadedFile("a.txt", b"Text."), from_url="https://example.org/")
    assert response.status_code == 400
    assert "not both" in " ".join(response.context["form"].errors["from_url"])


# --- Web addresses --------------------------------------------------------------------------------


class IntakeHandler(Handler):
    """The saved pages server, plus pages in legacy encodings and a Word document."""

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/intake/gbk.html":
            html = (PAGES / "zh_zaobao_chips.html").read_text(encoding="utf-8").replace('<meta charset="utf-8">', "")
            return self._send(200, html.encode("gbk"), "text/html; charset=gbk")
        if path == "/intake/big5.txt":
            return self._send(200, ZH_HANT.replace("\n", "\r\n").encode("big5"), "text/plain")
        if path == "/intake/poll.html":
            return self._send(200, EN_PAGE, "text/html")
        if path in ("/intake/poll.docx", "/intake/download"):
            return self._send(200, make_docx(EN.split("\n\n")[1:], title="AP poll"), intake.DOCX_TYPE)
        if path == "/intake/redirect-to-poll":
            return self._send(302, headers=[("Location", "/intake/poll.html")])
        if path == "/intake/binary.html":
            return self._send(200, b"\x89PNG\r\n\x1a\n\0\0\0", "text/html")
        return super().do_GET()


@pytest.fixture(scope="module")
def server():
    running = PageServer()
    running.httpd.RequestHandlerClass = IntakeHandler
    with running:
        yield running


@pytest.fixture
def allowed(server):
    with override_settings(FETCH_ALLOWED_HOSTS=[server.host], IMPORT_FETCH_TIMEOUT=2):
        yield server


def test_it_imports_the_main_text_of_a_page_and_keeps_where_and_when(allowed):
    received = intake.from_url(allowed.url("/intake/redirect-to-poll"))
    assert received.kind == "html"
    assert received.url == allowed.url("/intake/redirect-to-poll")
    assert received.fetched_at is not None
    assert received.title == "AP New Year’s poll: Americans hopeful for a better 2017"
    assert "Only 18 percent" in received.text


@pytest.mark.parametrize(
    ("path", "encoding", "words"),
    [
        ("/intake/gbk.html", "gb18030", "负责监督出口管制的美国商务部"),
        ("/intake/big5.txt", "big5", "國內需求穩步擴大"),
        ("/intake/poll.docx", "", "Only 18 percent"),
        ("/intake/download", "", "Only 18 percent"),  # a Word document at an address without .docx
        ("/pages/zh_zaobao_chips.html", "utf-8", "晶片出口限制"),
    ],
)
def test_it_reads_pages_in_every_encoding_and_format(allowed, path, encoding, words):
    received = intake.from_url(allowed.url(path))
    assert received.encoding == encoding
    assert words in received.text and "\r" not in received.text


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/loop", "redirects more than 5 times"),
        ("/redirect/6", "redirects more than 5 times"),
        ("/to-private", "private or reserved network address (10.1.2.3)"),
        ("/to-ftp", "Only http:// and https://"),
        ("/endless", "too long to answer"),
        ("/silent", "too long to answer"),
        ("/big", "larger than the limit"),
        ("/bomb", "larger than the limit"),
        ("/missing", "status 404"),
        ("/error", "status 500"),
        ("/report.pdf", "type application/pdf"),
        ("/lying", "sent a binary file"),
        ("/intake/binary.html", "sent a binary file"),
    ],
)
def test_it_refuses_every_bad_page_and_says_why(allowed, path, message):
    # The bomb is compressed by the test server on each request (64 MB): give it the time, and only it.
    with override_settings(IMPORT_MAX_FILE_BYTES=MB, IMPORT_FETCH_TIMEOUT=30 if path == "/bomb" else 2):
        assert message in refusal(intake.from_url, allowed.url(path))


def test_it_refuses_a_private_address_unless_the_host_is_allowed(server):
    with override_settings(FETCH_ALLOWED_HOSTS=[]):
        assert "private or reserved network address (127.0.0.1)" in refusal(intake.from_url, server.url("/intake/poll.html"))
    for address in ("ftp://example.org/a.txt", "file:///etc/passwd", "javascript:alert(1)", "http://", "not an address"):
        assert "http:// or https://" in refusal(intake.from_url, address)


def test_the_page_imports_from_an_address_with_the_fetch_time(editor, allowed):
    client = client_for(editor)
    address = allowed.url("/intake/poll.html")
    response = preview(client, from_url=address)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Fetched {address} at" in page
    form = response.context["form"]
    assert form["from_url"].value() == ""
    assert form["url"].value() == address
    token = form["fetched"].value()
    # The import step posts the text box back: nothing is fetched again, the fetch time comes signed.
    requests = len(allowed.requests)
    fields = {name: form[name].value() or "" for name in ("title", "author", "url", "published_on", "fetched")}
    response = client.post(IMPORT, {**fields, "text": form["text"].value().replace("\n", "\r\n"), "import": "1", "keep_all": "1"})
    assert response.status_code == 302, response.context["form"].errors
    assert len(allowed.requests) == requests
    essay = Essay.objects.get()
    assert essay.url == address and essay.fetched_at is not None
    assert essay.author == "The Associated Press" and essay.published_on == dt.date(2016, 12, 29)
    # A forged or moved fetch time is not believed.
    Essay.objects.all().delete()
    forged = {**fields, "fetched": token[:-2] + "xx", "text": form["text"].value(), "import": "1", "keep_all": "1"}
    client.post(IMPORT, forged)
    assert Essay.objects.get().fetched_at is None


def test_the_page_refuses_a_bad_address_in_words_and_stores_nothing(editor, allowed):
    response = preview(client_for(editor), from_url=allowed.url("/loop"), title="x")
    assert response.status_code == 400
    assert "redirects more than 5 times" in " ".join(response.context["form"].errors["from_url"])
    assert not Essay.objects.exists()


def test_the_api_imports_from_an_address(editor, allowed):
    response = post(api(editor), "/api/v1/essays/", {"from_url": allowed.url("/intake/gbk.html")})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "路透社：美国本周将宣布更多AI晶片出口限制措施"
    assert body["url"] == allowed.url("/intake/gbk.html")
    essay = Essay.objects.get()
    assert essay.fetched_at is not None and "\r" not in essay.text
    assert Claim.objects.filter(essay=essay).exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"from_url": "/loop"}, "from_url", "redirects more than 5 times"),
        ({"from_url": "/silent"}, "from_url", "too long to answer"),
        ({"from_url": "/report.pdf", "title": "x"}, "from_url", "application/pdf"),
        ({"from_url": "/intake/poll.html", "text": "Both."}, "text", "one of the two"),
        ({"title": "Nothing"}, "text", "one of the two"),
        ({"text": "2019年，OpenAI只有150名员工。"}, "title", "title"),
        ({"from_url": "ftp://example.org/"}, "from_url", "http"),
    ],
)
def test_the_api_refuses_bad_input_in_json_and_stores_nothing(editor, allowed, body, field, message):
    body = {key: allowed.url(value) if key == "from_url" and value.startswith("/") else value for key, value in body.items()}
    response = post(api(editor), "/api/v1/essays/", body)
    assert response.status_code == 400
    answer = response.json()
    assert message in " ".join(answer["errors"][field]), answer
    assert not Essay.objects.exists()


def test_the_api_normalises_the_line_endings_of_posted_text(editor):
    response = post(api(editor), "/api/v1/essays/", {"title": "CRLF", "text": EN.replace("\n", "\r\n")})
    assert response.status_code == 201
    essay = Essay.objects.get()
    assert essay.text == EN
    assert all(essay.text[c.start : c.end] == c.quote for c in essay.claims.all())


# --- The command ----------------------------------------------------------------------------------


def test_the_command_imports_files_in_every_format(db, tmp_path, capsys):
    (tmp_path / "big5.txt").write_bytes(ZH_HANT.replace("\n", "\r\n").encode("big5"))
    call_command("import_essay", str(tmp_path / "big5.txt"), "--title", "國家統計局")
    assert Essay.objects.get().text == ZH_HANT
    (tmp_path / "poll.docx").write_bytes(make_docx(EN.split("\n\n")[1:], title="AP poll", author="The Associated Press"))
    call_command("import_essay", str(tmp_path / "poll.docx"))
    essay = Essay.objects.get(title="AP poll")
    assert essay.author == "The Associated Press"
    assert "Imported “AP poll”" in capsys.readouterr().out


def test_the_command_imports_from_an_address(db, allowed, capsys):
    call_command("import_essay", "--url", allowed.url("/intake/poll.html"))
    essay = Essay.objects.get()
    assert essay.url == allowed.url("/intake/poll.html") and essay.fetched_at is not None
    assert essay.title.startswith("AP New Year’s poll")


@pytest.mark.parametrize(("path", "message"), [("/loop", "redirects more than 5 times"), ("/missing", "status 404")])
def test_the_command_refuses_a_bad_address_clearly(db, allowed, path, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_essay", "--url", allowed.url(path))
    assert not Essay.objects.exists()


def test_the_command_asks_for_a_title_only_when_none_is_found(db, tmp_path):
    (tmp_path / "poll.txt").write_text(EN, encoding="utf-8")
    with pytest.raises(CommandError, match="--title is required"):
        call_command("import_essay", str(tmp_path / "poll.txt"))
    assert not Essay.objects.exists()
