"""The desk's activity page, the readers' feed, presence on the claim page, time zones and where sign-in lands."""

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activity.models import Presence
from claims import workflow
from claims.models import ClaimEvent, Essay, EventKind
from claims.publishing import publish_essay
from notifications.models import Profile

from .conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries), response


def _approve(claim, reviewer, editor, verdict="true"):
    workflow.transition(claim, "start", reviewer)
    claim.refresh_from_db()
    workflow.edit(claim, reviewer, {"verdict": verdict, "verdict_summary": "Checked against the report."}, claim.version)
    workflow.add_source(claim, reviewer, url="https://example.org/report", title="Report", stance="supports")
    claim.refresh_from_db()
    workflow.transition(claim, "submit", reviewer)
    claim.refresh_from_db()
    workflow.transition(claim, "approve", editor)
    claim.refresh_from_db()
    return claim


def test_activity_lists_every_kind_newest_first(editor, editor2, reviewer, claim):
    workflow.assign(claim, editor, reviewer)
    claim.refresh_from_db()
    _approve(claim, reviewer, editor)
    workflow.add_note(claim, reviewer, "Looked at the 2019 headcount.")
    publish_essay(claim.essay, editor2)
    page = client_for(reviewer).get("/activity/")
    assert page.status_code == 200
    kinds = [row["kind"] for row in page.context["entries"]]
    assert kinds[0] == "publication" and kinds[-1] == "import"
    assert {"assign", "transition", "edit", "source_added", "note"} <= set(kinds)
    stamps = [row["at"] for row in page.context["entries"]]
    assert stamps == sorted(stamps, reverse=True)
    text = page.content.decode()
    assert "Looked at the 2019 headcount." in text and "Publication #1" in text


def test_activity_filters(editor, reviewer, claim, make_claim):
    other = make_claim("这些芯片总共达到了5万个")
    workflow.add_note(claim, reviewer, "mine")
    workflow.add_note(other, editor, "theirs")
    client = client_for(editor)
    rows = client.get("/activity/", {"person": "rosa"}).context["entries"]
    assert [(r["kind"], r["comment"]) for r in rows] == [("note", "mine")]
    rows = client.get("/activity/", {"kind": "note"}).context["entries"]
    assert [r["comment"] for r in rows] == ["theirs", "mine"]
    rows = client.get("/activity/", {"kind": "import"}).context["entries"]
    assert [r["kind"] for r in rows] == ["import"]
    rows = client.get("/activity/", {"essay": claim.essay.slug, "kind": "note"}).context["entries"]
    assert len(rows) == 2
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert client.get("/activity/", {"since": tomorrow}).context["entries"] == []
    for bad in ({"kind": "nope"}, {"person": "nobody"}, {"since": "2026-13-01"}, {"since": "2026-02-02", "until": "2026-01-01"}):
        response = client.get("/activity/", bad)
        assert response.status_code == 400 and b"field-error" in response.content, bad
    assert client.get("/activity/", {"page": "999"}).status_code == 200


def test_activity_is_for_the_desk(outsider):
    assert client_for(None).get("/activity/").status_code == 302
    assert client_for(outsider).get("/activity/").status_code == 403


def _many_events(claim, actor, count):
    ClaimEvent.objects.bulk_create(
        ClaimEvent(claim=claim, actor=actor, kind=EventKind.NOTE, comment=f"note {i}", at=timezone.now(), version=claim.version)
        for i in range(count)
    )


def test_activity_costs_the_same_at_10_and_10000_events(editor, reviewer, claim):
    client = client_for(reviewer)
    _many_events(claim, editor, 10)
    small, _ = _queries(client, "/activity/")
    filtered_small, _ = _queries(client, "/activity/?kind=note&person=edith")
    _many_events(claim, editor, 9990)
    large, page = _queries(client, "/activity/")
    filtered_large, _ = _queries(client, "/activity/?kind=note&person=edith&page=3")
    assert (small, filtered_small) == (large, filtered_large)
    assert page.context["page"].paginator.count == 10001  # 10,000 notes and the import


