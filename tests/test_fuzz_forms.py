"""Bad input everywhere: hypothesis fills every field of every form and every writable API field
with odd strings (NUL, RTL marks, emoji, markup), huge and negative numbers and impossible dates.

Each answer must be a clear refusal or a success, never a 5xx (the test client re-raises a view's
exception, so a crash fails with its traceback); afterwards every stored row must pass its model's
full_clean() (lengths, choices, URLs, spans, check constraints), which SQLite would not enforce by itself.
The API's writable fields are read from its OpenAPI schema, so a field added later is fuzzed too.
"""

import datetime as dt
import json
import sys

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.models import Claim, ClaimEvent, Essay, Note, Publication, Source
from claims.workflow import CLAIM_ACTIONS

from .conftest import PASSWORD, add_source, client_for

FUZZ = settings(max_examples=50, deadline=None, database=None, suppress_health_check=list(HealthCheck))

CURRENT = object()  # "the claim's version as stored now", resolved at request time
EXAMPLES = {"n": 0}  # requests sent by the running test

EDGE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\t\n\r",
    "\u202e\u202d\u200f",
    "😀" * 50,
    "字" * 301,
    "x" * 5001,
    "<script>alert(1)</script>",
    "-1",
    "0",
    "1",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9" * 40,
    "1e309",
    "NaN",
    "-0",
    "1.5",
    "０１２",
    "0000-00-00",
    "2026-02-30",
    "9999-12-31",
    "10000-01-01",
    "2026-13-01",
    "1900-01-01",
    "2026-11-20T09:30:00",
    "javascript:alert(1)",
    "data:text/html,x",
    "http://",
    "https://",
    "http://[::1",
    "https://例子.测试/路径",
    "https://" + "a" * 2100,
    "open",
    "dismiss",
    "publish",
    "true",
    "false",
    "null",
    "none",
    "researching",
    "12:3",
    "1:-1",
    "99999999999999999999:1",
]
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=200)
JUNK = st.one_of(
    TEXT,
    st.sampled_from(EDGE),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats().map(repr),
    st.dates(min_value=dt.date(1, 1, 1)).map(str),
)
# JSON can carry more than strings: the API must refuse each kind where it does not belong.
JSON_JUNK = st.one_of(
    JUNK,
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.lists(st.one_of(TEXT, st.integers()), max_size=3),
    st.dictionaries(TEXT, TEXT, max_size=2),
)


def field(valid, junk=JUNK):
    """Half the time something the form may accept, half the time anything at all."""
    return st.one_of(valid, junk)


@pytest.fixture(autouse=True)
def examples(request):
    """Counts the examples each test ran (hypothesis may stop early on a small space); at least 10 must run."""
    EXAMPLES["n"] = 0
    yield
    if request.node.name != "test_the_schema_lists_the_writable_operations":
        print(f"\n{request.node.name}: {EXAMPLES['n']} examples", file=sys.stderr)
        assert EXAMPLES["n"] >= 10


def assert_every_row_is_valid():
    problems = []
    for model in (Essay, Claim, Source, Note, ClaimEvent, Publication, User):
        for obj in model.objects.all():
            try:
                obj.full_clean()
            except ValidationError as error:
                problems.append((model.__name__, obj.pk, error.message_dict))
    assert problems == []


@pytest.fixture
def desk(essay, make_claim, editor, editor2, reviewer, reviewer2):
    """Claims in several states (each fuzz run moves them on), with a source to remove and a second essay's claim."""
    claims = {
        "open": make_claim("OpenAI只有150名员工"),
        "researching": make_claim("中国需要建立自己的ChatGPT", status="researching", assignee=reviewer),
        "in_review": make_claim(
            "这些芯片总共达到了5万个", status="in_review", assignee=reviewer, verdict="false", verdict_summary="No.", submitted_by=reviewer
        ),
        "near": make_claim("在我看来"),
        "next": make_claim("这是一个好问题😀"),
    }
    for claim in claims.values():
        add_source(claim, reviewer)
    return {"essay": essay, "claims": claims, "editor": editor, "reviewer": reviewer, "clients": [client_for(editor), client_for(reviewer)]}


def post(client, url, data):
    EXAMPLES["n"] += 1
    response = client.post(url, data)
    assert response.status_code < 500, (url, data, response.status_code)
    return response


def resolve(data, claim):
    claim.refresh_from_db()
    return {key: (claim.version if value is CURRENT else value) for key, value in data.items() if value is not None}


