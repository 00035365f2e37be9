"""The OpenAPI description at /api/schema/ and the reference at /api/docs/.

The schema must validate, list every endpoint with its parameters, bodies
and error answers, and describe the error bodies the API really sends. The
reference page must run under the site's Content-Security-Policy from the
project's own static files.
"""

import os
import re
from pathlib import Path

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, get_resolver
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from rest_framework.authtoken.models import Token

from claims.models import Claim

from .api_helpers import api

# Every operation of the README's endpoint table, and the error answers it documents.
OPERATIONS = {
    ("/api/v1/auth/token/", "post"): {400, 429},
    ("/api/v1/essays/", "get"): {400, 401, 403, 404},
    ("/api/v1/essays/", "post"): {400, 401, 403},
    ("/api/v1/essays/{slug}/", "get"): {401, 403, 404},
    ("/api/v1/import-jobs/{id}/", "get"): {401, 403, 404},
    ("/api/v1/essays/{slug}/publish/", "post"): {400, 401, 403, 404, 409},
    ("/api/v1/essays/{slug}/claimreview/", "get"): {404},
    ("/api/v1/claims/", "get"): {400, 401, 403, 404},
    ("/api/v1/claims/", "post"): {400, 401, 403},
    ("/api/v1/claims/{id}/", "get"): {401, 403, 404},
    ("/api/v1/claims/{id}/", "patch"): {400, 401, 403, 404, 409},
    ("/api/v1/claims/{id}/transitions/", "post"): {400, 401, 403, 404, 409},
    ("/api/v1/claims/{id}/sources/", "get"): {400, 401, 403, 404},
    ("/api/v1/claims/{id}/sources/", "post"): {400, 401, 403, 404, 409},
    ("/api/v1/claims/{id}/sources/{source_id}/recapture/", "post"): {401, 403, 404},
    ("/api/v1/claims/{id}/sources/{source_id}/", "delete"): {400, 401, 403, 404, 409},
    ("/api/v1/claims/{id}/split/", "post"): {400, 401, 403, 404, 409},
    ("/api/v1/claims/{id}/merge/", "post"): {400, 401, 403, 404, 409},
    ("/api/v1/claims/{id}/notes/", "get"): {400, 401, 403, 404},
    ("/api/v1/claims/{id}/notes/", "post"): {400, 401, 403, 404},
    ("/api/v1/claims/{id}/history/", "get"): {400, 401, 403, 404},
    ("/api/v1/notifications/", "get"): {400, 401, 403, 404},
    ("/api/v1/notifications/read/", "post"): {400, 401, 403},
    ("/api/v1/search/", "get"): {400, 401, 403},
    ("/api/v1/claims/{id}/similar/", "get"): {400, 401, 403, 404},
    ("/api/v1/claims/{id}/checked-before/", "post"): {400, 401, 403, 404, 409},
    ("/api/v1/claims/{id}/checked-before/reuse-sources/", "post"): {400, 401, 403, 404, 409},
}

# Operations with more than one success: a long essay is imported in the background (202 with the job).
SUCCESSES = {("/api/v1/essays/", "post"): {201, 202}}


pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture
def schema(db):
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_it_validates_the_schema_without_a_warning(tmp_path):
    # The same check as `manage.py spectacular --validate --fail-on-warn`: it raises on any warning.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert yaml.safe_load((tmp_path / "schema.yaml").read_text())["openapi"].startswith("3.")


def test_it_lists_every_operation_and_nothing_else(schema):
    listed = {(path, method) for path, item in schema["paths"].items() for method in item if method != "parameters"}
    assert listed == set(OPERATIONS)


def test_it_describes_every_api_route(schema):
    routes = set()
    for pattern in get_resolver("claims.api.urls").url_patterns:
        if isinstance(pattern, URLPattern) and str(pattern.pattern).startswith("v1/"):
            routes.add(
                "/api/"
                + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{id}" if m.group(1) == "pk" else "{" + m.group(1) + "}", str(pattern.pattern))
            )
    assert routes == set(schema["paths"])


@pytest.mark.parametrize(("path", "method"), list(OPERATIONS))
def test_it_documents_every_answer_of_every_operation(path, method, schema):
    operation = schema["paths"][path][method]
    assert operation["summary"]
    assert operation["tags"]
    codes = {int(code) for code in operation["responses"]}
    successes = {code for code in codes if code < 400}
    assert successes == SUCCESSES[(path, method)] if (path, method) in SUCCESSES else len(successes) == 1
    # 503 (the database unavailable or busy, claims/middleware.py) is documented on every operation.
    assert codes - successes == OPERATIONS[(path, method)] | {503}
    for code in codes - successes:
        response = operation["responses"][str(code)]
        assert response["description"]
        assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    for success in successes:
        assert operation["responses"][str(success)]["content"]["application/json"]["schema"]
    # Publishing and recapturing take no body; marking read takes `ids` or `all`, neither alone required by the schema.
    bodiless = ("/api/v1/essays/{slug}/publish/", "/api/v1/notifications/read/", "/api/v1/claims/{id}/sources/{source_id}/recapture/")
    if method in ("post", "patch") and path not in bodiless:
        assert operation["requestBody"]["required"] is True
        assert list(operation["requestBody"]["content"]) == ["application/json"]
    for name in re.findall(r"{(\w+)}", path):
        (parameter,) = [p for p in operation["parameters"] if p["name"] == name]
        assert parameter["in"] == "path" and parameter["required"] and parameter["description"]


