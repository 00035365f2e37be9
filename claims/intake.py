"""Every way an essay comes in, turned into one text: pasted, uploaded, read from disk or fetched.

The import page (paste, upload, web address), the API (`text` or `from_url`)
and `manage.py import_essay` (a file or `--url`) all call one of `from_text`,
`from_file` or `from_url`, and each of them ends in `normalize_newlines`: the
one change ever made to a text as received. `\\r\\n` and a lone `\\r` become
`\\n` (a browser sends a textarea's lines with `\\r\\n`, and an HTML page or a
script never shows a `\\r`), so what the server stores, what the essay page
shows and every offset into it agree. An offset is a Python `str` index: a
count of Unicode code points (essay.js counts the same with `Array.from`).

Files are read by their kind: .txt and .md as text in UTF-8 (with or without
BOM), UTF-16 with a BOM, GB18030 (GBK, GB2312) or Big5, chosen by strict
decoding and, between the legacy Chinese encodings, charset-normalizer;
.docx with python-docx (paragraphs and headings, one per line, after the zip
is checked so that a zip bomb is refused before it is unpacked); .html, .htm
and saved pages (.mhtml) with trafilatura (the article's main text, title,
author, date and address). Anything else, or anything that does not read as
what its name says, is refused with an `EssayRejected` that says why.
"""

import codecs
import datetime as dt
import email
import email.policy
import io
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import PurePath
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import fetching
from .importing import EssayRejected, check_text, max_bytes

LINE_ENDINGS = re.compile(r"\r\n?")

TEXT_SUFFIXES = (".txt", ".text", ".md", ".markdown")
DOCX_SUFFIXES = (".docx",)
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
MHTML_SUFFIXES = (".mhtml", ".mht")
ACCEPT = ",".join(
    (
        *TEXT_SUFFIXES,
        *DOCX_SUFFIXES,
        *HTML_SUFFIXES,
        *MHTML_SUFFIXES,
        "text/plain",
        "text/markdown",
        "text/html",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# What a .docx may hold: a Word file is a zip of XML parts and media; these bound what is unpacked.
DOCX_MAX_ENTRIES = 1000
DOCX_UNPACKED_FACTOR = 4  # the parts together at most this many times IMPORT_MAX_FILE_BYTES

# The most elements a web page may have for its main text to be extracted (see _html).
PAGE_MAX_ELEMENTS = 15_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted .docx, or an old .doc
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")

ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": _("UTF-8 with a byte order mark"),
    "utf-16": _("UTF-16 with a byte order mark"),
    "gb18030": _("GB18030 (GBK, GB2312)"),
    "big5": "Big5",
}
# What a page or a server may call the encodings the desk reads, by family.
DECLARED = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5",
    "big5-hkscs": "big5",
    "big5hkscs": "big5",
    "cp950": "big5",
    "x-big5": "big5",
}
# The Big5 family in Python: Windows' Big5 first (it adds characters), then Hong Kong's.
BIG5_CODECS = ("cp950", "big5hkscs")
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w]+)""", re.IGNORECASE)


def normalize_newlines(text):
    """The text with every `\\r\\n` and lone `\\r` made `\\n`; nothing else changes."""
    return LINE_ENDINGS.sub("\n", text)


@dataclass(frozen=True)
class Intake:
    """An essay's text as the desk will store it, and what its file or page said about it."""

    text: str
    kind: str = "text"  # text, markdown, docx, html
    encoding: str = ""  # the codec the bytes were read with ("" when the text came as text)
    title: str = ""
    author: str = ""
    published_on: dt.date | None = None
    url: str = ""
    fetched_at: dt.datetime | None = None
    name: str = ""  # the file's name, or the address fetched

    @property
    def encoding_label(self):
        return ENCODING_LABELS.get(self.encoding, self.encoding)

    @property
    def kind_label(self):
        return {
            "text": _("plain text"),
            "markdown": _("Markdown text"),
            "docx": _("a Word document (.docx)"),
            "html": _("a web page (main text found by trafilatura)"),
        }[self.kind]

    def metadata(self):
        """What the file or page says about the essay, for the form's empty fields."""
        found = {"title": self.title, "author": self.author, "published_on": self.published_on, "url": self.url}
        return {name: value for name, value in found.items() if value}


def _refuse(message, field="file"):
    return EssayRejected(message, {field: [message]})


def _mb(size):
    return round(size / 1e6, 1)


def max_file_bytes():
    return settings.IMPORT_MAX_FILE_BYTES


# --- Text as text ---------------------------------------------------------------------------------