def test_the_feed_lists_publications_for_readers(editor, editor2, reviewer, claim):
    _approve(claim, reviewer, editor)
    workflow.add_note(claim, editor, "internal: do not show")
    publish_essay(claim.essay, editor2)
    response = client_for(None).get("/p/feed/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == 1
    assert entries[0].find("a:title", ns).text == "OpenAI 与 DeepSeek (publication #1)"
    assert entries[0].find("a:link", ns).get("href").endswith("/p/openai-deepseek/v/1/")
    assert b"internal" not in response.content


def test_presence_shows_who_else_has_the_claim_open(editor, reviewer, reviewer2, claim, outsider):
    url = f"/claims/{claim.pk}/presence/"
    rosa, ravi = client_for(reviewer), client_for(reviewer2)
    assert rosa.post(url).json()["others"] == []
    others = ravi.post(url).json()["others"]
    assert [o["username"] for o in others] == ["rosa"]
    assert [o["username"] for o in rosa.post(url).json()["others"]] == ["ravi"]
    # Someone whose last heartbeat is older than the window is gone.
    Presence.objects.filter(user=reviewer2).update(last_seen=timezone.now() - dt.timedelta(minutes=5))
    assert rosa.post(url).json()["others"] == []
    ravi.post(url)
    assert ravi.post(url, {"leave": "1"}).status_code == 200
    assert rosa.post(url).json()["others"] == []
    assert client_for(None).post(url).status_code == 401
    assert client_for(outsider).post(url).status_code == 403
    assert rosa.post("/claims/999999/presence/").status_code == 404
    assert rosa.get(url).status_code == 405


def test_sign_in_lands_reviewers_on_their_queue_and_editors_on_the_dashboard(editor, reviewer, outsider):
    from django.test import Client

    for user, target in ((reviewer, "/my/"), (editor, "/dashboard/")):
        client = Client()
        response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}, follow=True)
        assert response.redirect_chain[-1][0] == target, response.redirect_chain
    client = Client()
    response = client.post("/accounts/login/?next=/activity/", {"username": "rosa", "password": PASSWORD})
    assert response["Location"] == "/activity/"


def test_times_carry_the_zone_of_the_person_or_the_desk(settings, editor, reviewer, claim, clock):
    workflow.add_note(claim, reviewer, "a note")
    # The desk's zone for someone who chose none.
    page = client_for(editor).get(f"/claims/{claim.pk}/").content.decode()
    assert "2026-11-20 09:30 UTC" in page
    Profile.objects.create(user=reviewer, time_zone="Asia/Taipei")
    from django.test import Client

    client = Client()
    client.post("/accounts/login/", {"username": "rosa", "password": PASSWORD})
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert "2026-11-20 17:30 CST" in page and 'title="Asia/Taipei"' in page
    activity = client.get("/activity/").content.decode()
    assert "2026-11-20 17:30 CST" in activity


def _returned(claim, reviewer, editor, comment="Add the 2019 report."):
    workflow.transition(claim, "start", reviewer)
    claim.refresh_from_db()
    workflow.edit(claim, reviewer, {"verdict": "true", "verdict_summary": "Right."}, claim.version)
    workflow.add_source(claim, reviewer, url="https://example.org/report", title="Report", stance="supports")
    claim.refresh_from_db()
    workflow.transition(claim, "submit", reviewer)
    claim.refresh_from_db()
    workflow.transition(claim, "return", editor, comment=comment)
    claim.refresh_from_db()
    return claim