def test_it_documents_the_claim_filters_and_pages(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/claims/"]["get"]["parameters"]}
    assert set(parameters) == {"essay", "status", "assignee", "claim_type", "verdict", "q", "checked_elsewhere", "page", "page_size"}
    assert set(parameters["status"]["schema"]["enum"]) == {"open", "researching", "in_review", "approved", "published", "dismissed"}
    assert "none" in parameters["verdict"]["schema"]["enum"]
    assert "200" in parameters["page_size"]["description"]


def test_it_documents_that_a_patch_carries_a_version(schema):
    body = schema["paths"]["/api/v1/claims/{id}/"]["patch"]["requestBody"]["content"]["application/json"]["schema"]
    component = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert component["required"] == ["version"]
    assert component["properties"]["version"]["minimum"] == 1


def test_it_documents_anonymous_access_only_for_the_token_and_the_claimreview(schema):
    for (path, method), _codes in OPERATIONS.items():
        security = schema["paths"][path][method].get("security")
        if path in ("/api/v1/auth/token/", "/api/v1/essays/{slug}/claimreview/"):
            assert security in (None, [{}], []), path
        else:
            assert {"tokenAuth": []} in security
            assert {} not in security


def _json_schema(node):
    """OpenAPI 3.0's `nullable` as JSON Schema, so that jsonschema can check real answers against it."""
    if isinstance(node, dict):
        node = {key: _json_schema(value) for key, value in node.items()}
        if node.pop("nullable", False):
            node = {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    return node


def validator_for(schema, name):
    document = _json_schema({"components": schema["components"]})
    registry = Registry().with_resource("urn:api", DRAFT202012.create_resource(document))
    return Draft202012Validator({"$ref": f"urn:api#/components/schemas/{name}"}, registry=registry)


def test_it_sends_error_bodies_of_the_documented_shape(schema, claim, editor, reviewer2, outsider):
    Claim.objects.filter(pk=claim.pk).update(status="researching", assignee=editor)
    answers = [
        Client().get("/api/v1/claims/"),  # 401
        api(outsider).get("/api/v1/claims/"),  # 403
        api(editor).get("/api/v1/claims/999/"),  # 404
        api(editor).get("/api/v1/claims/?status=nope"),  # 400 from a filter
        api(editor).patch(f"/api/v1/claims/{claim.pk}/", {"verdict": "nope"}, content_type="application/json"),  # 400
        api(editor).patch(f"/api/v1/claims/{claim.pk}/", {"version": 9}, content_type="application/json"),  # 409
        api(editor).post(f"/api/v1/claims/{claim.pk}/transitions/", {"action": "submit"}, content_type="application/json"),  # 400
        api(reviewer2).post(f"/api/v1/claims/{claim.pk}/transitions/", {"action": "submit"}, content_type="application/json"),  # 403
        api(editor).post(f"/api/v1/claims/{claim.pk}/notes/", "{oops", content_type="application/json"),  # 400
    ]
    for _ in range(6):
        answers.append(Client().post("/api/v1/auth/token/", {"username": "x", "password": "y"}, content_type="application/json"))
    validator = validator_for(schema, "Error")
    assert {a.status_code for a in answers} == {400, 401, 403, 404, 409, 429}
    for answer in answers:
        errors = list(validator.iter_errors(answer.json()))
        assert not errors, (answer.status_code, answer.json(), errors)


def test_it_sends_a_claim_of_the_documented_shape(schema, claim, editor):
    body = Client(headers={"authorization": f"Token {Token.objects.create(user=editor).key}"}).get(f"/api/v1/claims/{claim.pk}/").json()
    assert not list(validator_for(schema, "Claim").iter_errors(body))


# --- The reference page ---------------------------------------------------------------------------


def test_it_serves_the_reference_page_under_the_content_security_policy(db):
    response = Client().get("/api/docs/")

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    script_src = re.search(r"script-src ([^;]+)", policy).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    scripts = re.findall(r"<script([^>]*)>", html)
    assert len(scripts) == 3
    for attributes in scripts:
        source = re.search(r'src="([^"]+)"', attributes)
        if source:
            # Loaded from this site's own static files, never a CDN.
            assert source.group(1).startswith("/static/drf_spectacular_sidecar/swagger-ui-dist/")
            assert finders.find(source.group(1).removeprefix("/static/"))
        else:
            assert f'nonce="{nonce}"' in attributes
    for attributes in re.findall(r"<style([^>]*)>", html):
        assert f'nonce="{nonce}"' in attributes
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
    assert finders.find(stylesheet.removeprefix("/static/"))
    assert "style=" not in html
    assert 'url: "/api/schema/"' in html


def test_it_serves_the_reference_page_only_on_get(db):
    assert Client().post("/api/docs/").status_code == 405


# --- In a real browser ----------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_renders_swagger_ui_with_no_csp_violation(live_server):
    playwright_sync = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    # Playwright's sync API runs an event loop in this thread; the live server's ORM calls are in its own.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    problems = []
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            page.on("console", lambda message: message.type in ("error", "warning") and problems.append(message.text))
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
            page.on(
                "request",
                lambda request: (
                    request.url.startswith(live_server.url)
                    or request.url.startswith("data:")
                    or problems.append(f"off-site: {request.url}")
                ),
            )
            page.add_init_script(
                "document.addEventListener('securitypolicyviolation', e => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
            )
            page.goto(f"{live_server.url}/api/docs/")
            page.wait_for_selector(".swagger-ui .info .title")
            assert "Fact-check desk API" in page.inner_text(".swagger-ui .info .title")
            page.wait_for_selector("text=/api/v1/claims/{id}/transitions/")
            # Open one operation: its parameters and the error answers render too.
            page.click("text=/api/v1/claims/{id}/transitions/")
            page.wait_for_selector("text=Conflict: the version you sent is stale")
        finally:
            browser.close()
    assert problems == []
