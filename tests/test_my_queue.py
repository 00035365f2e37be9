"""The reviewer's own queue: their open claims, soonest due first, then by priority."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from claims.models import Claim, Essay, Priority, Status

from .conftest import client_for

MY = "/my/"


def rows(response):
    return [claim.pk for claim in response.context["table"].page.object_list.data]


@pytest.fixture
def queue(make_claim, reviewer, reviewer2, clock):
    """Rosa's claims in several states, and one of Ravi's."""
    return {
        "late": make_claim(
            "OpenAI只有150名员工", status=Status.RESEARCHING, assignee=reviewer, due=dt.date(2026, 11, 18), priority=Priority.LOW
        ),
        "soon_low": make_claim("京东AI研究高管何晓冬", assignee=reviewer, due=dt.date(2026, 11, 25), priority=Priority.LOW),
        "soon_high": make_claim("中国需要建立自己的ChatGPT", assignee=reviewer, due=dt.date(2026, 11, 25), priority=Priority.HIGH),
        "undated": make_claim("这是一个好问题", assignee=reviewer, priority=Priority.HIGH),
        "reviewed": make_claim(
            "这些芯片总共达到了5万个", status=Status.IN_REVIEW, assignee=reviewer, verdict="true", verdict_summary="Yes."
        ),
        "published": make_claim("2019年", status=Status.PUBLISHED, assignee=reviewer, verdict="true", verdict_summary="Yes."),
        "dismissed": make_claim("在我看来", status=Status.DISMISSED, assignee=reviewer),
        "theirs": make_claim("SemiAnalysis", assignee=reviewer2, due=dt.date(2026, 11, 1)),
        "nobodys": make_claim("根据", due=dt.date(2026, 11, 1)),
    }


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(MY)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_it_refuses_people_outside_the_desk(outsider):
    assert client_for(outsider).get(MY).status_code == 403


def test_it_lists_only_my_open_claims_soonest_due_first_then_by_priority(reviewer_client, queue):
    expected = ["late", "soon_high", "soon_low", "undated", "reviewed"]
    response = reviewer_client.get(MY)
    assert response.status_code == 200
    head = rows(response)
    assert head[:4] == [queue[k].pk for k in expected[:4]]
    assert set(head) == {queue[k].pk for k in expected}


def test_it_shows_another_reviewer_their_own_queue(reviewer2, queue):
    assert rows(client_for(reviewer2).get(MY)) == [queue["theirs"].pk]


def test_it_shows_an_editor_with_nothing_assigned_how_to_find_work(editor_client, queue):
    response = editor_client.get(MY)
    assert rows(response) == []
    assert b"Nothing assigned to you" in response.content
    assert f'href="{reverse("dashboard")}?assignee=none"'.encode() in response.content


def test_it_has_no_bulk_controls(reviewer_client, editor, queue):
    Claim.objects.filter(pk=queue["nobodys"].pk).update(assignee=editor)
    for client in (reviewer_client, client_for(editor)):
        response = client.get(MY)
        assert b'name="claims"' not in response.content
        assert response.context["bulk_form"] is None


def test_it_marks_overdue_against_the_pinned_clock(reviewer_client, queue, clock):
    assert rows(reviewer_client.get(MY, {"overdue": "on"})) == [queue["late"].pk]
    clock.shift(days=6)
    assert set(rows(reviewer_client.get(MY, {"overdue": "on"}))) == {queue[k].pk for k in ("late", "soon_low", "soon_high")}


def test_it_filters_and_searches_within_my_claims(reviewer_client, queue):
    assert rows(reviewer_client.get(MY, {"status": "in_review"})) == [queue["reviewed"].pk]
    assert rows(reviewer_client.get(MY, {"q": "何晓冬"})) == [queue["soon_low"].pk]
    assert rows(reviewer_client.get(MY, {"q": "semianalysis"})) == []  # Ravi's claim stays his


def test_it_offers_only_open_statuses(reviewer_client, queue):
    response = reviewer_client.get(MY, {"status": "published"})
    assert rows(response) == []
    assert b"Select a valid choice" in response.content
    assert [chip["value"] for chip in response.context["status_chips"]] == ["", "open", "researching", "in_review", "approved"]


def test_it_sorts_by_a_column_on_request(reviewer_client, queue):
    shown = rows(reviewer_client.get(MY, {"sort": "-priority"}))
    priorities = [Claim.objects.get(pk=pk).priority for pk in shown]
    assert priorities == sorted(priorities, reverse=True)


def test_it_remembers_its_own_filters_apart_from_the_dashboard(reviewer_client, queue):
    reviewer_client.get(MY, {"status": "in_review"})
    response = reviewer_client.get(MY)
    assert response.status_code == 302 and response.url == f"{MY}?status=in_review"
    assert reviewer_client.get("/dashboard/").status_code == 200


def test_it_exports_only_my_claims(reviewer_client, queue):
    response = reviewer_client.get(MY, {"_export": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")[1:]
    ids = [int(row[0]) for row in list(csv.reader(io.StringIO(body)))[1:]]
    assert ids[:4] == [queue[k].pk for k in ("late", "soon_high", "soon_low", "undated")]
    assert len(ids) == 5
    assert response["Content-Disposition"] == 'attachment; filename="my-claims-2026-11-20.csv"'


def long_essay(editor):
    return Essay.objects.create(title="Long", slug="long", text="这是一个很长的句子。" * 2000, imported_by=editor)


@pytest.mark.parametrize("count", [10, 5000])
# Each with the header's unread count (one COUNT); the returned marks are subqueries of the rows' query.
@pytest.mark.parametrize(("query", "expected"), [({}, 11), ({"status": "researching", "sort": "due"}, 14)])
def test_it_keeps_its_query_count_constant(editor, reviewer, django_assert_num_queries, count, query, expected, clock):
    essay = long_essay(editor)
    statuses = [Status.OPEN, Status.RESEARCHING, Status.PUBLISHED]
    Claim.objects.bulk_create(
        [
            Claim(
                essay=essay, start=i, end=i + 3, quote=essay.text[i : i + 3], assignee=reviewer, status=statuses[i % 3],
                verdict="true" if i % 3 == 2 else "", verdict_summary="Yes." if i % 3 == 2 else "",
                due=None if i % 4 == 0 else dt.date(2026, 11, 1 + i % 28), priority=1 + i % 3,
            )
            for i in range(count)
        ],
        batch_size=1000,
    )  # fmt: skip
    client = client_for(reviewer)
    with django_assert_num_queries(expected):
        response = client.get(MY, query)
    assert response.status_code == 200
    assert 0 < len(rows(response)) <= 50
