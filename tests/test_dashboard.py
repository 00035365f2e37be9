"""The editors' dashboard: filters, sorting, search, counts, export, remembered filters, bulk actions, query counts."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from claims.dashboard import summarize
from claims.models import Claim, ClaimEvent, Essay, Priority, Status
from search import index as search_index

from .conftest import client_for

DASHBOARD = "/dashboard/"
BULK = "/dashboard/bulk/"


def rows(response):
    """The claim ids shown in the table, in order."""
    table = response.context["table"]
    return [claim.pk for claim in table.page.object_list.data]


def csv_rows(response):
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def long_essay(editor, slug, sentences=2000):
    return Essay.objects.create(title=f"Long {slug}", slug=slug, language="zh", text="这是一个很长的句子。" * sentences, imported_by=editor)


def bulk_claims(essay, count, **fields):
    """`count` three-character claims at distinct offsets, made in one go."""
    return Claim.objects.bulk_create(
        [Claim(essay=essay, start=i, end=i + 3, quote=essay.text[i : i + 3], **fields) for i in range(count)], batch_size=1000
    )


@pytest.fixture
def mixed(make_claim, reviewer, reviewer2, clock):
    """One claim in each interesting state, on the conftest essay."""
    return {
        "open": make_claim("OpenAI只有150名员工", claim_type="statistic", priority=Priority.HIGH, due=dt.date(2026, 11, 19)),
        "researching": make_claim(
            "京东AI研究高管何晓冬", status=Status.RESEARCHING, assignee=reviewer, claim_type="attribution", due=dt.date(2026, 11, 20),
            normalized="A JD executive said China needs its own ChatGPT",
        ),
        "in_review": make_claim(
            "中国需要建立自己的ChatGPT", status=Status.IN_REVIEW, assignee=reviewer2, verdict="mixed", verdict_summary="Partly.", priority=Priority.LOW,
        ),
        "published": make_claim("这些芯片总共达到了5万个", status=Status.PUBLISHED, verdict="false", verdict_summary="No.", claim_type="statistic"),
        "dismissed": make_claim("这是一个好问题", status=Status.DISMISSED),
    }  # fmt: skip


# Who may see it.


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_refuses_people_outside_the_desk(outsider):
    assert client_for(outsider).get(DASHBOARD).status_code == 403


def test_it_shows_reviewers_the_table_without_bulk_controls(reviewer_client, mixed):
    response = reviewer_client.get(DASHBOARD)
    assert response.status_code == 200
    assert set(rows(response)) == {mixed[s].pk for s in ("open", "researching", "in_review")}
    assert response.context["bulk_form"] is None
    assert b'name="claims"' not in response.content
    assert b"bulk-form" not in response.content


def test_it_gives_editors_a_checkbox_per_row_with_a_label(editor_client, mixed):
    response = editor_client.get(DASHBOARD)
    claim = mixed["open"]
    assert f'value="{claim.pk}:{claim.version}"'.encode() in response.content
    assert f'<label class="visually-hidden" for="select-{claim.pk}">'.encode() in response.content
    assert response.context["bulk_form"] is not None


# Default view, filters, search, sorting.


def test_it_shows_only_open_work_by_default(editor_client, mixed):
    response = editor_client.get(DASHBOARD)
    assert set(rows(response)) == {mixed[s].pk for s in ("open", "researching", "in_review")}


def test_it_shows_every_status_when_asked(editor_client, mixed):
    response = editor_client.get(DASHBOARD, {"status": "all"})
    assert set(rows(response)) == {claim.pk for claim in mixed.values()}


@pytest.mark.parametrize("status", ["open", "researching", "in_review", "published", "dismissed"])
def test_it_filters_by_status(editor_client, mixed, status):
    assert rows(editor_client.get(DASHBOARD, {"status": status})) == [mixed[status].pk]


def test_it_filters_by_essay(editor_client, editor, mixed):
    other = long_essay(editor, "other", sentences=5)
    (theirs,) = bulk_claims(other, 1)
    assert rows(editor_client.get(DASHBOARD, {"essay": other.pk})) == [theirs.pk]
    assert theirs.pk not in rows(editor_client.get(DASHBOARD, {"essay": mixed["open"].essay_id}))


def test_it_filters_by_assignee_and_unassigned(editor_client, mixed, reviewer):
    assert rows(editor_client.get(DASHBOARD, {"assignee": reviewer.pk})) == [mixed["researching"].pk]
    assert rows(editor_client.get(DASHBOARD, {"assignee": "none"})) == [mixed["open"].pk]


def test_it_filters_by_claim_type(editor_client, mixed):
    assert rows(editor_client.get(DASHBOARD, {"claim_type": "attribution"})) == [mixed["researching"].pk]
    assert set(rows(editor_client.get(DASHBOARD, {"claim_type": "statistic", "status": "all"}))) == {
        mixed["open"].pk,
        mixed["published"].pk,
    }


def test_it_filters_by_verdict_and_no_verdict(editor_client, mixed):
    assert rows(editor_client.get(DASHBOARD, {"verdict": "mixed"})) == [mixed["in_review"].pk]
    assert set(rows(editor_client.get(DASHBOARD, {"verdict": "none"}))) == {mixed["open"].pk, mixed["researching"].pk}


def test_it_filters_by_priority(editor_client, mixed):
    assert rows(editor_client.get(DASHBOARD, {"priority": Priority.HIGH})) == [mixed["open"].pk]
    assert rows(editor_client.get(DASHBOARD, {"priority": Priority.LOW})) == [mixed["in_review"].pk]


def test_it_computes_overdue_against_the_pinned_clock(editor_client, mixed, clock):
    # Pinned at 2026-11-20: due on the 19th is overdue, due on the 20th is not yet.
    assert rows(editor_client.get(DASHBOARD, {"overdue": "on"})) == [mixed["open"].pk]
    clock.shift(days=1)
    assert set(rows(editor_client.get(DASHBOARD, {"overdue": "on"}))) == {mixed["open"].pk, mixed["researching"].pk}


def test_it_marks_overdue_in_words_not_only_colour(editor_client, mixed):
    response = editor_client.get(DASHBOARD)
    assert b'<time datetime="2026-11-19">2026-11-19</time> <strong class="overdue">overdue</strong>' in response.content
    assert b'<time datetime="2026-11-20">2026-11-20</time> <strong' not in response.content


def test_it_never_calls_a_closed_claim_overdue(editor_client, mixed, clock):
    Claim.objects.filter(pk=mixed["dismissed"].pk).update(due=dt.date(2026, 1, 1))
    assert mixed["dismissed"].pk not in rows(editor_client.get(DASHBOARD, {"overdue": "on", "status": "all"}))


def test_it_searches_chinese_text_by_substring(editor_client, mixed):
    assert rows(editor_client.get(DASHBOARD, {"q": "何晓冬"})) == [mixed["researching"].pk]
    assert rows(editor_client.get(DASHBOARD, {"q": "芯片", "status": "all"})) == [mixed["published"].pk]


def test_it_searches_english_in_quote_and_normalized_statement_ignoring_case(editor_client, mixed):
    assert rows(editor_client.get(DASHBOARD, {"q": "openai"})) == [mixed["open"].pk]
    assert rows(editor_client.get(DASHBOARD, {"q": "jd EXECUTIVE"})) == [mixed["researching"].pk]
    # A blank query filters nothing: every open claim of the fixture, as with no query at all.
    blank = rows(editor_client.get(DASHBOARD, {"q": "  "}))
    assert sorted(blank) == sorted(mixed[name].pk for name in ("open", "researching", "in_review"))


def test_it_explains_filter_values_it_cannot_use(editor_client, mixed):
    response = editor_client.get(DASHBOARD, {"essay": "99999", "priority": "7", "assignee": "abc"})
    assert response.status_code == 200
    assert rows(response) == []
    assert b"Some filters could not be used" in response.content
    assert b"Select a valid choice" in response.content


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("priority", ["open", "researching", "in_review"]),
        ("-priority", ["in_review", "researching", "open"]),
        ("due", ["open", "researching", "in_review"]),  # no due date last
        ("-due", ["researching", "open", "in_review"]),  # still last
        ("status", ["in_review", "open", "researching"]),
        ("assignee", ["in_review", "researching", "open"]),  # ravi, rosa, then unassigned
        ("claim_type", ["researching", "in_review", "open"]),  # attribution, other, statistic
    ],
)
def test_it_sorts_by_a_column(editor_client, mixed, sort, expected):
    response = editor_client.get(DASHBOARD, {"sort": sort})
    assert rows(response) == [mixed[s].pk for s in expected]
    assert b'aria-sort="' in response.content


def test_it_orders_by_last_change_by_default(editor_client, mixed, clock):
    clock.shift(hours=1)
    Claim.objects.filter(pk=mixed["researching"].pk).update(updated_at=clock.now)
    assert rows(editor_client.get(DASHBOARD))[0] == mixed["researching"].pk


def test_it_survives_a_sort_it_does_not_know(editor_client, mixed):
    response = editor_client.get(DASHBOARD, {"sort": "password"})
    assert response.status_code == 200
    assert len(rows(response)) == 3


def test_it_paginates_and_survives_bad_page_numbers(editor_client, editor):
    essay = long_essay(editor, "pages", sentences=30)
    bulk_claims(essay, 120)
    assert len(rows(editor_client.get(DASHBOARD, {"per_page": 50}))) == 50
    last = editor_client.get(DASHBOARD, {"page": 3})
    assert len(rows(last)) == 20
    assert editor_client.get(DASHBOARD, {"page": "abc"}).status_code == 200
    assert rows(editor_client.get(DASHBOARD, {"page": 9999})) == rows(last)
    assert len(rows(editor_client.get(DASHBOARD, {"per_page": 100000}))) == 120
    assert len(rows(editor_client.get(DASHBOARD, {"per_page": -3}))) == 1


# Above the table.


def test_it_counts_claims_per_status_with_links_that_filter(editor_client, mixed):
    response = editor_client.get(DASHBOARD, {"claim_type": "statistic"})
    chips = {chip["value"]: chip["count"] for chip in response.context["status_chips"]}
    assert chips == {"": 1, "open": 1, "researching": 0, "in_review": 0, "approved": 0, "published": 1, "dismissed": 0, "all": 2}
    assert b'href="?claim_type=statistic&amp;status=published"' in response.content


def test_it_shows_progress_per_essay_and_verdicts_so_far(editor_client, mixed, editor):
    Claim.objects.filter(pk=mixed["researching"].pk).update(verdict="true")
    response = editor_client.get(DASHBOARD)
    (progress,) = response.context["progress"]
    # 5 claims, 1 dismissed: 4 check-worthy, of which 1 is checked (published).
    assert (progress.checked, progress.checkworthy) == (1, 4)
    assert b"1 of 4 checked" in response.content
    assert b'aria-label="OpenAI \xe4\xb8\x8e DeepSeek: 1 / 4 (25%)"' in response.content
    verdicts = response.context["verdict_chart"]
    assert "<svg" in verdicts and "False: 1" in verdicts and "Mixed: 1" in verdicts and "True: 1" in verdicts
    assert "style=" not in response.content.decode()


def test_it_escapes_titles_and_quotes(editor_client, editor):
    essay = Essay.objects.create(title="<script>alert(1)</script>", slug="xss", text="<b>bold</b> claim", imported_by=editor)
    bulk_claims(essay, 1)
    content = editor_client.get(DASHBOARD).content
    assert b"<script>alert(1)</script>" not in content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert b"&lt;b&gt;" in content


def test_it_explains_how_to_import_an_essay_when_empty(editor_client, reviewer_client):
    response = editor_client.get(DASHBOARD)
    assert b"No essays yet" in response.content
    assert f'href="{reverse("essay_import")}"'.encode() in response.content
    response = reviewer_client.get(DASHBOARD)
    assert b"ask one to import" in response.content
    assert reverse("essay_import").encode() not in response.content


def test_it_counts_the_same_with_and_without_filters(mixed, editor):
    """The unfiltered view counts with index subqueries, a filtered one with GROUP BY: same numbers."""
    other = long_essay(editor, "other", sentences=5)
    bulk_claims(other, 4, status=Status.PUBLISHED, verdict="true", verdict_summary="Yes.")
    essays = {essay.pk: essay for essay in Essay.objects.all()}
    whole = summarize(Claim.objects.all(), essays)
    filtered = summarize(Claim.objects.filter(pk__gte=0), essays)
    assert whole.status_counts == filtered.status_counts == {
        "open": 1, "researching": 1, "in_review": 1, "approved": 0, "published": 5, "dismissed": 1,
    }  # fmt: skip
    assert whole.verdict_counts == filtered.verdict_counts
    assert (whole.verdict_counts["true"], whole.verdict_counts["mixed"], whole.verdict_counts["false"]) == (4, 1, 1)
    progress = [(p.essay.pk, p.checked, p.checkworthy, p.remaining) for p in whole.progress]
    assert progress == [(p.essay.pk, p.checked, p.checkworthy, p.remaining) for p in filtered.progress]
    assert (other.pk, 4, 4, 0) in progress


# Remembered filters.


def test_it_reopens_where_the_editor_left(editor_client, mixed):
    editor_client.get(DASHBOARD, {"status": "researching", "sort": "-due", "page": 1})
    response = editor_client.get(DASHBOARD)
    assert response.status_code == 302
    assert response.url == f"{DASHBOARD}?status=researching&sort=-due"
    assert rows(editor_client.get(response.url)) == [mixed["researching"].pk]


def test_it_forgets_the_filters_on_clear(editor_client, mixed):
    editor_client.get(DASHBOARD, {"status": "researching"})
    response = editor_client.get(DASHBOARD, {"clear": "1"})
    assert response.status_code == 302 and response.url == DASHBOARD
    response = editor_client.get(DASHBOARD)
    assert response.status_code == 200
    assert len(rows(response)) == 3


def test_it_remembers_filters_per_user(editor_client, reviewer_client, mixed):
    editor_client.get(DASHBOARD, {"status": "researching"})
    assert reviewer_client.get(DASHBOARD).status_code == 200


def test_it_offers_clear_filters_only_when_filtered(editor_client, mixed):
    assert b"?clear=1" not in editor_client.get(DASHBOARD).content
    assert b'href="?clear=1"' in editor_client.get(DASHBOARD, {"q": "中国"}).content


# CSV export.


def test_it_exports_plain_values_with_translated_headers(editor_client, mixed, reviewer):
    rows_ = csv_rows(editor_client.get(DASHBOARD, {"_export": "csv"}))
    header, body = rows_[0], rows_[1:]
    assert header == [
        "ID", "Essay", "Claim", "Normalized statement", "Type", "Speaker", "Status", "Verdict",
        "Assignee", "Priority", "Due", "Overdue", "Last change", "Link",
    ]  # fmt: skip
    assert len(body) == 3
    by_id = {int(row[0]): dict(zip(header, row, strict=True)) for row in body}
    researching = by_id[mixed["researching"].pk]
    assert researching["Status"] == "Researching"
    assert researching["Assignee"] == reviewer.username
    assert researching["Claim"] == "京东AI研究高管何晓冬"
    assert researching["Link"] == f"http://testserver/claims/{mixed['researching'].pk}/"
    opened = by_id[mixed["open"].pk]
    assert (opened["Priority"], opened["Due"], opened["Overdue"], opened["Assignee"]) == ("High", "2026-11-19", "yes", "")
    body_text = "".join(",".join(row) for row in body)
    assert "<" not in body_text and "badge" not in body_text


def test_it_keeps_the_filters_in_the_export(editor_client, mixed):
    body = csv_rows(editor_client.get(DASHBOARD, {"_export": "csv", "q": "芯片", "status": "all"}))[1:]
    assert [int(row[0]) for row in body] == [mixed["published"].pk]
    response = editor_client.get(DASHBOARD)
    assert response.status_code == 200  # an export is not remembered as the last filter


def test_it_names_the_export_file_and_type(editor_client, mixed):
    response = editor_client.get(DASHBOARD, {"_export": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="claims-2026-11-20.csv"'


def test_it_refuses_export_formats_it_does_not_offer(editor_client, mixed):
    assert editor_client.get(DASHBOARD, {"_export": "xlsx"}).status_code == 400


def test_it_keeps_spreadsheet_formulas_out_of_the_export(editor_client, editor):
    essay = Essay.objects.create(title="=HYPERLINK(1)", slug="formula", text="=1+1 is two", imported_by=editor)
    bulk_claims(essay, 1)
    (row,) = csv_rows(editor_client.get(DASHBOARD, {"_export": "csv"}))[1:]
    assert row[1] == "'=HYPERLINK(1)"
    assert row[2] == "'=1+"


@pytest.mark.parametrize(
    ("title", "exported"),
    [
        (" =HYPERLINK(1)", "' =HYPERLINK(1)"),
        ("\t\n@SUM(A1)", "'\t\n@SUM(A1)"),
        ("\u00a0\u3000+1", "'\u00a0\u3000+1"),
        ("\u200b=1+1", "'\u200b=1+1"),
        ("\u200d\u2060-1", "'\u200d\u2060-1"),
        ("\ufeff=cmd|' /C calc'!A0", "'\ufeff=cmd|' /C calc'!A0"),
        ("\uff1dHYPERLINK(1)", "'\uff1dHYPERLINK(1)"),
        ("\uff0b1", "'\uff0b1"),
        ("\uff0d1", "'\uff0d1"),
        ("\uff20SUM(A1)", "'\uff20SUM(A1)"),
        (" \u200b\uff1d1", "' \u200b\uff1d1"),
        # Plain text keeps its leading space or mark: only a formula character after them is defused.
        (" 京东 AI", " 京东 AI"),
        ("\u200b2019年", "\u200b2019年"),
        ("a = b", "a = b"),
        ("1+1", "1+1"),
    ],
)
def test_it_keeps_formulas_behind_space_marks_and_full_width_forms_out_of_the_export(title, exported, editor_client, editor):
    essay = Essay.objects.create(title=title, slug="formula", text="OpenAI had 150 employees.", imported_by=editor)
    bulk_claims(essay, 1)
    (row,) = csv_rows(editor_client.get(DASHBOARD, {"_export": "csv"}))[1:]
    assert row[1] == exported


# Bulk actions.


def post_bulk(client, claims, **data):
    data.setdefault("next", DASHBOARD)
    return client.post(BULK, {"claims": [f"{c.pk}:{c.version}" if isinstance(c, Claim) else c for c in claims], **data})


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_it_assigns_several_claims_at_once(editor_client, mixed, reviewer2, editor):
    chosen = [mixed["open"], mixed["researching"]]
    response = post_bulk(editor_client, chosen, action="assign", assignee=reviewer2.pk, next=f"{DASHBOARD}?status=open")
    assert response.status_code == 302 and response.url == f"{DASHBOARD}?status=open"
    for claim in chosen:
        claim.refresh_from_db()
        assert claim.assignee == reviewer2
        assert ClaimEvent.objects.filter(claim=claim, kind="assign", actor=editor).exists()
    (message,) = texts(response)
    assert "Assigned 2 claims to ravi" in message and "queue" in message


def test_it_refuses_bulk_actions_by_get(editor_client):
    assert editor_client.get(BULK).status_code == 405


def test_it_refuses_bulk_actions_for_reviewers(reviewer_client, mixed, reviewer2):
    response = post_bulk(reviewer_client, [mixed["open"]], action="assign", assignee=reviewer2.pk)
    assert response.status_code == 403
    mixed["open"].refresh_from_db()
    assert mixed["open"].assignee is None


def test_it_refuses_bulk_actions_for_outsiders_and_anonymous(outsider, client, mixed, reviewer2):
    assert post_bulk(client_for(outsider), [mixed["open"]], action="assign", assignee=reviewer2.pk).status_code == 403
    assert post_bulk(client, [mixed["open"]], action="assign", assignee=reviewer2.pk).status_code == 302
    mixed["open"].refresh_from_db()
    assert mixed["open"].assignee is None


def test_it_requires_a_comment_to_dismiss(editor_client, mixed):
    response = post_bulk(editor_client, [mixed["open"]], action="dismiss", comment="   ")
    assert response.status_code == 302
    mixed["open"].refresh_from_db()
    assert mixed["open"].status == Status.OPEN
    (message,) = texts(response)
    assert "Nothing was changed" in message and "comment" in message


def test_it_dismisses_with_a_comment_and_reports_each_claim(editor_client, mixed, editor):
    chosen = [mixed["open"], mixed["researching"], mixed["in_review"]]
    response = post_bulk(editor_client, chosen, action="dismiss", comment="Opinion, not a checkable fact.")
    for key, status in (("open", Status.DISMISSED), ("researching", Status.DISMISSED), ("in_review", Status.IN_REVIEW)):
        mixed[key].refresh_from_db()
        assert mixed[key].status == status
    event = ClaimEvent.objects.get(claim=mixed["open"], action="dismiss")
    assert event.comment == "Opinion, not a checkable fact." and event.actor == editor
    messages = texts(response)
    assert any("Dismissed 2 claims" in m for m in messages)
    assert any(f"Claim #{mixed['in_review'].pk} was not changed" in m and "In review" in m for m in messages)


def test_it_sets_priority_and_due_date(editor_client, mixed):
    chosen = [mixed["open"], mixed["researching"]]
    post_bulk(editor_client, chosen, action="priority", priority=Priority.LOW)
    post_bulk(editor_client, [Claim.objects.get(pk=c.pk) for c in chosen], action="due", due="2026-12-01")
    for claim in chosen:
        claim.refresh_from_db()
        assert (claim.priority, claim.due) == (Priority.LOW, dt.date(2026, 12, 1))


def test_it_refuses_a_claim_changed_since_the_page_was_loaded(editor_client, mixed, reviewer2):
    stale = f"{mixed['open'].pk}:{mixed['open'].version}"
    Claim.objects.filter(pk=mixed["open"].pk).update(version=mixed["open"].version + 1)
    response = post_bulk(editor_client, [stale], action="assign", assignee=reviewer2.pk)
    mixed["open"].refresh_from_db()
    assert mixed["open"].assignee is None
    assert any("Someone else changed this claim" in m for m in texts(response))


def test_it_reports_claims_that_already_had_the_value(editor_client, mixed, reviewer):
    response = post_bulk(editor_client, [mixed["researching"]], action="assign", assignee=reviewer.pk)
    assert any("already had that value" in m for m in texts(response))


@pytest.mark.parametrize("bad", ["abc", "-1", "1:x", "1:2:3", "99999999999999999999", "999999", ""])
def test_it_never_fails_on_bad_claim_ids(editor_client, mixed, reviewer2, bad):
    response = post_bulk(editor_client, [bad, mixed["open"]], action="assign", assignee=reviewer2.pk)
    assert response.status_code == 302
    mixed["open"].refresh_from_db()
    assert mixed["open"].assignee == reviewer2
    assert any("was not changed" in m for m in texts(response))


def test_it_asks_for_a_selection_and_a_complete_action(editor_client, mixed, reviewer2, outsider):
    assert any("select at least one claim" in m for m in texts(post_bulk(editor_client, [], action="assign", assignee=reviewer2.pk)))
    assert any("Choose the reviewer" in m for m in texts(post_bulk(editor_client, [mixed["open"]], action="assign")))
    assert any("valid choice" in m for m in texts(post_bulk(editor_client, [mixed["open"]], action="assign", assignee=outsider.pk)))
    assert any("valid choice" in m for m in texts(post_bulk(editor_client, [mixed["open"]], action="explode")))
    assert any("Choose the due date" in m for m in texts(post_bulk(editor_client, [mixed["open"]], action="due", due="")))
    mixed["open"].refresh_from_db()
    assert mixed["open"].version == 1


def test_it_goes_back_only_to_this_site(editor_client, mixed, reviewer2):
    response = post_bulk(editor_client, [mixed["open"]], action="assign", assignee=reviewer2.pk, next="https://evil.example/")
    assert response.url == reverse("dashboard")


# Query counts: constant in the number of claims and rows shown.


def fill(editor, reviewer, slug, count):
    essay = long_essay(editor, slug)
    statuses = [Status.OPEN, Status.RESEARCHING, Status.IN_REVIEW, Status.APPROVED, Status.PUBLISHED, Status.DISMISSED]
    reviewed = {Status.IN_REVIEW, Status.APPROVED, Status.PUBLISHED}
    Claim.objects.bulk_create(
        [
            Claim(
                essay=essay, start=i, end=i + 3, quote=essay.text[i : i + 3], status=statuses[i % 6], assignee=reviewer if i % 2 else None,
                verdict="true" if statuses[i % 6] in reviewed else "", verdict_summary="Yes." if statuses[i % 6] in reviewed else "",
                due=dt.date(2026, 11, 1 + i % 28), priority=1 + i % 3,
            )
            for i in range(count)
        ],
        batch_size=1000,
    )  # fmt: skip
    search_index.rebuild()  # bulk_create sends no signal: index the claims the way `manage.py search_index` does
    return essay


@pytest.mark.parametrize("count", [10, 5000])
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # The editor's page also counts the published claims whose sources changed or are gone (one query),
        # and the header's unread notifications (one COUNT).
        ({}, 11),
        ({"status": "researching", "q": "句子", "sort": "-due", "page": 2, "per_page": 25}, 15),  # + saving the filter in the session
    ],
)
def test_it_keeps_its_query_count_constant(editor, reviewer, django_assert_num_queries, count, query, expected, clock):
    essay = fill(editor, reviewer, "big", count)
    if query:
        query = {**query, "essay": essay.pk}
    client = client_for(editor)
    with django_assert_num_queries(expected):
        response = client.get(DASHBOARD, query)
    assert response.status_code == 200
    shown = rows(response)
    assert shown and len(shown) <= (25 if query else 50)


def test_it_does_not_remember_filters_it_cannot_use(editor_client, mixed):
    editor_client.get(DASHBOARD, {"essay": "99999"})
    assert editor_client.get(DASHBOARD).status_code == 200