def from_text(text, field="text"):
    """Pasted or posted text: line endings normalised, then the importer's checks."""
    if not isinstance(text, str):
        raise _refuse(_("The essay text must be a string."), field)
    return Intake(text=_checked(normalize_newlines(text), field))


def _checked(text, field):
    try:
        return check_text(text)
    except EssayRejected as exc:
        raise _refuse(exc.message, field) from None


# --- Bytes as text --------------------------------------------------------------------------------


def decode(raw, declared="", field="file"):
    """(text, codec) of bytes in one of the encodings the desk reads, or a refusal that names them."""
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _refuse(
                _("The file starts as UTF-8 but has a byte that is not UTF-8 at position %(pos)s.") % {"pos": exc.start + 3}, field
            ) from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not raw.startswith(codecs.BOM_UTF32_LE):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise _refuse(
                _("The file starts as UTF-16 but is damaged or cut short (an odd number of bytes or a broken pair)."), field
            ) from None
    if b"\x00" in raw:
        raise _refuse(_("This looks like a binary file, not text."), field)
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        # Valid UTF-8 with its multi-byte characters up to a cut in the last character: a truncated file.
        if exc.reason == "unexpected end of data" and exc.end == len(raw) and max(raw[: exc.start], default=0) >= 0x80:
            raise _refuse(
                _("The file is UTF-8 text that ends in the middle of a character: it was cut short. Save or download it again."), field
            ) from None
    candidates = [codec for codec in ("gb18030", *BIG5_CODECS) if _decodes(raw, codec)]
    family = {"gb18030" if c == "gb18030" else "big5" for c in candidates}
    if not candidates:
        raise _refuse(
            _(
                "The file is in none of the encodings the desk reads: UTF-8 (with or without BOM), UTF-16 with a BOM, "
                "GB18030 (GBK, GB2312) or Big5. Save it as UTF-8 and try again."
            ),
            field,
        )
    chosen = DECLARED.get(declared.lower()) if declared else None
    if chosen not in family:
        chosen = _detect(raw, candidates)
    if chosen is None:
        raise _refuse(
            _(
                "The file decodes as GB18030 or Big5 only as gibberish, so it is in none of the encodings the desk reads: "
                "UTF-8 (with or without BOM), UTF-16 with a BOM, GB18030 (GBK, GB2312) or Big5. Save it as UTF-8 and try again."
            ),
            field,
        )
    codec = "gb18030" if chosen == "gb18030" else next(c for c in candidates if c in BIG5_CODECS)
    return raw.decode(codec), chosen


def _decodes(raw, codec):
    try:
        raw.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _detect(raw, candidates):
    """Which family (gb18030 or big5) charset-normalizer finds readable, or None if neither is."""
    from charset_normalizer import from_bytes

    best = from_bytes(raw, cp_isolation=candidates).best()
    if best is None:
        return None
    return "gb18030" if best.encoding == "gb18030" else "big5"


# --- Files ----------------------------------------------------------------------------------------


def from_file(name, raw, field="file"):
    """An uploaded or local file, read by its kind (its name's ending), with its metadata."""
    suffix = PurePath(name or "").suffix.lower()
    if suffix in TEXT_SUFFIXES:
        kind = "markdown" if suffix in (".md", ".markdown") else "text"
    elif suffix in DOCX_SUFFIXES:
        kind = "docx"
    elif suffix in HTML_SUFFIXES + MHTML_SUFFIXES:
        kind = "html"
    else:
        what = _sniff(raw) if raw else "text"
        raise _refuse(
            _("“%(name)s” is %(found)s. The desk reads .txt, .md, .docx, .html and .htm files (and web pages saved as .mhtml).")
            % {"name": name, "found": _sniffed_label(what) if what != "text" else _("not a kind of file the desk reads")},
            field,
        )
    if not raw:
        raise _refuse(_("The file “%(name)s” is empty.") % {"name": name}, field)
    limit = max_bytes() if kind in ("text", "markdown") else max_file_bytes()
    if len(raw) > limit:
        raise _refuse(
            _("The file is %(size)s bytes, over the limit of %(limit)s bytes for this kind of file.")
            % {"size": f"{len(raw):,}", "limit": f"{limit:,}"},
            field,
        )
    found = _sniff(raw)
    if found == "utf16" and kind != "docx":
        raise _refuse(
            _("“%(name)s” looks like UTF-16 text without a byte order mark, which cannot be read safely. Save it as UTF-8 and try again.")
            % {"name": name},
            field,
        )
    if kind == "docx":
        if found == "ole":
            raise _refuse(
                _(
                    "“%(name)s” is password-protected (encrypted) or an old Word .doc file. "
                    "Open it in Word, remove the password, and save it as a .docx document."
                )
                % {"name": name},
                field,
            )
        if found != "zip":
            raise _refuse(
                _("“%(name)s” is not a Word .docx document (it is %(found)s).") % {"name": name, "found": _sniffed_label(found)}, field
            )
        result = _docx(raw, name, field)
    elif found in ("zip", "ole", "pdf", "binary"):
        raise _refuse(
            _("“%(name)s” is %(found)s, not what its name says. Give it its proper ending (.docx for Word) or save it as text.")
            % {"name": name, "found": _sniffed_label(found)},
            field,
        )
    elif kind == "html":
        result = _mhtml(raw, field) if suffix in MHTML_SUFFIXES else _html_bytes(raw, field)
    else:
        if found == "html":
            raise _refuse(
                _("“%(name)s” is a web page (HTML), not plain text. Name it .html so that its main text is found.") % {"name": name}, field
            )
        text, codec = decode(raw, field=field)
        result = Intake(text=text, kind=kind, encoding=codec)
    return _finish(result, name, field)


