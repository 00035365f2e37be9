"""Signing in and out: throttled guessing (django-axes), strong passwords, a fresh session, sign-out by POST."""

import pytest
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from .conftest import PASSWORD

LOGIN = reverse("login")
LOGOUT = reverse("logout")
ATTACKER = "203.0.113.7"
EDITORS_DESK = "198.51.100.20"


def sign_in(client, username, password, address=ATTACKER):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail_times(client, username, count, address=ATTACKER):
    return [sign_in(client, username, "not-the-password", address).status_code for _ in range(count)]


def test_it_signs_in_with_the_right_password(editor, client):
    response = sign_in(client, "edith", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(editor.pk)


@pytest.mark.parametrize(
    ("given", "lands"),
    [
        ("/claims/1/", "/claims/1/"),
        ("0", "/welcome/"),
        ("claims/1/", "/welcome/"),
        ("//evil.example/", "/welcome/"),
        ("https://evil.example/", "/welcome/"),
    ],
)
def test_next_may_only_lead_to_a_path_on_this_site(editor, client, given, lands):
    # Anything else goes to the landing page (/welcome/), which sends editors on to the dashboard.
    response = client.post(LOGIN, {"username": "edith", "password": PASSWORD, "next": given}, REMOTE_ADDR=EDITORS_DESK)
    assert response.status_code == 302
    assert response["Location"] == lands


def test_it_says_why_a_sign_in_failed(editor, client):
    response = sign_in(client, "edith", "wrong")
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_pauses_sign_in_after_five_failures_with_a_clear_message(editor, client, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    # Four failures answer with the form; the fifth reaches the limit and is refused with 429.
    assert fail_times(client, "edith", 4) == [200] * 4
    assert fail_times(client, "edith", 1) == [429]
    response = sign_in(client, "edith", "not-the-password")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in paused" in page
    assert "paused for 15 minutes" in page
    assert response["Retry-After"] == "900"


def test_it_refuses_the_right_password_during_the_pause(editor, client):
    fail_times(client, "edith", 5)
    response = sign_in(client, "edith", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_pause_ends_after_the_cool_off(editor, client, clock):
    fail_times(client, "edith", 5)
    clock.shift(minutes=14)
    assert sign_in(client, "edith", PASSWORD).status_code == 429
    clock.shift(minutes=2)
    response = sign_in(client, "edith", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(editor.pk)


def test_failing_on_during_the_pause_does_not_extend_it(editor, client, clock):
    fail_times(client, "edith", 5)
    for _ in range(10):
        clock.shift(minutes=1)
        assert sign_in(client, "edith", "still-guessing").status_code == 429
    clock.shift(minutes=6)
    assert sign_in(client, "edith", PASSWORD).status_code == 302


def test_an_attacker_cannot_lock_the_editor_out_from_elsewhere(editor, client):
    fail_times(client, "edith", 20, address=ATTACKER)
    assert sign_in(client, "edith", PASSWORD, address=ATTACKER).status_code == 429
    desk = Client()
    response = sign_in(desk, "edith", PASSWORD, address=EDITORS_DESK)
    assert response.status_code == 302
    assert desk.session["_auth_user_id"] == str(editor.pk)


def test_a_paused_username_does_not_pause_other_people_at_that_address(editor, reviewer, client):
    fail_times(client, "edith", 5)
    colleague = Client()
    assert sign_in(colleague, "rosa", PASSWORD).status_code == 302


def test_it_reads_the_address_behind_a_trusted_proxy(editor, client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # Through the proxy every request comes from 127.0.0.1; X-Forwarded-For tells the clients apart.
    for _ in range(5):
        client.post(LOGIN, {"username": "edith", "password": "x"}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=ATTACKER)
    locked = client.post(LOGIN, {"username": "edith", "password": PASSWORD}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=ATTACKER)
    assert locked.status_code == 429
    desk = Client()
    ok = desk.post(
        LOGIN, {"username": "edith", "password": PASSWORD}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.9.9.9, {EDITORS_DESK}"
    )
    assert ok.status_code == 302


def test_a_forged_forwarded_address_does_not_escape_the_pause(editor, client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for spoof in range(5):
        client.post(
            LOGIN, {"username": "edith", "password": "x"}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.0.0.{spoof}, {ATTACKER}"
        )
    response = client.post(
        LOGIN, {"username": "edith", "password": PASSWORD}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.0.0.99, {ATTACKER}"
    )
    assert response.status_code == 429


# Passwords


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1!", "at least 10 characters"),
        ("password123", "too common"),
        ("12345678901234", "entirely numeric"),
        ("edith-edith", "too similar"),
    ],
)
def test_it_refuses_weak_passwords(password, message, db):
    user = User(username="edith-edith", email="edith@example.org")
    with pytest.raises(ValidationError, match=message):
        password_validation.validate_password(password, user)


def test_it_accepts_a_long_uncommon_password(db):
    password_validation.validate_password("tidal-Copper-47-lantern", User(username="edith"))


def test_the_password_change_page_enforces_the_rules(db):
    staff = User.objects.create_user("stella", password=PASSWORD, is_staff=True)
    client = Client()
    client.force_login(staff)
    response = client.post(reverse("admin:password_change"), {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200
    assert "at least 10 characters" in response.content.decode()
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


# Sessions


def test_signing_in_starts_a_fresh_session(editor, client, settings):
    client.get(LOGIN)
    session = client.session
    session["planted"] = "by someone who knows this session key"
    session.save()
    planted_key = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = planted_key
    assert sign_in(client, "edith", PASSWORD).status_code == 302
    assert client.session.session_key != planted_key
    assert not Session.objects.filter(session_key=planted_key).exists()


def test_signing_out_needs_a_post(editor, editor_client):
    response = editor_client.get(LOGOUT)
    assert response.status_code == 405
    assert "_auth_user_id" in editor_client.session
    response = editor_client.post(LOGOUT)
    assert response.status_code == 302
    assert "_auth_user_id" not in editor_client.session


def test_signing_out_ends_the_session_on_the_server(editor, client):
    sign_in(client, "edith", PASSWORD)
    key = client.session.session_key
    client.post(LOGOUT)
    assert not Session.objects.filter(session_key=key).exists()
