"""Production mode, as a desk runs it: `check --deploy` is clean, and gunicorn with DEBUG off answers
with HSTS, a nonce-based CSP, __Host- cookies and whitenoise's hashed, compressed static files.

The server runs in a subprocess with its own SQLite file, so these tests need no test database.
"""

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOST = "desk.example.org"
PASSWORD = "correct-horse-battery-staple"


def production_env(tmp, **extra):
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment must not have it.
    unwanted = {"DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "HTTPS", "STATIC_ROOT", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unwanted}
    env.update(
        DJANGO_SETTINGS_MODULE="factcheck.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=f"sqlite:///{tmp / 'desk.sqlite3'}",
        STATIC_ROOT=str(tmp / "static"),
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def manage(env, *args):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_check_deploy_reports_nothing(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "DEBUG")
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr.strip() == ""


def test_check_deploy_notices_a_site_served_without_https(tmp_path):
    # The same check, shown able to fail: without the HTTPS block it lists what is missing.
    env = production_env(tmp_path, HTTPS="0")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


# --- A production server ---------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, port):
        self.port = port

    def request(self, method, path, body=None, headers=None, https=True):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        sent = {"Host": HOST, **({"X-Forwarded-Proto": "https"} if https else {}), **(headers or {})}
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        response.body = response.read()
        connection.close()
        return response


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("production")
    env = production_env(tmp)
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    manage(env, "shell", "-c", f"from django.contrib.auth.models import User; User.objects.create_user('edith', password='{PASSWORD}')")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "factcheck.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}", "--forwarded-allow-ips", "127.0.0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"gunicorn did not start: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)
    yield Server(port)
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def cookies(response):
    return {header.split("=", 1)[0]: header for name, header in response.getheaders() if name.lower() == "set-cookie"}


def test_it_redirects_plain_http_to_https(server):
    response = server.request("GET", "/accounts/login/", https=False)
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/accounts/login/"


def test_it_sends_the_security_headers(server):
    response = server.request("GET", "/accounts/login/")
    assert response.status == 200
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains; preload"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Referrer-Policy") == "same-origin"
    assert response.getheader("X-Frame-Options") == "DENY"
    assert response.getheader("Cross-Origin-Opener-Policy") == "same-origin"


def csp(response):
    header = response.getheader("Content-Security-Policy")
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def test_the_content_security_policy_allows_only_this_site(server):
    policy = csp(server.request("GET", "/accounts/login/"))
    # No inline script on this page, so no nonce either.
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["default-src"] == "'self'" and policy["form-action"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'"


def test_an_inline_script_runs_only_with_the_fresh_nonce_of_its_response(server):
    # The API's Swagger page has one inline script and one inline style, both with the nonce.
    first, second = server.request("GET", "/api/docs/"), server.request("GET", "/api/docs/")
    assert first.status == 200
    nonce = re.search(r"'nonce-([^']+)'", csp(first)["script-src"]).group(1)
    assert csp(first)["script-src"] == f"'self' 'nonce-{nonce}'"
    assert csp(first)["style-src"] == f"'self' 'nonce-{nonce}'"
    assert len(nonce) >= 16
    page = first.body.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page)
    assert inline and all(f'nonce="{nonce}"' in attributes for attributes in inline)
    assert nonce not in second.getheader("Content-Security-Policy")


def test_the_csrf_cookie_is_a_secure_host_cookie(server):
    cookie = cookies(server.request("GET", "/accounts/login/"))["__Host-csrftoken"]
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "secure" in attributes and "path=/" in attributes
    assert not any(part.startswith("domain=") for part in attributes)


def test_signing_in_sets_a_secure_httponly_host_session_cookie(server):
    page = server.request("GET", "/accounts/login/")
    csrf_cookie = cookies(page)["__Host-csrftoken"].split(";")[0]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1).decode()
    body = urlencode({"csrfmiddlewaretoken": token, "username": "edith", "password": PASSWORD})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": csrf_cookie,
        "Origin": f"https://{HOST}",
        "Referer": f"https://{HOST}/accounts/login/",
    }
    response = server.request("POST", "/accounts/login/", body=body, headers=headers)
    assert response.status == 302, response.body[:500]
    session = cookies(response)["__Host-sessionid"]
    attributes = [part.strip().lower() for part in session.split(";")]
    assert {"secure", "httponly", "path=/", "samesite=lax"} <= set(attributes)
    assert not any(part.startswith("domain=") for part in attributes)


def test_a_post_without_the_csrf_token_is_refused(server):
    response = server.request(
        "POST", "/accounts/login/", body="username=edith&password=x", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status == 403


def test_static_files_come_from_whitenoise_with_hashed_names(server):
    page = server.request("GET", "/accounts/login/").body.decode()
    path = re.search(r'href="(/static/claims/app\.([0-9a-f]{12})\.css)"', page).group(1)
    response = server.request("GET", path)
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/css")
    assert "immutable" in response.getheader("Cache-Control") and "max-age=315360000" in response.getheader("Cache-Control")
    assert response.body == (ROOT / "claims" / "static" / "claims" / "app.css").read_bytes()
    compressed = server.request("GET", path, headers={"Accept-Encoding": "gzip"})
    assert compressed.getheader("Content-Encoding") == "gzip"
    assert len(compressed.body) < len(response.body)


def test_a_static_file_that_does_not_exist_is_a_404(server):
    assert server.request("GET", "/static/claims/app.0123456789ab.css").status == 404
