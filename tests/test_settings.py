"""Settings come from the environment and fail loudly, with the variable's name."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "HTTPS"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="factcheck.settings")
    code = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def read_settings(names, **env):
    """The named settings as a fresh process started with this environment sees them (JSON-encoded)."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "HTTPS"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="factcheck.settings")
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}, default=str))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_it_defaults_to_sqlite_with_immediate_transactions():
    # Read in a process of its own without DATABASE_URL, so that this also holds on the PostgreSQL run.
    database = read_settings(["DATABASES"])["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"].endswith("db.sqlite3")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["OPTIONS"]["timeout"] >= 5


def test_it_reads_a_postgres_url():
    result = load_settings(DATABASE_URL="postgres://postgres@127.0.0.1:5432/factcheck")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "0"}, "SECRET_KEY must be set when DEBUG is off"),
        ({"DEBUG": "maybe"}, "DEBUG must be one of"),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL must start with postgres://"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/"}, "DATABASE_URL names no database"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:notaport/db"}, "DATABASE_URL could not be read"),
        ({"DB_CONN_MAX_AGE": "soon", "DATABASE_URL": "postgres://postgres@127.0.0.1/db"}, "DB_CONN_MAX_AGE must be a whole number"),
    ],
)
def test_it_refuses_bad_configuration_with_a_clear_message(env, message):
    result = load_settings(**env)
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert message in last_line


def test_it_starts_in_production_mode_with_a_key():
    names = [
        "DEBUG",
        "ALLOWED_HOSTS",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_NAME",
    ]
    production = read_settings(names, DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="desk.example.org")
    assert production["DEBUG"] is False
    assert production["ALLOWED_HOSTS"] == ["desk.example.org"]
    assert production["SECURE_SSL_REDIRECT"] is True and production["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert production["SESSION_COOKIE_SECURE"] is True and production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    # Development mode is the other way round, so the checks above can fail.
    development = read_settings(names)
    assert development["DEBUG"] is True and development["SESSION_COOKIE_SECURE"] is False