def test_returned_work_is_marked_in_my_queue_and_on_the_claim_page(editor, reviewer, claim, make_claim):
    other = make_claim("这些芯片总共达到了5万个", assignee=reviewer)
    claim = _returned(claim, reviewer, editor, comment="Add the <b>2019</b> report.")
    client = client_for(reviewer)
    queue = client.get("/my/").content.decode()
    assert queue.count("returned-badge") == 1
    assert "Add the &lt;b&gt;2019&lt;/b&gt; report." in queue and "edith:" in queue
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert 'id="returned"' in page and "Returned to research by edith" in page
    assert page.index('id="returned"') < page.index('id="context"')  # at the top
    assert 'id="returned"' not in client.get(f"/claims/{other.pk}/").content.decode()
    # A note is not acting on it; an edit is.
    workflow.add_note(claim, reviewer, "On it.")
    assert 'id="returned"' in client.get(f"/claims/{claim.pk}/").content.decode()
    claim.refresh_from_db()
    workflow.edit(claim, reviewer, {"verdict_summary": "Right, per the 2019 report."}, claim.version)
    assert 'id="returned"' not in client.get(f"/claims/{claim.pk}/").content.decode()
    assert "returned-badge" not in client.get("/my/").content.decode()


def test_my_queue_costs_the_same_with_returned_claims(editor, reviewer, claim, make_claim):
    client = client_for(reviewer)
    make_claim("这些芯片总共达到了5万个", assignee=reviewer)
    before, _ = _queries(client, "/my/")
    _returned(claim, reviewer, editor)
    after, page = _queries(client, "/my/")
    assert before == after and b"returned-badge" in page.content


def _published_then_reopened(claim, reviewer, editor, editor2, reason, public_note=""):
    _approve(claim, reviewer, editor, verdict="true")
    publish_essay(claim.essay, editor2)
    claim.refresh_from_db()
    workflow.transition(claim, "reopen", editor, comment=reason, public_note=public_note)
    claim.refresh_from_db()
    workflow.edit(claim, editor, {"verdict": "mostly_true", "verdict_summary": "Mostly: the count was 149."}, claim.version)
    claim.refresh_from_db()
    workflow.transition(claim, "submit", editor)
    claim.refresh_from_db()
    workflow.transition(claim, "approve", editor2)
    return publish_essay(claim.essay, editor2)


def test_the_corrections_log_never_shows_the_internal_reason(editor, editor2, reviewer, claim):
    secret = "Rosa got it wrong again, see HR thread"
    publication = _published_then_reopened(claim, reviewer, editor, editor2, secret)
    assert publication.corrections[0]["public_note"] == ""
    assert secret not in str(publication.corrections)
    page = client_for(None).get("/p/openai-deepseek/").content.decode()
    assert secret not in page
    assert "The editors reviewed this verdict again after new information and corrected it." in page
    # The reason stays in the history, for the desk.
    assert secret in client_for(editor).get(f"/claims/{claim.pk}/").content.decode()


def test_the_public_correction_note_is_what_readers_see(editor, editor2, reviewer, claim):
    publication = _published_then_reopened(
        claim, reviewer, editor, editor2, "internal: wrong table", public_note="The staff count was 149, not 150."
    )
    assert publication.corrections[0]["public_note"] == "The staff count was 149, not 150."
    page = client_for(None).get("/p/openai-deepseek/").content.decode()
    assert "Correction note: The staff count was 149, not 150." in page and "internal: wrong table" not in page
    history = client_for(editor).get(f"/claims/{claim.pk}/").content.decode()
    assert "Public correction note" in history


def test_an_older_publication_with_a_copied_reason_shows_the_neutral_line(editor, editor2, reviewer, claim):
    from claims.models import Publication

    _published_then_reopened(claim, reviewer, editor, editor2, "internal")
    latest = Publication.objects.latest()
    latest.corrections[0]["reason"] = "an internal reason copied by the old code"
    Publication.objects.filter(pk=latest.pk).update(corrections=latest.corrections)
    from django.core.cache import cache

    cache.clear()
    page = client_for(None).get("/p/openai-deepseek/").content.decode()
    assert "copied by the old code" not in page


