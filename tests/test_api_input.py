"""Whatever a client sends, the API answers in JSON with a 4xx and stores nothing it should not: never a 500.

Every writing endpoint gets every field set to each value of a list of
awkward ones (wrong types, huge numbers, NUL bytes, lone surrogates, deep
nesting, long strings), plus malformed bodies; every list gets awkward
query strings; every path gets malformed ids and slugs.
"""

import json

import pytest

from claims.models import Claim, ClaimEvent, Essay, Note, Source

from .api_helpers import api

AWKWARD = [
    None,
    True,
    -1,
    0,
    2**63,
    10**400,
    1.5,
    1e308,
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "😀" * 3,
    "x" * 30_000,
    [],
    ["a", 1],
    {},
    {"nested": {"deeper": [1, {"x": None}]}},
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "9999-12-31T23:59:59-23:00",
    "0000-00-00",
    "1 OR 1=1",
]

BAD_BODIES = [b"", b"{", b"[1, 2]", b'"text"', b"null", b"NaN", b"\xff\xfe\x00", b"[" * 50_000 + b"]" * 50_000, b'{"a": 1e999}']


pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture
def editor_api(editor):
    return api(editor)


@pytest.fixture
def target(claim, editor):
    Claim.objects.filter(pk=claim.pk).update(status="researching", assignee=editor)
    claim.refresh_from_db()
    return claim


def writes(essay, claim):
    """(method, path, a valid body, the fields to spoil)."""
    return [
        (
            "post",
            "/api/v1/essays/",
            {"title": "T", "text": "In 2019, OpenAI had 150 employees.", "language": "en"},
            ["title", "text", "language", "slug", "author", "url", "published_on"],
        ),
        (
            "post",
            "/api/v1/claims/",
            {"essay": essay.slug, "start": 0, "end": 4},
            ["essay", "start", "end", "claim_type", "speaker", "normalized", "priority"],
        ),
        (
            "patch",
            f"/api/v1/claims/{claim.pk}/",
            {"version": claim.version},
            ["version", "verdict", "verdict_summary", "normalized", "priority", "due", "speaker", "claim_type", "assignee"],
        ),
        (
            "post",
            f"/api/v1/claims/{claim.pk}/transitions/",
            {"action": "dismiss", "comment": "x", "version": claim.version},
            ["action", "comment", "version"],
        ),
        (
            "post",
            f"/api/v1/claims/{claim.pk}/sources/",
            {"url": "https://example.org/"},
            ["url", "title", "publisher", "published_on", "accessed_at", "archive_url", "excerpt", "stance", "version"],
        ),
        ("post", f"/api/v1/claims/{claim.pk}/notes/", {"text": "A note."}, ["text"]),
        ("post", "/api/v1/auth/token/", {"username": "edith", "password": "wrong"}, ["username", "password"]),
    ]


def assert_answered(response):
    assert response.status_code < 500, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)


def stored():
    return (Essay.objects.count(), Claim.objects.count(), Source.objects.count(), Note.objects.count())


def test_it_answers_every_field_value_without_a_server_error(essay, target, editor_api, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token_user": "10000/min", "token_ip": "10000/min"}}
    settings.AXES_ENABLED = False
    statuses = set()
    for method, path, valid, fields in writes(essay, target):
        for field in fields:
            for value in AWKWARD:
                before = stored()
                response = getattr(editor_api, method)(path, {**valid, field: value}, content_type="application/json")
                assert_answered(response)
                statuses.add(response.status_code)
                if response.status_code == 400:
                    assert stored() == before, (path, field, value)
    assert 400 in statuses


@pytest.mark.parametrize("body", BAD_BODIES, ids=lambda b: repr(b[:12]))
def test_it_answers_every_malformed_body_with_400(body, essay, target, editor_api):
    for method, path, _valid, _fields in writes(essay, target):
        before = stored()
        response = getattr(editor_api, method)(path, body, content_type="application/json")
        assert response.status_code == 400, (path, response.content)
        assert response.json()["detail"]
        assert stored() == before


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"]
)
def test_it_reads_only_json_bodies(content_type, essay, target, editor_api):
    response = editor_api.post(f"/api/v1/claims/{target.pk}/notes/", b"text=hello", content_type=content_type)
    assert response.status_code == 415
    assert response.json()["detail"]
    assert not Note.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "essay=%00",
        "essay=" + "x" * 5000,
        "status=%ff",
        "assignee=%F0%9F%98%80",
        "assignee=none&assignee=rosa",
        "verdict[]=true",
        "page=%00",
        "page=1e3",
        "page=last",
        "page_size=-5",
        "page_size=99999999999999999999999",
        "page_size=abc",
        "ordering=-id",
        "claim_type=",
    ],
)
def test_it_answers_every_query_string_without_a_server_error(query, essay, target, editor_api):
    for path in [
        "/api/v1/claims/",
        "/api/v1/essays/",
        f"/api/v1/claims/{target.pk}/history/",
        f"/api/v1/claims/{target.pk}/sources/",
        f"/api/v1/claims/{target.pk}/notes/",
    ]:
        assert_answered(editor_api.get(f"{path}?{query}"))


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/claims/-1/",
        "/api/v1/claims/abc/",
        "/api/v1/claims/1.5/",
        "/api/v1/claims/%00/",
        "/api/v1/claims/99999999999999999999999999999999999999/notes/",
        "/api/v1/essays/%E4%B8%AD%E6%96%87/",
        "/api/v1/essays/a%00b/",
        "/api/v1/essays/a%0Ab/",
        "/api/v1/essays/%F3%86%BE%B0%0AC%7FL/",
        "/api/v1/essays/..%2F..%2Fetc/",
        "/api/v1/claims",
        "/api/v1/nothing-here/",
        "/api/v2/claims/",
    ],
)
def test_it_answers_malformed_paths_with_a_json_404(path, essay, editor_api):
    for method in ("get", "post"):
        response = getattr(editor_api, method)(path, {}, content_type="application/json")
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.json()["detail"]


def test_it_answers_unsupported_methods_with_405_and_allow(target, editor_api):
    response = editor_api.put(f"/api/v1/claims/{target.pk}/", {"version": 1}, content_type="application/json")
    assert response.status_code == 405
    assert set(response["Allow"].replace(" ", "").split(",")) >= {"GET", "PATCH"}
    assert response.json()["detail"]


def test_it_keeps_both_of_two_notes_without_versions(target, editor_api, reviewer):
    # Notes never conflict: a second note at the same version is kept too.
    for text in ("First.", "Second."):
        assert editor_api.post(f"/api/v1/claims/{target.pk}/notes/", {"text": text}, content_type="application/json").status_code == 201
    assert list(Note.objects.values_list("text", flat=True)) == ["First.", "Second."]
    assert ClaimEvent.objects.filter(claim=target, kind="note").count() == 2