def _finish(result, name, field, **changes):
    text = _checked(normalize_newlines(result.text), field)
    return replace(result, text=text, name=name, **changes)


def _sniff(raw):
    head = raw[:4096]
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Text in UTF-16 has a zero in every other byte where it is ASCII (line breaks, spaces, digits).
        halves = (head[0::2].count(0), head[1::2].count(0))
        return "utf16" if max(halves) >= max(4, len(head) // 16) and 4 * min(halves) <= max(halves) else "binary"
    start = head.removeprefix(codecs.BOM_UTF8).lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text"


def _sniffed_label(found):
    return {
        "zip": _("a zip archive (a Word document, perhaps)"),
        "ole": _("an old Office file or an encrypted document"),
        "pdf": _("a PDF file"),
        "binary": _("a binary file"),
        "utf16": _("UTF-16 text without a byte order mark"),
        "html": _("a web page"),
        "text": _("plain text"),
    }[found]


# --- Word -----------------------------------------------------------------------------------------


def _docx(raw, name, field):
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise _refuse(_("“%(name)s” is damaged or cut short: it cannot be opened as a Word document.") % {"name": name}, field) from None
    if len(entries) > DOCX_MAX_ENTRIES:
        raise _refuse(
            _("“%(name)s” holds more than %(n)s parts; a Word document has far fewer.") % {"name": name, "n": DOCX_MAX_ENTRIES}, field
        )
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise _refuse(_("“%(name)s” is encrypted. Remove the password in Word and save it again.") % {"name": name}, field)
    # The sizes the zip declares bound what zipfile will unpack; a bomb declares (or is cut at) its real size.
    unpacked_limit = DOCX_UNPACKED_FACTOR * max_file_bytes()
    if sum(entry.file_size for entry in entries) > unpacked_limit:
        raise _refuse(
            _("“%(name)s” unpacks to more than %(limit)s MB, far more than a Word document holds (a zip bomb?); it was not opened.")
            % {"name": name, "limit": _mb(unpacked_limit)},
            field,
        )
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
        raise _refuse(_("“%(name)s” is a zip archive but not a Word document.") % {"name": name}, field)
    try:
        broken = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError):
        broken = "?"
    if broken is not None:
        raise _refuse(_("“%(name)s” is damaged or cut short: it cannot be opened as a Word document.") % {"name": name}, field)

    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(raw))
        lines = []
        title = ""
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    cells = list(dict.fromkeys(cell.text.strip() for cell in row.cells if cell.text.strip()))
                    if cells:
                        lines.append("\t".join(cells))
                continue
            line = block.text.strip()
            if not line:
                continue
            style = (block.style.name if block.style is not None else "") or ""
            if not title and style.startswith(("Title", "Heading")):
                title = line
            lines.append(line)
        properties = document.core_properties
        title = (properties.title or "").strip() or title
        author = (properties.author or "").strip()
    except Exception:  # noqa: BLE001 -- python-docx raises many kinds of error on a malformed file; all mean the same here
        raise _refuse(_("“%(name)s” is not a valid Word document: its contents cannot be read.") % {"name": name}, field) from None
    if not lines:
        raise _refuse(_("The Word document “%(name)s” has no text.") % {"name": name}, field)
    return Intake(text="\n\n".join(lines), kind="docx", title=title[:300], author=author[:200])


# --- Web pages ------------------------------------------------------------------------------------


