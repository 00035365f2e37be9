"""Mail settings from the environment; plain Python so that settings.py can import it.

EMAIL_URL = smtp://host:25, smtp+tls://user:pass@host:587 (STARTTLS),
smtp+ssl://user:pass@host:465, or console:// (print mails); otherwise the
EMAIL_HOST/EMAIL_PORT/EMAIL_HOST_USER/EMAIL_HOST_PASSWORD/EMAIL_USE_TLS/
EMAIL_USE_SSL variables; with neither, the console backend in development.
"""

from urllib.parse import unquote, urlsplit

SMTP = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE = "django.core.mail.backends.console.EmailBackend"


class BadEmailSetting(ValueError):
    pass


def from_url(url):
    """The EMAIL_* settings named by `url`, or BadEmailSetting saying what is wrong."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BadEmailSetting(f"EMAIL_URL could not be read: {exc}.") from None
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"EMAIL_BACKEND": CONSOLE}
    if scheme not in ("smtp", "smtp+tls", "smtp+ssl", "smtps"):
        raise BadEmailSetting(f"EMAIL_URL must start with smtp://, smtp+tls://, smtp+ssl:// or console://; got {scheme or url!r}.")
    if not parts.hostname:
        raise BadEmailSetting("EMAIL_URL names no host (smtp+tls://user:password@host:587).")
    ssl = scheme in ("smtp+ssl", "smtps")
    return {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if ssl else 587 if scheme == "smtp+tls" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": scheme == "smtp+tls",
        "EMAIL_USE_SSL": ssl,
    }
