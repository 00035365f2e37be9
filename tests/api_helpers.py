"""Helpers shared by the API test modules: clients signed with a user's token, JSON requests."""

from django.test import Client
from rest_framework.authtoken.models import Token


def api(user):
    """A client that signs every request with the user's API token (no session)."""
    token, _ = Token.objects.get_or_create(user=user)
    return Client(headers={"authorization": f"Token {token.key}"})


def post(client, path, body=None):
    return client.post(path, body, content_type="application/json") if body is not None else client.post(path)