VERSION = field(st.just(CURRENT), st.one_of(JUNK, st.just(CURRENT)))
DATE = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 1, 1)).map(str)
URL = st.sampled_from(["https://example.org/a", "http://example.org/b?x=1#y", "example.org/c", "https://例子.测试/"])


# --- The HTML forms -------------------------------------------------------------------------------


def test_the_import_form(desk):
    client = desk["clients"][0]

    @FUZZ
    @given(
        st.fixed_dictionaries(
            {
                "title": field(TEXT.filter(str.strip)),
                "text": field(
                    st.sampled_from(["According to Reuters, 150 people worked there in 2019.", "2019年，OpenAI只有150名员工。"]) | TEXT
                ),
            },
            optional={
                "language": field(st.sampled_from(["zh", "en", ""])),
                "slug": field(st.from_regex(r"\A[a-z0-9-]{1,30}\Z")),
                "author": field(TEXT),
                "url": field(URL),
                "published_on": field(DATE),
                "keep": field(st.from_regex(r"\A[0-9]{1,3}-[0-9]{1,3}\Z")),
                "preview": st.just("1"),
                "import": st.just("1"),
            },
        )
    )
    def run(data):
        post(client, reverse("essay_import"), data)

    run()
    assert_every_row_is_valid()


def test_the_claim_create_form(desk):
    essay = desk["essay"]

    @FUZZ
    @given(
        st.fixed_dictionaries(
            {},
            optional={
                "start": field(st.integers(0, len(essay.text)).map(str)),
                "end": field(st.integers(0, len(essay.text) + 2).map(str)),
                "quote": field(st.sampled_from(["", "OpenAI", essay.text[3:9]])),
                "claim_type": field(st.sampled_from(["statistic", "quote", "other"])),
            },
        ),
        st.sampled_from([0, 1]),
    )
    def run(data, who):
        post(desk["clients"][who], reverse("claim_create", args=[essay.slug]), data)

    run()
    assert_every_row_is_valid()


@pytest.mark.parametrize("state", ["open", "researching", "in_review"])
def test_the_claim_edit_form(desk, state):
    claim = desk["claims"][state]

    @FUZZ
    @given(
        st.fixed_dictionaries(
            {"version": VERSION},
            optional={
                "verdict": field(st.sampled_from(["", "true", "mostly_false", "misleading"])),
                "verdict_summary": field(TEXT),
                "normalized": field(TEXT),
                "priority": field(st.sampled_from(["1", "2", "3"])),
                "due": field(DATE),
                "speaker": field(TEXT),
                "claim_type": field(st.sampled_from(["statistic", "event", "other"])),
            },
        ),
        st.sampled_from([0, 1]),
    )
    def run(data, who):
        post(desk["clients"][who], reverse("claim_edit", args=[claim.pk]), resolve(data, claim))

    run()
    assert_every_row_is_valid()


def test_the_source_form(desk):
    claim = desk["claims"]["researching"]

    @FUZZ
    @given(
        st.fixed_dictionaries(
            {"url": field(URL), "version": VERSION},
            optional={
                "title": field(TEXT),
                "publisher": field(TEXT),
                "published_on": field(DATE),
                "archive_url": field(URL),
                "excerpt": field(TEXT),
                "stance": field(st.sampled_from(["supports", "refutes", "context"])),
            },
        ),
        st.sampled_from([0, 1]),
    )
    def run(data, who):
        post(desk["clients"][who], reverse("source_add", args=[claim.pk]), resolve(data, claim))

    run()
    assert_every_row_is_valid()


def test_the_source_removal(desk):
    claim = desk["claims"]["researching"]

    @FUZZ
    @given(st.fixed_dictionaries({}, optional={"version": VERSION}), st.integers(0, 2**63), st.sampled_from([0, 1]))
    def run(data, other, who):
        source = Source.objects.filter(claim=claim).first()
        source_pk = source.pk if source is not None and other % 2 else other
        post(desk["clients"][who], reverse("source_remove", args=[claim.pk, source_pk]), resolve(data, claim))
        if not Source.objects.filter(claim=claim).exists():
            add_source(claim, desk["reviewer"])

    run()
    assert_every_row_is_valid()


def test_the_note_form(desk):
    claim = desk["claims"]["researching"]

    @FUZZ
    @given(st.fixed_dictionaries({"text": field(TEXT.filter(str.strip))}, optional={"version": VERSION}), st.sampled_from([0, 1]))
    def run(data, who):
        post(desk["clients"][who], reverse("note_add", args=[claim.pk]), resolve(data, claim))

    run()
    assert_every_row_is_valid()


