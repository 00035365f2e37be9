"""Who may call which endpoint: one table, every endpoint × method × role.

The expected statuses are written out from the README's API section
("Endpoints", "Who may do what", "Status codes and errors") and its workflow
table. Each row runs against a fresh desk: an essay with one claim in each
state that the row needs, and a first publication.
"""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from claims.models import Claim, ClaimEvent, Note, Publication, Source
from claims.publishing import build_snapshot
from claims.roles import REVIEWERS

from .api_helpers import api
from .conftest import PASSWORD, add_source

ROLES = ("anonymous", "outsider", "reviewer", "assignee", "editor")

NEW_ESSAY = {"title": "A short essay", "text": "In 2019, OpenAI had 150 employees, the company said.", "language": "en"}


def token_body(desk, role):
    if role == "anonymous":
        return {"username": "nobody", "password": "not a password"}
    return {"username": desk["people"][role].username, "password": PASSWORD}


def new_claim_body(desk, role):
    text = desk["essay"].text
    start = text.index("京东AI研究高管")
    return {"essay": desk["essay"].slug, "start": start, "end": start + len("京东AI研究高管")}


def split_body(state):
    """Inside the quote, after its first six code points: both parts keep some text."""
    return lambda desk, role: {"at": desk[state].start + 6}


def merge_body(desk, role):
    """The claim just before the researching one, with only a comma between them."""
    return {"other": desk["before"].pk}


def edit_body(claim, **fields):
    return lambda desk, role: {"version": desk[claim].version, **fields}


def act(action, comment=""):
    return lambda desk, role: {"action": action, "comment": comment}


