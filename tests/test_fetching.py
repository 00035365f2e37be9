"""claims.fetching against a local server serving saved pages and bad answers."""

import socket
import time

import pytest
from django.test import override_settings
from django.utils import translation

from claims import fetching
from claims.fetching import FetchError, fetch
from evidence.testing import PageServer

MB = 1024 * 1024


@pytest.fixture(scope="module")
def server():
    with PageServer() as running:
        yield running


@pytest.fixture(autouse=True)
def allowed(server):
    with override_settings(FETCH_ALLOWED_HOSTS=[server.host]):
        yield


def failure(url, **kwargs):
    kwargs.setdefault("max_bytes", MB)
    with pytest.raises(FetchError) as caught:
        fetch(url, **kwargs)
    return caught.value


def test_it_fetches_a_saved_page_in_chinese(server):
    result = fetch(server.url("/pages/zh_zaobao_chips.html"), max_bytes=MB)
    assert result.status == 200
    assert result.content_type == "text/html"
    assert result.charset == "utf-8"
    assert "晶片出口限制".encode() in result.body
    assert result.final_url == result.url
    assert result.redirects == ()
    assert result.header("content-length") == str(len(result.body))


def test_it_sends_the_desk_user_agent_and_the_host(server):
    fetch(server.url("/pages/en_pbs_census.html"), max_bytes=MB)
    path, headers = server.requests[-1]
    assert path == "/pages/en_pbs_census.html"
    assert headers["User-Agent"].startswith("FactcheckDesk/")
    assert headers["Host"] == f"{server.host}:{server.port}"


def test_it_follows_a_redirect_chain(server):
    result = fetch(server.url("/redirect/3"), max_bytes=MB)
    assert result.status == 200
    assert result.final_url == server.url("/pages/en_pbs_census.html")
    assert result.redirects == (server.url("/redirect/3"), server.url("/redirect/2"), server.url("/redirect/1"))


def test_it_refuses_more_redirects_than_allowed(server):
    assert failure(server.url("/redirect/6")).code == "redirects"
    assert fetch(server.url("/redirect/5"), max_bytes=MB).status == 200
    assert failure(server.url("/redirect/2"), max_redirects=1).code == "redirects"


def test_it_stops_a_redirect_loop(server):
    assert failure(server.url("/loop")).code == "redirects"


def test_it_checks_each_redirect_again(server):
    error = failure(server.url("/to-private"))
    assert error.code == "address"
    assert "10.1.2.3" in str(error.reason)
    assert failure(server.url("/to-ftp")).code == "scheme"


def test_it_returns_a_404_as_a_result(server):
    result = fetch(server.url("/missing"), max_bytes=MB)
    assert result.status == 404
    assert fetch(server.url("/error"), max_bytes=MB).status == 500


def test_it_reads_a_pdf(server):
    result = fetch(server.url("/report.pdf"), max_bytes=MB)
    assert result.content_type == "application/pdf"
    assert result.body.startswith(b"%PDF-")


def test_it_decodes_gzip(server):
    result = fetch(server.url("/gzip"), max_bytes=MB)
    assert b"Census Bureau" in result.body


def test_it_cuts_a_decompression_bomb(server):
    started = time.monotonic()
    error = failure(server.url("/bomb"), max_bytes=MB)
    assert error.code == "too_large"
    assert time.monotonic() - started < 5


def test_it_cuts_a_body_larger_than_the_limit_while_reading(server):
    assert failure(server.url("/big"), max_bytes=MB).code == "too_large"
    # Content-Length alone is enough to refuse.
    assert failure(server.url("/pages/en_pbs_census.html"), max_bytes=100).code == "too_large"


def test_it_gives_up_on_a_page_that_trickles_bytes(server):
    started = time.monotonic()
    error = failure(server.url("/slow"), timeout=0.5, max_bytes=MB)
    assert error.code == "timeout"
    assert time.monotonic() - started < 3


def test_it_gives_up_on_an_endless_page(server):
    # Either limit may be met first; neither lets the fetch run on.
    assert failure(server.url("/endless"), timeout=1, max_bytes=100 * MB).code in ("timeout", "too_large")
    assert failure(server.url("/endless"), timeout=10, max_bytes=64 * 1024).code == "too_large"


def test_it_gives_up_on_a_page_that_never_answers(server):
    started = time.monotonic()
    assert failure(server.url("/silent"), timeout=0.5).code == "timeout"
    assert time.monotonic() - started < 3


def test_it_passes_on_a_lying_content_type(server):
    # The fetcher reports what the server said; the capture decides what to make of it.
    result = fetch(server.url("/lying"), max_bytes=MB)
    assert result.content_type == "text/html"
    assert result.body.startswith(b"\x89PNG")


def test_it_refuses_other_schemes():
    for url in ("ftp://example.org/x", "file:///etc/passwd", "javascript:alert(1)", "gopher://x/"):
        assert failure(url).code == "scheme"


def test_it_refuses_private_addresses_unless_allowed(server):
    with override_settings(FETCH_ALLOWED_HOSTS=[]):
        for url in (
            server.url("/text"),
            "http://localhost:9/",
            "http://10.0.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]:9/",
            "http://[::ffff:127.0.0.1]:9/",
            "http://224.0.0.1/",
            "http://0.0.0.0/",
            "http://240.0.0.1/",
        ):
            assert failure(url).code == "address", url
    assert "/text" not in [path for path, _headers in server.requests]


def test_it_resolves_once_and_connects_to_that_address(server, monkeypatch):
    # A resolver that answers a public address first and the server's address after (rebinding).
    answers = []

    def rebinding(host, port, *args, **kwargs):
        answers.append(host)
        address = "93.184.216.34" if len(answers) == 1 else server.host
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    connected = []

    def recording(address, *args, **kwargs):
        connected.append(address)
        raise ConnectionRefusedError

    monkeypatch.setattr(fetching.socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(fetching.socket, "create_connection", recording)
    with override_settings(FETCH_ALLOWED_HOSTS=[]):
        assert failure("http://rebind.example:8080/").code == "connection"
    assert answers == ["rebind.example"]
    assert connected == [("93.184.216.34", 8080)]


def test_it_refuses_a_host_with_any_private_address(monkeypatch):
    def mixed(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
        ]

    monkeypatch.setattr(fetching.socket, "getaddrinfo", mixed)
    assert failure("http://mixed.example/").code == "address"


def test_it_reports_a_dns_failure(monkeypatch):
    def unknown(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(fetching.socket, "getaddrinfo", unknown)
    assert failure("http://unknown.example/").code == "dns"


def test_it_reports_a_refused_connection(server):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert failure(f"http://127.0.0.1:{port}/").code == "connection"


def test_the_reason_is_translated_when_shown(server):
    error = failure(server.url("/loop"))
    with translation.override("en"):
        english = str(error.reason)
    assert "redirects more than 5 times" in english
    with translation.override("zh-hans"):
        assert str(error.reason)  # rendered in the reader's language (catalogue filled in by the lead)
