"""One fetch function for every page the desk reads from the web.

Used by URL import and source capture alike. A page is somebody else's
server: it may never answer, answer byte by byte, send a gigabyte, redirect in
a loop or to the desk's own network, or lie about what it sends. `fetch` keeps
each of those to a `FetchError` with a reason a person can read:

- http and https only, GET only;
- one deadline (`timeout` seconds) for the whole fetch, connecting, every
  redirect and every byte, enforced by a timer that shuts the socket, so a
  server that trickles bytes cannot hold the caller beyond it;
- at most `max_bytes` read from the wire and at most `max_bytes` after
  gzip/deflate decoding (a decompression bomb is cut, never inflated);
- at most `max_redirects` redirects, each one checked again from scratch;
- the host's name is resolved once, every address is checked (loopback,
  private, link-local, multicast, reserved and unspecified networks are
  refused unless the host is listed in `settings.FETCH_ALLOWED_HOSTS`), and
  the connection is made to that checked address: a DNS answer that changes
  between the check and the connection (rebinding) changes nothing. TLS still
  verifies the certificate against the host's name (SNI) and the Host header
  names the host.
"""

import datetime as dt
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
READ_CHUNK = 64 * 1024


class FetchError(Exception):
    """The page could not be fetched; `reason` says why in the reader's language.

    `code` is a stable word for programs: scheme, address, dns, connection,
    timeout, too_large, redirects, encoding, response.
    """

    def __init__(self, code, reason, url=""):
        super().__init__(code, url)
        self.code = code
        self.reason = reason
        self.url = url

    def __str__(self):
        return str(self.reason)


@dataclass(frozen=True)
class FetchResult:
    url: str
    final_url: str
    status: int
    content_type: str  # media type only, lower case ("text/html"); "" when the server sent none
    headers: list = field(repr=False)  # [(name, value), ...] as the server sent them
    body: bytes = field(repr=False)  # decoded from gzip/deflate when the server compressed it
    fetched_at: dt.datetime
    redirects: tuple = ()  # the URLs that redirected, in order, before final_url

    def header(self, name, default=""):
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return default

    @property
    def charset(self):
        """The charset named in Content-Type, or "" (callers guess with charset-normalizer)."""
        for param in self.header("content-type").split(";")[1:]:
            key, _sep, value = param.partition("=")
            if key.strip().lower() == "charset":
                return value.strip().strip("\"'").lower()
        return ""


def _reason(message, **params):
    """A lazily translated message with its parameters filled in when shown."""
    return lazy(lambda: str(message) % params, str)()


def user_agent():
    return getattr(settings, "FETCH_USER_AGENT", "") or f"FactcheckDesk/1.0 (+{settings.DESK_URL})"


def _allowed_hosts():
    return {host.lower().strip("[]") for host in getattr(settings, "FETCH_ALLOWED_HOSTS", [])}


def is_public_address(address):
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local or ip.is_unspecified)


def _resolve(host, port, deadline, url):
    """Every address of `host`, checked; the first one is the one to connect to."""
    allowed = host.lower() in _allowed_hosts()
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        # getaddrinfo has no timeout of its own; the resolver's is short, and the deadline is checked after.
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise FetchError("dns", _reason(_("The address %(host)s could not be found (DNS)."), host=host), url) from None
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        _check_deadline(deadline, url)
    if not addresses:
        raise FetchError("dns", _reason(_("The address %(host)s could not be found (DNS)."), host=host), url)
    if not allowed:
        for address in addresses:
            if not is_public_address(address.split("%")[0]):
                raise FetchError(
                    "address",
                    _reason(
                        _("%(host)s points to a private or reserved network address (%(address)s); the desk does not fetch those."),
                        host=host,
                        address=address,
                    ),
                    url,
                )
    return addresses[0]


def _check_deadline(deadline, url):
    if time.monotonic() >= deadline:
        raise FetchError("timeout", _("The page took too long to answer."), url)


def _connection(scheme, host, port, address, timeout):
    """An http.client connection to `host` whose socket goes to the checked `address`."""
    if scheme == "https":
        conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)

    # http.client connects through this one hook (HTTPS wraps the socket after it,
    # with server_hostname=host); replacing it pins the address without touching TLS.
    def create_connection(_address, timeout, source_address=None):
        return socket.create_connection((address, port), timeout, source_address)

    conn._create_connection = create_connection
    return conn


def _decoder(encoding, url):
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(zlib.MAX_WBITS)
    raise FetchError("encoding", _reason(_("The page is sent in an encoding the desk cannot read (%(encoding)s)."), encoding=encoding), url)


def _too_large(max_bytes, url):
    return FetchError("too_large", _reason(_("The page is larger than the limit of %(limit)s bytes."), limit=f"{max_bytes:,}"), url)


