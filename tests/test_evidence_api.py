"""The API's view of captures: `capture` on each source, and the recapture endpoint."""

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from claims.models import Claim, Status
from evidence.capture import capture_source
from evidence.models import Capture
from evidence.testing import PageServer

from .api_helpers import api
from .conftest import add_source

pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture(scope="module")
def server():
    with PageServer() as running:
        yield running


@pytest.fixture(autouse=True)
def settings_for_capture(server, tmp_path):
    with override_settings(FETCH_ALLOWED_HOSTS=[server.host], ARCHIVE_ROOT=tmp_path / "archive", SOURCE_CAPTURE=False):
        yield


def test_each_source_carries_its_capture(claim, server, reviewer):
    found = add_source(claim, url=server.url("/redirect/1"), excerpt="releasing a trove of demographic data")
    failed = add_source(claim, url=server.url("/missing"), excerpt="anything")
    never = add_source(claim, url="https://example.org/never")
    capture_source(found)
    capture_source(failed)
    results = {item["id"]: item for item in api(reviewer).get(f"/api/v1/claims/{claim.pk}/sources/").json()["results"]}
    capture = results[found.pk]["capture"]
    stored = Capture.objects.get(source=found)
    assert capture["status"] == "captured"
    assert capture["http_status"] == 200
    assert capture["final_url"] == server.url("/pages/en_pbs_census.html")
    assert capture["sha256"] == stored.sha256 and len(capture["sha256"]) == 64
    assert capture["excerpt_found"] is True
    assert capture["captured_at"].startswith(f"{stored.captured_at:%Y-%m-%d}")
    assert capture["archive_url"] == f"http://testserver/sources/{found.pk}/archive/"
    assert capture["link_check"] == "" and capture["rechecked_at"] is None
    failure = results[failed.pk]["capture"]
    assert failure["status"] == "failed" and failure["http_status"] == 404 and "404" in failure["error"]
    assert failure["excerpt_found"] is None
    assert results[never.pk]["capture"] is None


@pytest.mark.parametrize("count", [2, 12])
def test_the_source_list_costs_the_same_queries_whatever_the_captures(claim, server, reviewer, count, django_assert_num_queries):
    for _ in range(count):
        capture_source(add_source(claim, url=server.url("/text")))
    client = api(reviewer)
    with django_assert_num_queries(6):  # the same at 2 and 12: the captures come joined to the page of sources
        response = client.get(f"/api/v1/claims/{claim.pk}/sources/")
    assert len(response.json()["results"]) == count


def test_recapture_queues_a_task_and_answers_the_source(claim, server, reviewer):
    source = add_source(claim, url=server.url("/text"))
    Claim.objects.filter(pk=claim.pk).update(status=Status.PUBLISHED, verdict="false", verdict_summary="No.")
    before = DBTaskResult.objects.count()
    response = api(reviewer).post(f"/api/v1/claims/{claim.pk}/sources/{source.pk}/recapture/")
    assert response.status_code == 202
    assert response.json()["id"] == source.pk
    assert response.json()["capture"]["status"] == "pending"
    assert DBTaskResult.objects.count() == before + 1
    (task,) = DBTaskResult.objects.filter(task_path="evidence.tasks.capture_source")
    assert task.args_kwargs["args"] == [source.pk]


@pytest.mark.parametrize("source_id", ["0", "99999999999999999999", "-1", "abc"])
def test_recapture_of_a_bad_source_id_is_404(claim, reviewer, source_id):
    response = api(reviewer).post(f"/api/v1/claims/{claim.pk}/sources/{source_id}/recapture/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
