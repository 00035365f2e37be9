"""POST /api/v1/auth/token/: a token for a username and password, throttled per (username, address) and per address."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from .conftest import PASSWORD

URL = "/api/v1/auth/token/"


pytestmark = pytest.mark.usefixtures("fresh_cache")


def ask(client, username, password, address="10.0.0.1"):
    return client.post(URL, {"username": username, "password": password}, content_type="application/json", REMOTE_ADDR=address)


def test_it_gives_a_token_that_opens_the_api(editor):
    response = ask(Client(), "edith", PASSWORD)

    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(user=editor).key == key
    assert Client(headers={"authorization": f"Token {key}"}).get("/api/v1/claims/").status_code == 200


def test_it_gives_the_same_token_twice(editor):
    first = ask(Client(), "edith", PASSWORD).json()["token"]
    assert ask(Client(), "edith", PASSWORD).json()["token"] == first
    assert Token.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"username": "edith", "password": "wrong password"},
        {"username": "nobody", "password": PASSWORD},
        {"username": "Edith", "password": PASSWORD},
    ],
)
def test_it_refuses_bad_credentials_in_words(body, editor):
    response = Client().post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert "do not match" in response.json()["detail"]
    assert not Token.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "edith"}, "password"),
        ({"password": "x"}, "username"),
        ({"username": "a\x00b", "password": "x"}, "username"),
        ({"username": ["edith"], "password": "x"}, "username"),
    ],
)
def test_it_names_a_missing_or_bad_field(body, field, editor):
    response = Client().post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][field]


def test_it_gives_no_token_to_an_inactive_account(editor):
    editor.is_active = False
    editor.save()
    assert ask(Client(), "edith", PASSWORD).status_code == 400


def test_it_refuses_get(editor):
    response = Client().get(URL)
    assert response.status_code == 405
    assert response.json()["detail"]


def test_five_wrong_passwords_from_one_address_do_not_lock_out_the_person_elsewhere(editor):
    client = Client()
    statuses = [ask(client, "edith", "wrong password", address="10.0.0.66").status_code for _ in range(5)]
    # The fifth failure pauses this username from this address (django-axes, like the sign-in page).
    assert statuses == [400] * 4 + [429]
    assert ask(client, "edith", PASSWORD, address="10.0.0.66").status_code == 429
    assert not Token.objects.exists()

    # The real person, at another address, still gets a token at once.
    response = ask(client, "edith", PASSWORD, address="10.0.0.99")
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=editor).key


def test_the_token_throttle_counts_a_username_per_address(editor, settings):
    """The throttle alone (the sign-in lock-out set out of reach): five attempts a minute per username and address."""
    settings.AXES_FAILURE_LIMIT = 100
    client = Client()
    assert [ask(client, "edith", "wrong password", address="10.0.0.66").status_code for _ in range(5)] == [400] * 5

    # The guesser's address is refused for this username, even with the right password and in another case...
    for username, password in (("edith", PASSWORD), ("EDITH", "another guess")):
        response = ask(client, username, password, address="10.0.0.66")
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert "Too many" in response.json()["detail"]
    assert not Token.objects.exists()

    # ...but not the person at another address, and not other usernames from the guesser's address.
    assert ask(client, "edith", PASSWORD, address="10.0.0.99").status_code == 200
    assert ask(client, "eric", "wrong password", address="10.0.0.66").status_code == 400


def test_wrong_passwords_from_many_addresses_lock_nobody_out(editor):
    client = Client()
    # Four guesses from each of six addresses: 24 wrong passwords for one username within the minute.
    for i in range(1, 7):
        assert [ask(client, "edith", "wrong password", address=f"10.0.1.{i}").status_code for _ in range(4)] == [400] * 4
    assert ask(client, "edith", PASSWORD, address="10.0.2.1").status_code == 200


def test_it_throttles_attempts_per_address_across_usernames(editor):
    client = Client()
    statuses = [ask(client, f"user{i}", "guess", address="10.0.0.7").status_code for i in range(20)]
    assert statuses == [400] * 20

    response = ask(client, "edith", PASSWORD, address="10.0.0.7")
    assert response.status_code == 429
    assert response.json()["detail"]
    assert ask(client, "edith", PASSWORD, address="10.0.0.8").status_code == 200


def test_it_lets_attempts_in_again_when_the_window_passes(editor, clock):
    client = Client()
    for _ in range(5):
        ask(client, "edith", "wrong password")
    assert ask(client, "edith", PASSWORD).status_code == 429
    clock.shift(minutes=61)
    # From the same address: the window (and the sign-in pause) has passed.
    assert ask(client, "edith", PASSWORD).status_code == 200


def test_it_answers_a_sign_in_lock_out_as_json(editor, settings, clock):
    """django-axes pauses sign-in after 5 failures of one username from one address; the API says so in its own shape."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token_user": "100/min", "token_ip": "100/min"}}
    client = Client()
    statuses = [ask(client, "edith", "wrong password").status_code for _ in range(6)]

    assert statuses[:4] == [400] * 4
    assert statuses[-1] == 429
    response = ask(client, "edith", PASSWORD)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "sign-ins" in response.json()["detail"]