def test_the_transition_form(desk):
    claims = list(desk["claims"].values())

    @FUZZ
    @given(
        st.fixed_dictionaries({"action": field(st.sampled_from(CLAIM_ACTIONS))}, optional={"comment": field(TEXT), "version": VERSION}),
        st.sampled_from(range(len(claims))),
        st.sampled_from([0, 1]),
    )
    def run(data, index, who):
        claim = claims[index]
        post(desk["clients"][who], reverse("claim_transition", args=[claim.pk]), resolve(data, claim))

    run()
    assert_every_row_is_valid()


def test_the_assign_form(desk, reviewer2, outsider):
    claim = desk["claims"]["researching"]
    people = [str(p.pk) for p in (desk["reviewer"], reviewer2, outsider, desk["editor"])]

    @FUZZ
    @given(
        st.fixed_dictionaries({"version": VERSION}, optional={"assignee": field(st.sampled_from(["", *people]))}), st.sampled_from([0, 1])
    )
    def run(data, who):
        post(desk["clients"][who], reverse("claim_assign", args=[claim.pk]), resolve(data, claim))

    run()
    assert_every_row_is_valid()


def test_the_split_and_merge_forms(desk):
    claims = desk["claims"]

    @FUZZ
    @given(
        st.sampled_from(["split", "merge"]),
        st.fixed_dictionaries(
            {"version": VERSION},
            optional={
                "point": field(st.integers(0, 80).map(str)),
                "offset": field(st.integers(-2, 20).map(str)),
                "other": field(st.sampled_from([str(c.pk) for c in claims.values()])),
            },
        ),
        st.sampled_from(list(claims)),
        st.sampled_from([0, 1]),
    )
    def run(kind, data, name, who):
        claim = claims[name]
        post(desk["clients"][who], reverse(f"claim_{kind}", args=[claim.pk]), resolve(data, claim))

    run()
    assert_every_row_is_valid()


def test_the_dashboard_bulk_form(desk, reviewer2):
    ids = [c.pk for c in desk["claims"].values()]

    @FUZZ
    @given(
        st.fixed_dictionaries(
            {"action": field(st.sampled_from(["assign", "priority", "due", "dismiss"]))},
            optional={
                "assignee": field(st.sampled_from(["", "none", str(reviewer2.pk), str(desk["reviewer"].pk)])),
                "priority": field(st.sampled_from(["1", "2", "3"])),
                "due": field(DATE),
                "comment": field(TEXT),
                "next": field(st.sampled_from(["/dashboard/?status=open", "https://evil.example/", "//evil.example", "/my/"])),
                "claims": st.lists(
                    field(st.sampled_from([f"{pk}" for pk in ids] + [f"{pk}:1" for pk in ids] + [f"{pk}:2" for pk in ids])), max_size=4
                ),
            },
        ),
        st.sampled_from([0, 1]),
    )
    def run(data, who):
        response = post(desk["clients"][who], reverse("dashboard_bulk"), data)
        if response.status_code == 302:
            assert response["Location"].startswith("/"), response["Location"]
            assert not response["Location"].startswith("//")

    run()
    assert_every_row_is_valid()


def test_the_filters_and_pages_read_any_query(desk):
    essay = desk["essay"]

    @FUZZ
    @given(
        st.sampled_from(
            [
                "/dashboard/",
                "/my/",
                "/",
                f"/essays/{essay.slug}/",
                f"/claims/{desk['claims']['open'].pk}/",
                "/api/v1/claims/",
                "/api/v1/essays/",
            ]
        ),
        st.dictionaries(
            st.sampled_from(
                [
                    "q",
                    "essay",
                    "status",
                    "assignee",
                    "claim_type",
                    "verdict",
                    "priority",
                    "overdue",
                    "page",
                    "sort",
                    "per_page",
                    "_export",
                    "limit",
                    "offset",
                ]
            ),
            JUNK,
            max_size=5,
        ),
        st.sampled_from([0, 1]),
    )
    def run(path, query, who):
        EXAMPLES["n"] += 1
        response = desk["clients"][who].get(path, query)
        assert response.status_code < 500, (path, query)

    run()


def test_the_sign_in_form(desk, settings):
    settings.AXES_ENABLED = True

    @FUZZ
    @given(
        st.fixed_dictionaries(
            {},
            optional={"username": field(st.sampled_from(["edith", "rosa", "EDITH"])), "password": field(st.just(PASSWORD)), "next": JUNK},
        ),
        st.ip_addresses(v=4).map(str),
    )
    def run(data, address):
        EXAMPLES["n"] += 1
        response = Client().post(reverse("login"), data, REMOTE_ADDR=address)
        assert response.status_code < 500, data
        if response.status_code == 302:
            assert response["Location"].startswith("/") and not response["Location"].startswith("//"), response["Location"]

    run()
    assert_every_row_is_valid()