# (what, method, path, body, expected status for anonymous, outsider, reviewer, assignee, editor)
# Paths name claims by the state they are in; `assignee` is the reviewer the claims are assigned to.
MATRIX = [
    ("get a token", "post", "/api/v1/auth/token/", token_body, (400, 200, 200, 200, 200)),
    ("list essays", "get", "/api/v1/essays/", None, (401, 403, 200, 200, 200)),
    ("import an essay", "post", "/api/v1/essays/", lambda d, r: NEW_ESSAY, (401, 403, 403, 403, 201)),
    ("read an essay", "get", "/api/v1/essays/{essay}/", None, (401, 403, 200, 200, 200)),
    ("read an unknown essay", "get", "/api/v1/essays/no-such-essay/", None, (401, 403, 404, 404, 404)),
    ("publish an essay", "post", "/api/v1/essays/{essay}/publish/", None, (401, 403, 403, 403, 201)),
    ("read the ClaimReview", "get", "/api/v1/essays/{essay}/claimreview/", None, (200, 200, 200, 200, 200)),
    ("ClaimReview of an unknown essay", "get", "/api/v1/essays/no-such-essay/claimreview/", None, (404, 404, 404, 404, 404)),
    ("list claims", "get", "/api/v1/claims/", None, (401, 403, 200, 200, 200)),
    # A reviewer who spots a missed assertion adds it as an open claim, as on the essay page; an editor always may.
    ("create a claim", "post", "/api/v1/claims/", new_claim_body, (401, 403, 201, 201, 201)),
    ("read a claim", "get", "/api/v1/claims/{researching}/", None, (401, 403, 200, 200, 200)),
    ("read an unknown claim", "get", "/api/v1/claims/999999/", None, (401, 403, 404, 404, 404)),
    (
        "edit a verdict",
        "patch",
        "/api/v1/claims/{researching}/",
        edit_body("researching", verdict_summary="Fewer."),
        (401, 403, 403, 200, 200),
    ),
    ("assign a claim", "patch", "/api/v1/claims/{researching}/", edit_body("researching", assignee="rosa"), (401, 403, 403, 403, 200)),
    ("delete a claim", "delete", "/api/v1/claims/{researching}/", None, (401, 403, 405, 405, 405)),
    ("start", "post", "/api/v1/claims/{open}/transitions/", act("start"), (401, 403, 200, 200, 200)),
    ("submit", "post", "/api/v1/claims/{researching}/transitions/", act("submit"), (401, 403, 403, 200, 200)),
    ("approve", "post", "/api/v1/claims/{in_review}/transitions/", act("approve"), (401, 403, 403, 403, 200)),
    ("return", "post", "/api/v1/claims/{in_review}/transitions/", act("return", "Check the date."), (401, 403, 403, 403, 200)),
    ("dismiss", "post", "/api/v1/claims/{open}/transitions/", act("dismiss", "An opinion."), (401, 403, 403, 403, 200)),
    ("reopen", "post", "/api/v1/claims/{published}/transitions/", act("reopen", "New figures."), (401, 403, 403, 403, 200)),
    # The right role in the wrong state: refused with 409, nothing changed.
    ("approve an open claim", "post", "/api/v1/claims/{open}/transitions/", act("approve"), (401, 403, 403, 403, 409)),
    ("reopen an approved claim", "post", "/api/v1/claims/{approved}/transitions/", act("reopen", "Why."), (401, 403, 403, 403, 409)),
    (
        "edit a published verdict",
        "patch",
        "/api/v1/claims/{published}/",
        edit_body("published", verdict_summary="Rewritten after publication."),
        (401, 403, 403, 409, 409),
    ),
    ("list transitions", "get", "/api/v1/claims/{open}/transitions/", None, (401, 403, 405, 405, 405)),
    ("list sources", "get", "/api/v1/claims/{researching}/sources/", None, (401, 403, 200, 200, 200)),
    (
        "attach a source",
        "post",
        "/api/v1/claims/{researching}/sources/",
        lambda d, r: {"url": "https://example.org/a"},
        (401, 403, 403, 201, 201),
    ),
    ("list notes", "get", "/api/v1/claims/{researching}/notes/", None, (401, 403, 200, 200, 200)),
    (
        "add a note",
        "post",
        "/api/v1/claims/{researching}/notes/",
        lambda d, r: {"text": "Called the press office."},
        (401, 403, 201, 201, 201),
    ),
    (
        "remove a source",
        "delete",
        "/api/v1/claims/{researching}/sources/{researching_source}/",
        None,
        (401, 403, 403, 200, 200),
    ),
    ("remove an unknown source", "delete", "/api/v1/claims/{researching}/sources/999999/", None, (401, 403, 404, 404, 404)),
    # The assignee may remove sources, but not from a published claim: it must be reopened first.
    (
        "remove a source of a published claim",
        "delete",
        "/api/v1/claims/{published}/sources/{published_source}/",
        None,
        (401, 403, 403, 409, 409),
    ),
    ("split", "post", "/api/v1/claims/{researching}/split/", split_body("researching"), (401, 403, 403, 403, 201)),
    ("split an approved claim", "post", "/api/v1/claims/{approved}/split/", split_body("approved"), (401, 403, 403, 403, 409)),
    ("merge", "post", "/api/v1/claims/{researching}/merge/", merge_body, (401, 403, 403, 403, 200)),
    (
        "merge with an unknown claim",
        "post",
        "/api/v1/claims/{researching}/merge/",
        lambda d, r: {"other": 999999},
        (401, 403, 403, 403, 400),
    ),
    ("list merges", "get", "/api/v1/claims/{researching}/merge/", None, (401, 403, 405, 405, 405)),
    ("read the history", "get", "/api/v1/claims/{researching}/history/", None, (401, 403, 200, 200, 200)),
    ("recapture a source", "post", "/api/v1/claims/{published}/sources/{published_source}/recapture/", None, (401, 403, 202, 202, 202)),
    (
        "recapture another claim's source",
        "post",
        "/api/v1/claims/{open}/sources/{published_source}/recapture/",
        None,
        (401, 403, 404, 404, 404),
    ),
    ("recapture an unknown source", "post", "/api/v1/claims/{published}/sources/999999/recapture/", None, (401, 403, 404, 404, 404)),
    ("read a recapture", "get", "/api/v1/claims/{published}/sources/{published_source}/recapture/", None, (401, 403, 405, 405, 405)),
    ("history of an unknown claim", "get", "/api/v1/claims/999999/history/", None, (401, 403, 404, 404, 404)),
]


pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture
def desk(essay, make_claim, editor, editor2, reviewer, reviewer2, outsider):
    assignee = reviewer2
    reviewed = {"assignee": assignee, "verdict": "false", "verdict_summary": "The report says otherwise."}
    claims = {
        "open": make_claim("中国需要建立自己的ChatGPT"),
        "researching": make_claim("OpenAI只有150名员工", **reviewed),
        "in_review": make_claim("这些芯片总共达到了5万个", **reviewed),
        "approved": make_claim("在我看来，这是一个好问题", **reviewed),
        "published": make_claim("何晓冬对媒体称", **reviewed),
    }
    before = make_claim("2019年")
    for state, claim in claims.items():
        if state != "open":
            add_source(claim, assignee)
        Claim.objects.filter(pk=claim.pk).update(status=state, submitted_by=assignee if state != "open" else None)
        claim.refresh_from_db()
    Publication.objects.create(essay=essay, number=1, published_by=editor2, snapshot=build_snapshot(essay))
    people = {"outsider": outsider, "reviewer": reviewer, "assignee": assignee, "editor": editor}
    sources = {f"{state}_source": claim.sources.get().pk for state, claim in claims.items() if state != "open"}
    return {"essay": essay, "people": people, "before": before, **claims, **sources}


def api_client(user):
    """A client that signs every request with the user's API token (no session)."""
    if user is None:
        return Client()
    return api(user)


def call(client, method, path, body=None):
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, body, content_type="application/json")


def counts():
    """Everything a refused call must leave as it was: the rows and what they say, not only how many there are."""
    claims = list(
        Claim.objects.order_by("pk").values_list(
            "pk", "status", "version", "verdict", "verdict_summary", "normalized", "speaker", "claim_type", "quote",
            "start", "end", "assignee_id", "priority", "due", "submitted_by_id",
        )
    )  # fmt: skip
    sources = list(Source.objects.order_by("pk").values_list("pk", "claim_id", "url", "title", "excerpt", "stance"))
    return (claims, sources, Note.objects.count(), ClaimEvent.objects.count(), Publication.objects.count())


CASES = [pytest.param(row, role, id=f"{row[0]}-{role}") for row in MATRIX for role in ROLES]


@pytest.mark.parametrize(("row", "role"), CASES)
def test_it_follows_the_permission_matrix(row, role, desk):
    what, method, path, body, expected = row
    expected = expected[ROLES.index(role)]
    user = desk["people"].get(role)
    path = path.format(
        essay=desk["essay"].slug,
        **{state: desk[state].pk for state in ("open", "researching", "in_review", "approved", "published")},
        **{key: value for key, value in desk.items() if key.endswith("_source")},
    )
    before = counts()

    response = call(api_client(user), method, path, body(desk, role) if body else None)

    assert response.status_code == expected, response.content
    assert response["Content-Type"] == "application/json"
    if expected >= 400:
        assert response.json()["detail"]
        if method in ("post", "patch", "delete") and what != "get a token":
            # A refusal stores nothing.
            assert counts() == before
    if expected == 401:
        assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("role", ["reviewer", "editor"])
def test_it_accepts_a_session_as_well_as_a_token(role, desk):
    client = Client()
    client.force_login(desk["people"][role])
    response = client.get(f"/api/v1/claims/{desk['researching'].pk}/")
    assert response.status_code == 200
    assert response.json()["id"] == desk["researching"].pk


def test_it_refuses_a_bad_token_with_401(desk):
    response = Client(headers={"authorization": "Token not-a-token"}).get("/api/v1/claims/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_it_refuses_an_inactive_member(desk):
    desk["people"]["reviewer"].is_active = False
    desk["people"]["reviewer"].save()
    assert api_client(desk["people"]["reviewer"]).get("/api/v1/claims/").status_code == 401


def test_it_lets_a_new_reviewer_in_once_they_join_the_desk(desk, outsider):
    client = api_client(outsider)
    assert client.get("/api/v1/claims/").status_code == 403
    outsider.groups.add(Group.objects.get(name=REVIEWERS))
    assert api_client(User.objects.get(pk=outsider.pk)).get("/api/v1/claims/").status_code == 200