def test_return_and_dismiss_comments_never_reach_the_public_page(editor, editor2, reviewer, claim, make_claim):
    other = make_claim("这些芯片总共达到了5万个")
    workflow.transition(other, "dismiss", editor, comment="dismissed: internal words")
    claim = _returned(claim, reviewer, editor, comment="returned: internal words")
    claim.refresh_from_db()
    workflow.transition(claim, "submit", reviewer)
    claim.refresh_from_db()
    workflow.transition(claim, "approve", editor)
    publish_essay(claim.essay, editor2)
    page = client_for(None).get("/p/openai-deepseek/").content.decode()
    assert "internal words" not in page
    assert b"internal words" not in client_for(None).get("/p/feed/").content


def test_the_reopen_form_asks_for_the_reason_and_the_public_note_apart(editor, editor2, reviewer, claim):
    _approve(claim, reviewer, editor)
    publish_essay(claim.essay, editor2)
    claim.refresh_from_db()
    client = client_for(editor)
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert "Why reopen it? (internal)" in page and "Correction note for readers (optional)" in page
    response = client.post(
        f"/claims/{claim.pk}/transition/",
        {"action": "reopen", "version": claim.version, "comment": "wrong table", "public_note": "The count was 149."},
    )
    assert response.status_code == 302
    event = ClaimEvent.objects.filter(claim=claim, action="reopen").get()
    assert event.comment == "wrong table" and event.changes["public_note"] == [None, "The count was 149."]


def test_mentions_are_links_only_for_active_desk_members(editor, reviewer, reviewer2, outsider, claim):
    reviewer2.is_active = False
    reviewer2.save()
    workflow.add_note(claim, editor, "Ask @rosa, @ravi, @otto and @nobody <script>x</script>")
    page = client_for(editor).get(f"/claims/{claim.pk}/").content.decode()
    assert page.count('class="mention"') == 2  # the note and its history line, both for rosa
    assert '<a class="mention" href="/activity/?person=rosa" data-username="rosa">@rosa</a>' in page
    assert "@ravi" in page and 'data-username="ravi"' not in page and 'data-username="otto"' not in page
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    activity = client_for(editor).get("/activity/").content.decode()
    assert activity.count('class="mention"') == 1 and "<script>x</script>" not in activity


def test_the_members_endpoint_completes_mentions(editor, reviewer, reviewer2, outsider):
    client = client_for(editor)
    assert client.get("/notifications/members/", {"q": "r"}).json() == {
        "results": [{"username": "ravi", "name": ""}, {"username": "rosa", "name": ""}]
    }
    assert client.get("/notifications/members/", {"q": "ot"}).json() == {"results": []}  # not on the desk
    assert client.get("/notifications/members/", {"q": "a b"}).status_code == 400
    assert client.get("/notifications/members/", {"q": "x" * 151}).status_code == 400
    assert client_for(outsider).get("/notifications/members/").status_code == 403
    assert client_for(None).get("/notifications/members/").status_code == 302
    assert client.post("/notifications/members/").status_code == 405


def test_essay_proposals_ready_notifies_the_importer(editor, reviewer, claim, make_claim):
    from notifications.models import Kind, Notification
    from notifications.notify import essay_proposals_ready

    make_claim("这些芯片总共达到了5万个", score=0.95)
    [row] = essay_proposals_ready(claim.essay, editor)
    assert row.kind == Kind.IMPORTED and row.count == 2 and row.essay == claim.essay
    assert [item["quote"] for item in row.items] == ["这些芯片总共达到了5万个", "OpenAI只有150名员工"]
    page = client_for(editor).get("/notifications/").content.decode()
    assert "The essay you imported received 2 proposed claims." in page
    assert essay_proposals_ready(claim.essay, None) == []
    assert Notification.objects.count() == 1