def test_the_language_switch(desk):
    @FUZZ
    @given(st.fixed_dictionaries({}, optional={"language": field(st.sampled_from(["en", "zh-hans"])), "next": JUNK}))
    def run(data):
        EXAMPLES["n"] += 1
        response = desk["clients"][0].post(reverse("set_language"), data)
        assert response.status_code < 500
        if response.status_code == 302:
            assert not response["Location"].startswith("//") and "evil" not in response["Location"]

    run()


# --- The API: every writable field of its schema ----------------------------------------------------


def api_operations():
    """(method, path template, {field: schema}) for every operation that takes a JSON body, from the OpenAPI schema."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]

    def resolve_ref(node):
        while "$ref" in node:
            node = components[node["$ref"].split("/")[-1]]
        return node

    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if method in ("post", "patch", "put") and body:
                properties = resolve_ref(body["schema"]).get("properties", {})
                fields = {}
                for name, spec in properties.items():
                    options = [resolve_ref(s) for s in spec.get("oneOf", spec.get("allOf", []))] or [resolve_ref(spec)]
                    enum = [v for option in options for v in option.get("enum", []) if v is not None]
                    fields[name] = {"enum": enum, "type": options[0].get("type"), "format": options[0].get("format")}
                operations.append((method, path, fields))
    return operations


def valid_value(name, spec, desk):
    text_length = len(desk["essay"].text)
    if spec["enum"]:
        return st.sampled_from(spec["enum"])
    if name == "version":
        return st.just(CURRENT)
    if name in ("start", "end"):
        return st.integers(0, text_length)
    if name == "essay":
        return st.just(desk["essay"].slug)
    if name == "assignee":
        return st.sampled_from(["rosa", "ravi", "otto", "edith", None])
    if name in ("username", "password"):
        return st.sampled_from(["edith", PASSWORD])
    if spec["format"] == "date":
        return DATE
    if spec["format"] == "date-time":
        return st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2030, 1, 1), timezones=st.just(dt.UTC)).map(
            lambda d: d.isoformat()
        )
    if spec["format"] == "uri" or name.endswith("url"):
        return URL
    if spec["type"] == "integer":
        return st.integers(-5, 5)
    return TEXT


OPERATIONS = api_operations()


def test_the_schema_lists_the_writable_operations():
    paths = {(method, path) for method, path, _fields in OPERATIONS}
    assert {
        ("post", "/api/v1/essays/"),
        ("post", "/api/v1/claims/"),
        ("patch", "/api/v1/claims/{id}/"),
        ("post", "/api/v1/claims/{id}/transitions/"),
        ("post", "/api/v1/claims/{id}/sources/"),
        ("post", "/api/v1/claims/{id}/notes/"),
        ("post", "/api/v1/auth/token/"),
    } <= paths


@pytest.mark.parametrize(("method", "path", "fields"), OPERATIONS, ids=[f"{m} {p}" for m, p, _f in OPERATIONS])
def test_every_writable_api_field(desk, method, path, fields):
    claims = list(desk["claims"].values())
    body = st.fixed_dictionaries({}, optional={name: field(valid_value(name, spec, desk), JSON_JUNK) for name, spec in fields.items()})

    @FUZZ
    @given(body, st.sampled_from(range(len(claims))), st.sampled_from([0, 1]), st.sampled_from(["json", "junk-json", "form"]))
    def run(data, index, who, encoding):
        claim = claims[index]
        url = path.replace("{id}", str(claim.pk)).replace("{slug}", desk["essay"].slug)
        data = {key: (claim.refresh_from_db() or claim.version) if value is CURRENT else value for key, value in data.items()}
        client = desk["clients"][who]
        if encoding == "json":
            payload, content_type = json.dumps(data), "application/json"
        elif encoding == "junk-json":
            payload, content_type = json.dumps(data)[:-1] + ',"x":NaN,', "application/json"
        else:
            payload, content_type = "&".join(f"{k}={v}" for k, v in data.items()), "application/x-www-form-urlencoded"
        EXAMPLES["n"] += 1
        response = getattr(client, method)(url, payload, content_type=content_type)
        assert response.status_code < 500, (method, url, data, response.status_code)
        if response.status_code >= 400:
            assert response.json().get("detail"), response.content

    run()
    assert_every_row_is_valid()