def _read_body(response, sock, max_bytes, deadline, url):
    declared = response.getheader("Content-Length")
    if declared and declared.strip().isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes, url)
    decoder = _decoder(response.getheader("Content-Encoding", ""), url)
    parts, raw_size, size = [], 0, 0
    while True:
        _check_deadline(deadline, url)
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = response.read1(READ_CHUNK)
        if not chunk:
            break
        raw_size += len(chunk)
        if raw_size > max_bytes:
            raise _too_large(max_bytes, url)
        if decoder is not None:
            try:
                # Never inflate more than one byte past the limit, whatever the input promises.
                chunk = decoder.decompress(chunk, max_bytes - size + 1)
            except zlib.error:
                raise FetchError("encoding", _("The page's compressed data is damaged."), url) from None
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes, url)
        parts.append(chunk)
    _check_deadline(deadline, url)
    if decoder is not None:
        try:
            tail = decoder.flush()
        except zlib.error:
            raise FetchError("encoding", _("The page's compressed data is damaged."), url) from None
        size += len(tail)
        if size > max_bytes:
            raise _too_large(max_bytes, url)
        parts.append(tail)
    return b"".join(parts)


def _get(url, max_bytes, deadline):
    """One GET, no redirects followed: (status, headers, body, location)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError("scheme", _("Only http:// and https:// addresses can be fetched."), url)
    host = parts.hostname
    if not host:
        raise FetchError("scheme", _("The address names no host."), url)
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise FetchError("scheme", _("The address has an invalid port."), url) from None
    address = _resolve(host, port, deadline, url)
    remaining = max(0.01, deadline - time.monotonic())
    conn = _connection(scheme, host, port, address, remaining)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    timer = None
    try:
        conn.connect()
        # http.client lets go of conn.sock once the response says it closes; keep our own hold.
        sock = conn.sock
        # The one guarantee against a server that trickles bytes forever: at the
        # deadline the socket is shut, whatever http.client is reading at the time.
        timer = threading.Timer(max(0.01, deadline - time.monotonic()), _shut, args=(sock,))
        timer.daemon = True
        timer.start()
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.putheader("User-Agent", user_agent())
        conn.putheader("Accept", "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.9,*/*;q=0.5")
        conn.putheader("Accept-Encoding", "gzip, deflate")
        conn.putheader("Connection", "close")
        conn.endheaders()
        response = conn.getresponse()
        status = response.status
        headers = list(response.getheaders())
        location = response.getheader("Location") if status in REDIRECT_STATUSES else None
        body = b"" if location else _read_body(response, sock, max_bytes, deadline, url)
        return status, headers, body, location
    except FetchError:
        raise
    except TimeoutError:
        raise FetchError("timeout", _("The page took too long to answer."), url) from None
    except ssl.SSLError as exc:
        raise FetchError(
            "connection", _reason(_("The secure connection failed (%(error)s)."), error=exc.reason or exc.__class__.__name__), url
        ) from None
    except (http.client.HTTPException, OSError, ValueError) as exc:
        if time.monotonic() >= deadline:
            raise FetchError("timeout", _("The page took too long to answer."), url) from None
        if isinstance(exc, ConnectionRefusedError):
            raise FetchError("connection", _("The server refused the connection."), url) from None
        if isinstance(exc, http.client.HTTPException | ValueError):
            raise FetchError("response", _("The server's answer is not valid HTTP."), url) from None
        raise FetchError(
            "connection", _reason(_("The connection failed (%(error)s)."), error=exc.strerror or exc.__class__.__name__), url
        ) from None
    finally:
        if timer is not None:
            timer.cancel()
        conn.close()


def _shut(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def fetch(url, *, max_bytes, timeout=10, max_redirects=5):
    """GET `url` following at most `max_redirects` redirects; FetchResult or FetchError."""
    deadline = time.monotonic() + timeout
    current, redirects, seen = url, [], set()
    while True:
        status, headers, body, location = _get(current, max_bytes, deadline)
        if location is None:
            break
        target = urljoin(current, location.strip())
        if len(redirects) >= max_redirects or target in seen:
            raise FetchError("redirects", _reason(_("The page redirects more than %(count)s times."), count=max_redirects), url)
        seen.add(current)
        redirects.append(current)
        current = target
    content_type = ""
    for key, value in headers:
        if key.lower() == "content-type":
            content_type = value.split(";")[0].strip().lower()
            break
    return FetchResult(
        url=url,
        final_url=current,
        status=status,
        content_type=content_type,
        headers=headers,
        body=body,
        fetched_at=timezone.now(),
        redirects=tuple(redirects),
    )