def test_activity_shows_corrections_of_an_essay(editor, reviewer, claim):
    from claims.models import EssayEvent

    EssayEvent.objects.create(essay=claim.essay, actor=editor, action="edit", changes={"title": ["Old", "OpenAI 与 DeepSeek"]})
    rows = client_for(reviewer).get("/activity/", {"kind": "essay_edit"}).context["entries"]
    assert [(r["kind"], r["actor_name"], r["essay_slug"]) for r in rows] == [("essay_edit", "edith", "openai-deepseek")]
    everything = client_for(reviewer).get("/activity/").context["entries"]
    assert [r["kind"] for r in everything] == ["essay_edit", "import"]


def test_the_public_page_uses_the_desks_zone_whoever_looks(settings, editor, editor2, reviewer, claim, clock):
    from django.core.cache import cache
    from django.test import Client

    settings.DESK_TIME_ZONE = "Asia/Taipei"
    clock.shift(hours=11)  # 20:30 UTC on 20 November: already 21 November in Taipei, still the 20th in New York
    _approve(claim, reviewer, editor)
    publish_essay(claim.essay, editor2)
    cache.clear()
    Profile.objects.create(user=reviewer, time_zone="America/New_York")
    client = Client()
    client.post("/accounts/login/", {"username": "rosa", "password": PASSWORD})
    for reader in (client, Client()):
        page = reader.get("/p/openai-deepseek/").content.decode()
        days = {stamp[:10] for stamp in re.findall(r'<time datetime="([^"]+)"', page)}
        assert days == {"2026-11-21"}, days
    # Her own pages are in her zone.
    assert "2026-11-20 15:30 EST" in client.get(f"/claims/{claim.pk}/").content.decode()


def test_a_bad_desk_time_zone_stops_start_up():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={"DESK_TIME_ZONE": "Mars/Olympus", "PATH": "/usr/bin:/bin", "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "DESK_TIME_ZONE" in result.stderr and "Mars/Olympus" in result.stderr


def test_every_template_that_shows_a_time_says_its_zone():
    """A time of day through |date (H:i, g:i …) has no zone; the desk's templates use |zoned or |zoned_plain."""
    from django.conf import settings

    root = Path(settings.BASE_DIR)
    bare = re.compile(r"""\|date:\s*["'](?:[^"']*[HhGg][^"']*|[A-Z_]*TIME[A-Z_]*)["']|\|time\b""")
    found = []
    for path in sorted(root.glob("*/templates/**/*")):
        if path.suffix in (".html", ".txt") and ".venv" not in path.parts:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if bare.search(line):
                    found.append(f"{path.relative_to(root)}:{number}")
    assert found == []


def test_the_api_takes_the_public_note_apart_from_the_reason(editor, editor2, reviewer, claim):
    from .api_helpers import api, post

    _approve(claim, reviewer, editor)
    publish_essay(claim.essay, editor2)
    claim.refresh_from_db()
    body = {"action": "reopen", "version": claim.version, "comment": "internal: wrong row", "public_note": "The count was 149."}
    response = post(api(editor), f"/api/v1/claims/{claim.pk}/transitions/", body)
    assert response.status_code == 200, response.content
    event = ClaimEvent.objects.get(claim=claim, action="reopen")
    assert event.comment == "internal: wrong row" and event.changes["public_note"] == [None, "The count was 149."]
    claim.refresh_from_db()
    too_long = {"action": "dismiss", "version": claim.version, "comment": "x", "public_note": "y" * 2001}
    assert post(api(editor), f"/api/v1/claims/{claim.pk}/transitions/", too_long).status_code == 400


def test_the_timeline_narrows_every_kind_to_the_essay(essay, editor):
    from activity.views import timeline

    other = Essay.objects.create(title="Other", slug="other-essay", text="另一篇文章。", imported_by=editor)
    imports = list(timeline(essay=essay, kind="import"))
    assert [row["essay_slug"] for row in imports] == [essay.slug]
    assert other.slug in [row["essay_slug"] for row in timeline(kind="import")]
