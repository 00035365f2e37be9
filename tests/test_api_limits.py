"""Bodies the API will not read, and queries that run out of time, answer in the API's JSON error shape.

A body over DATA_UPLOAD_MAX_MEMORY_SIZE is 413, one with too many fields (or a
query string with too many parameters) is 400, an essay over ESSAY_MAX_BYTES
but under the upload limit is the importer's own 400 naming `text`, and a
statement the database cancels for taking too long is a 503 with Retry-After;
nothing is stored by any of them.
"""

import json
from contextlib import contextmanager
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper

from claims.models import Claim, ClaimEvent, Essay

from .api_helpers import api

pytestmark = pytest.mark.usefixtures("fresh_cache")


def stored():
    return Essay.objects.count(), Claim.objects.count(), ClaimEvent.objects.count()


def assert_json_error(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail"} and body["detail"].strip()
    return body["detail"]


def test_a_body_over_the_upload_limit_is_413_in_json(editor):
    before = stored()
    # The real limits: the essay limit plus the room the settings leave for the rest of the body.
    text = "字" * ((settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 3) + 1000)
    body = json.dumps({"title": "Too long", "text": text}, ensure_ascii=False).encode()
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = api(editor).post("/api/v1/essays/", body, content_type="application/json")

    detail = assert_json_error(response, 413)
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in detail
    assert stored() == before


@pytest.mark.parametrize("path", ["/api/v1/claims/", "/api/v1/auth/token/", "/api/v1/claims/1/notes/"])
def test_any_endpoint_answers_an_oversized_body_in_json(path, editor, claim, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    before = stored()
    body = json.dumps({"essay": "x", "text": "a" * 5_000, "username": "edith", "password": "x" * 5_000})
    response = api(editor).post(path.replace("/1/", f"/{claim.pk}/"), body, content_type="application/json")
    assert_json_error(response, 413)
    assert stored() == before


def test_an_essay_over_its_own_limit_but_under_the_upload_limit_is_a_400_naming_the_text(editor, settings):
    settings.ESSAY_MAX_BYTES = 10_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000
    before = stored()
    response = api(editor).post(
        "/api/v1/essays/", {"title": "Long", "text": "OpenAI had 150 employees. " * 800}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["text"]
    assert stored() == before


def test_a_query_string_with_too_many_parameters_is_400_in_json(editor, claim, settings):
    query = "&".join(f"status=open&x{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS))
    response = api(editor).get(f"/api/v1/claims/?{query}")
    assert "too many" in assert_json_error(response, 400).lower()


def test_a_host_the_desk_does_not_serve_is_400_in_json_under_api(editor, settings):
    settings.ALLOWED_HOSTS = ["desk.example"]
    response = api(editor).get("/api/v1/claims/", headers={"host": "evil.example"})
    assert_json_error(response, 400)
    # The pages keep Django's own answer.
    page = api(editor).get("/", headers={"host": "evil.example"})
    assert page.status_code == 400
    assert not page["Content-Type"].startswith("application/json")


TIMEOUT = "canceling statement due to statement timeout"


@contextmanager
def statement_timeout_on(fragment):
    """Every statement containing `fragment` is cancelled as PostgreSQL cancels one past statement_timeout."""
    real = CursorWrapper.execute

    def execute(self, sql, params=None):
        if fragment in sql:
            raise OperationalError(TIMEOUT)
        return real(self, sql, params)

    with mock.patch.object(CursorWrapper, "execute", execute):
        yield


@pytest.mark.django_db(transaction=True)
def test_a_statement_timeout_on_the_api_is_503_in_json(editor, claim):
    client = api(editor)
    with statement_timeout_on('FROM "claims_claim"'):
        response = client.get("/api/v1/claims/")
    assert_json_error(response, 503)
    assert response["Retry-After"] == "5"
    # A write that times out half way stores nothing.
    with statement_timeout_on('INSERT INTO "claims_claimevent"'):
        response = client.post(f"/api/v1/claims/{claim.pk}/transitions/", {"action": "start"}, content_type="application/json")
    assert "too long" in assert_json_error(response, 503)
    claim.refresh_from_db()
    assert (claim.status, claim.version, ClaimEvent.objects.count()) == ("open", 1, 0)
    assert client.get("/api/v1/claims/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_statement_timeout_on_a_page_is_the_503_page(editor, claim):
    from .conftest import client_for

    with statement_timeout_on('FROM "claims_claim"'):
        response = client_for(editor).get(f"/claims/{claim.pk}/")
    assert response.status_code == 503
    assert "took too long" in response.content.decode()