def _html_bytes(raw, field, declared=""):
    if not declared:
        match = META_CHARSET.search(raw[:4096])
        declared = match.group(1).decode("ascii", "replace") if match else ""
    html, codec = decode(raw, declared, field)
    return _html(html, field, codec)


def _mhtml(raw, field):
    """A page saved by a browser as one file: a MIME message whose first text/html part is the page."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            body = part.get_payload(decode=True) or b""
            result = _html_bytes(body, field, part.get_content_charset() or "")
            location = (part.get("Content-Location") or message.get("Snapshot-Content-Location") or "").strip()
            if not result.url and location.lower().startswith(("http://", "https://")):
                result = replace(result, url=location)
            return result
    raise _refuse(_("The saved page holds no HTML part."), field)


def _html(html, field, codec=""):
    import trafilatura
    from trafilatura.utils import load_html

    # Main-text extraction grows faster than the page (measured: 5,000 paragraphs 2 s, 20,000 9 s,
    # 60,000 80 s); an article has a few thousand elements, so a page of more is refused, not parsed for minutes.
    tree = load_html(html)
    if tree is None:
        raise _refuse(_("No article text was found in the page."), field)
    if sum(1 for _element in tree.iter()) > PAGE_MAX_ELEMENTS:
        raise _refuse(
            _("The page has more than %(n)s HTML elements, far more than an article; save its text as a .txt file instead.")
            % {"n": f"{PAGE_MAX_ELEMENTS:,}"},
            field,
        )
    try:
        document = trafilatura.bare_extraction(
            tree,
            include_comments=False,
            include_tables=False,
            with_metadata=True,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except (ValueError, TypeError, AttributeError):
        document = None
    body = (getattr(document, "text", "") or "").strip() if document is not None else ""
    if not body:
        raise _refuse(_("No article text was found in the page."), field)
    lines = [line.strip() for line in normalize_newlines(body).split("\n")]
    url = (document.url or "").strip()
    if not url.lower().startswith(("http://", "https://")) or len(url) > 1000:
        url = ""
    return Intake(
        text="\n\n".join(line for line in lines if line),
        kind="html",
        encoding=codec,
        title=(document.title or "").strip()[:300],
        author=(document.author or "").strip()[:200],
        published_on=_date(document.date),
        url=url,
    )


def _date(value):
    try:
        return dt.date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


# --- Addresses ------------------------------------------------------------------------------------


def from_url(url, field="from_url"):
    """The page at `url`, fetched by claims.fetching (deadline, size cap, redirects, no private networks)."""
    url = (url or "").strip()
    if urlsplit(url).scheme.lower() not in ("http", "https") or not urlsplit(url).hostname:
        raise _refuse(_("Enter a web address that starts with http:// or https://."), field)
    if len(url) > 1000:
        raise _refuse(_("The address is too long (at most 1000 characters)."), field)
    try:
        page = fetching.fetch(url, max_bytes=max_file_bytes(), timeout=settings.IMPORT_FETCH_TIMEOUT, max_redirects=5)
    except fetching.FetchError as exc:
        raise _refuse(_("The page could not be fetched: %(reason)s") % {"reason": exc.reason}, field) from None
    if page.status != 200:
        raise _refuse(_("The page could not be imported: the server answered with status %(status)s.") % {"status": page.status}, field)
    if not page.body:
        raise _refuse(_("The page is empty."), field)
    kind = page.content_type
    path = urlsplit(page.final_url).path.lower()
    if kind == DOCX_TYPE or (kind in ("", "application/octet-stream") and path.endswith(DOCX_SUFFIXES)):
        name = PurePath(path).name
        result = from_file(name if name.endswith(DOCX_SUFFIXES) else "page.docx", page.body, field)
    elif kind in ("text/html", "application/xhtml+xml") or (not kind and _sniff(page.body) == "html"):
        if _sniff(page.body) in ("zip", "ole", "pdf", "binary"):
            raise _refuse(_("The server says it sent a web page but sent %(found)s.") % {"found": _sniffed_label(_sniff(page.body))}, field)
        result = _html_bytes(page.body, field, page.charset)
    elif kind in ("text/plain", "text/markdown"):
        text, codec = decode(page.body, page.charset, field)
        result = Intake(text=text, kind="markdown" if kind == "text/markdown" else "text", encoding=codec)
    else:
        raise _refuse(
            _("The address gives a file of type %(type)s; the desk imports web pages, plain text and Word documents.")
            % {"type": kind or _("unknown")},
            field,
        )
    return _finish(result, url, field, url=url, fetched_at=page.fetched_at)
