"""Notifications: rows from the workflow's history, mails by a background worker to a real SMTP server."""

import datetime as dt
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings

from claims import workflow
from claims.models import Status
from notifications.email_config import BadEmailSetting, from_url
from notifications.mail import read_unsubscribe_token, unsubscribe_token
from notifications.models import Delivery, Kind, MailState, Notification, Preference, Profile
from notifications.reminders import send_reminders

from .conftest import add_source, client_for


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self, refuse=False):
        self.messages = []
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "554 refused by the test server"
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


# The in-process db_worker closes its database connection when done; on the per-process SQLite file (used whenever
# a task_worker test is collected) that is only safe outside a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_TIMEOUT=2,
    ):
        inbox.port = port
        yield inbox
    controller.stop()


def run_worker():
    call_command("db_worker", batch=True, no_startup_delay=True, queue_name="*", verbosity=0)


def with_email(*users):
    for user in users:
        user.email = f"{user.username}@example.org"
        user.save()


def text_and_html(message):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_it_notifies_the_assignee_in_the_app(django_capture_on_commit_callbacks, editor, reviewer, claim):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.assign(claim, editor, reviewer)
    assert not Notification.objects.exists()  # the request only queued the task
    run_worker()
    [n] = Notification.objects.filter(recipient=reviewer)
    assert n.kind == Kind.ASSIGNED and n.claim_id == claim.pk and n.actor == editor and n.read_at is None
    assert n.mail_state == MailState.NONE  # no address: the app only
    assert not Notification.objects.filter(recipient=editor).exists()


def test_it_mentions_only_active_desk_members(editor, reviewer, reviewer2, outsider, claim):
    reviewer2.is_active = False
    reviewer2.save()
    workflow.add_note(claim, editor, "Ask @rosa and @ravi, not @otto or @nobody; mail edith@example.org")
    run_worker()
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [("rosa", Kind.MENTION)]


def test_a_scripted_day_mails_each_event_once_in_the_right_language(
    django_capture_on_commit_callbacks, smtp, editor, editor2, reviewer, reviewer2, claim, make_claim, clock
):
    with_email(editor, editor2, reviewer, reviewer2)
    Profile.objects.create(user=reviewer, language="zh-hans", time_zone="Asia/Shanghai")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.assign(claim, editor, reviewer)  # assign → rosa
        claim.refresh_from_db()
        workflow.transition(claim, "start", reviewer)
        claim.refresh_from_db()
        workflow.edit(claim, reviewer, {"verdict": "true", "verdict_summary": "Right."}, claim.version)
        add_source(claim, reviewer)
        claim.refresh_from_db()
        workflow.transition(claim, "submit", reviewer)
        claim.refresh_from_db()
        workflow.transition(claim, "return", editor, comment="Add the 2019 report.")  # return → rosa
        claim.refresh_from_db()
        workflow.add_note(claim, editor, "@rosa see the page 4 table, and @ravi too")  # mention → rosa, ravi
        workflow.transition(claim, "submit", reviewer)
        claim.refresh_from_db()
        workflow.transition(claim, "approve", editor)  # approve → rosa
        from claims.publishing import publish_essay

        publish_essay(claim.essay, editor2)  # publish → rosa
    run_worker()
    run_worker()  # a second pass sends nothing again
    # Due tomorrow and overdue: one digest for ravi.
    today = clock.now.date()
    make_claim("京东AI研究高管何晓冬对媒体称", assignee=reviewer2, due=today + dt.timedelta(days=1))
    make_claim("这些芯片总共达到了5万个", assignee=reviewer2, due=today - dt.timedelta(days=2))
    assert send_reminders(clock.now) == (1, 1)
    assert send_reminders(clock.now) == (0, 0)  # twice a day, mailed once
    run_worker()
    by_person = {}
    for message in smtp.messages:
        by_person.setdefault(message["To"], []).append(message)
    rosa = by_person["rosa@example.org"]
    ravi = by_person["ravi@example.org"]
    assert len(rosa) == 5 and len(ravi) == 2, [m["Subject"] for m in smtp.messages]
    assert set(by_person) == {"rosa@example.org", "ravi@example.org"}
    subjects = [m["Subject"] for m in rosa]
    assert len(set(subjects)) == 5
    for message in rosa:
        assert message["Content-Language"] == "zh-hans"
        text, html = text_and_html(message)
        assert "http://127.0.0.1:8000/" in text and "<a href=" in html
        assert "/notifications/unsubscribe/" in text
    returned = [m for m in rosa if "Add the 2019 report." in text_and_html(m)[0]]
    assert len(returned) == 1
    assert all(m["Content-Language"] == "en" for m in ravi)
    digest_text = text_and_html(ravi[1])[0]
    assert "overdue since" in digest_text and "due" in digest_text
    assert Notification.objects.filter(mail_state=MailState.SENT).count() == 7


def test_a_refusing_server_keeps_the_notification_and_queues_a_retry(django_capture_on_commit_callbacks, smtp, editor, reviewer, claim):
    from django_tasks_db.models import DBTaskResult

    with_email(reviewer)
    smtp.refuse = True
    with django_capture_on_commit_callbacks(execute=True):
        workflow.assign(claim, editor, reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()
    n = Notification.objects.get(recipient=reviewer)
    assert n.mail_state == MailState.FAILED and n.mail_attempts == 1 and "554" in n.mail_error
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # the retry, later
    smtp.refuse = False
    DBTaskResult.objects.filter(status="READY").update(run_after=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    run_worker()
    n.refresh_from_db()
    assert n.mail_state == MailState.SENT and len(smtp.messages) == 1


@pytest.mark.parametrize("kind", ["closed", "silent"])
def test_a_server_that_is_gone_or_silent_keeps_the_notification(django_capture_on_commit_callbacks, editor, reviewer, claim, kind):
    with_email(reviewer)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    if kind == "silent":
        listener.listen(1)  # accepts the connection and never greets: a time-out
    else:
        listener.close()  # nothing listens: refused
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=port, EMAIL_TIMEOUT=0.5
    ):
        with django_capture_on_commit_callbacks(execute=True):
            workflow.assign(claim, editor, reviewer)
        with django_capture_on_commit_callbacks(execute=True):
            run_worker()
    listener.close()
    n = Notification.objects.get(recipient=reviewer)
    assert n.mail_state == MailState.FAILED and n.mail_attempts == 1 and n.read_at is None


def test_it_mails_nobody_who_chose_the_app_only(django_capture_on_commit_callbacks, smtp, editor, reviewer, claim):
    with_email(reviewer)
    Preference.objects.create(user=reviewer, kind=Kind.ASSIGNED, delivery=Delivery.APP)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.assign(claim, editor, reviewer)
    run_worker()
    assert smtp.messages == [] and Notification.objects.get().mail_state == MailState.NONE


def test_the_request_queues_one_task_in_its_transaction_and_the_worker_writes_once(editor, reviewer, reviewer2, claim):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from notifications.tasks import notify_event

    def tasks():
        return list(DBTaskResult.objects.filter(task_path="notifications.tasks.notify_event").values_list("args_kwargs", flat=True))

    # A change that is rolled back queues nothing and notifies nobody.
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.add_note(claim, editor, "@rosa @ravi look")
        assert len(tasks()) == 1
        raise RuntimeError("rolled back")
    assert tasks() == [] and not Notification.objects.exists()
    # A note with no mention, a start, a source: nothing to tell anyone, no task.
    workflow.add_note(claim, editor, "Looked at the table; mail edith@example.org")
    assert tasks() == []
    # One task for two people; the rows come from the worker, and a second run of the task writes nothing more.
    workflow.add_note(claim, editor, "@rosa @ravi look")
    [queued] = tasks()
    assert not Notification.objects.exists()
    run_worker()
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["ravi", "rosa"]
    event_id = queued["args"][0]
    assert notify_event.call(event_id) == 0
    assert Notification.objects.count() == 2


def test_a_note_costs_the_request_the_same_for_one_or_twenty_mentions(editor, claim):
    from django.contrib.auth.models import Group, User

    from claims.roles import REVIEWERS

    group = Group.objects.get(name=REVIEWERS)
    names = [f"m{i:02}" for i in range(20)]
    for name in names:
        group.user_set.add(User.objects.create_user(name, email=f"{name}@example.org"))
    client = client_for(editor)

    def post(text):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.post(f"/claims/{claim.pk}/notes/", {"text": text, "version": claim.version}).status_code == 302
        return len(ctx.captured_queries)

    one = post("Please check @m00.")
    twenty = post("Please check " + " ".join(f"@{n}" for n in names) + ".")
    assert one == twenty
    run_worker()
    assert Notification.objects.filter(kind=Kind.MENTION).count() == 21


def test_the_unsubscribe_link_stops_one_kind(reviewer):
    token = unsubscribe_token(reviewer, Kind.MENTION)
    assert read_unsubscribe_token(token) == (reviewer.pk, Kind.MENTION)
    assert read_unsubscribe_token(token + "x") is None
    client = client_for(None)
    assert client.get(f"/notifications/unsubscribe/{token}/").status_code == 200
    assert not Preference.objects.exists()  # a GET (a mail scanner) changes nothing
    assert client.post(f"/notifications/unsubscribe/{token}/").status_code == 200
    assert Preference.objects.get(user=reviewer).delivery == Delivery.APP
    assert client.post("/notifications/unsubscribe/forged/").status_code == 400


def test_the_bell_page_and_api(editor, reviewer, claim, django_assert_num_queries):
    workflow.assign(claim, editor, reviewer)
    workflow.add_note(claim, editor, "@rosa look")
    run_worker()
    client = client_for(reviewer)
    page = client.get("/notifications/")
    assert page.status_code == 200 and b"data-unread>2<" in page.content
    body = client.get("/api/v1/notifications/").json()
    assert [row["kind"] for row in body["results"]] == ["mention", "assigned"]
    assert client.post("/api/v1/notifications/read/", {}, content_type="application/json").status_code == 400
    first = body["results"][0]["id"]
    assert client.post("/api/v1/notifications/read/", {"ids": [first]}, content_type="application/json").json() == {
        "marked": 1,
        "unread": 1,
    }
    assert client_for(editor).post("/notifications/read/", {"all": "1"}).status_code == 302
    assert Notification.objects.unread().count() == 1  # another person's read-all touches only theirs
    client.post("/notifications/read/", {"all": "1"})
    assert Notification.objects.unread().count() == 0
    assert client.get("/notifications/read/").status_code == 405


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_pages_cost_the_same_at_10_and_10000_notifications(editor, reviewer, claim):
    from django.utils import timezone

    client = client_for(reviewer)
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(recipient=reviewer, kind=Kind.ASSIGNED, claim=claim, actor=editor, created_at=now) for _ in range(10)
    )
    pages = ("/my/", "/notifications/", "/api/v1/notifications/", "/activity/")
    small = {url: _queries(client, url) for url in pages}
    assert 'class="bell-count" data-count="10"' in client.get("/my/").content.decode()
    Notification.objects.bulk_create(
        Notification(recipient=reviewer, kind=Kind.ASSIGNED, claim=claim, actor=editor, created_at=now) for _ in range(9990)
    )
    large = {url: _queries(client, url) for url in pages}
    assert small == large, (small, large)
    assert 'class="bell-count" data-count="10000"' in client.get("/my/").content.decode()


def test_email_url_is_read_or_refused():
    assert from_url("smtp+tls://user:p%40ss@mail.example.org:587")["EMAIL_HOST_PASSWORD"] == "p@ss"
    assert from_url("smtp+ssl://mail.example.org")["EMAIL_PORT"] == 465
    for bad in ("http://mail.example.org", "smtp+tls://user@:587", "smtp://host:notaport"):
        with pytest.raises(BadEmailSetting, match="EMAIL_URL"):
            from_url(bad)


def test_a_malformed_email_url_stops_start_up():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={"EMAIL_URL": "ftp://nope", "PATH": "/usr/bin:/bin", "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "EMAIL_URL" in result.stderr
    assert ImproperlyConfigured.__name__ in result.stderr


def test_status_is_left_as_the_workflow_made_it(editor, reviewer, claim):
    workflow.assign(claim, editor, reviewer)
    claim.refresh_from_db()
    assert claim.status == Status.OPEN and claim.assignee == reviewer


def test_a_traditional_chinese_reader_gets_the_mail_in_zh_hant(django_capture_on_commit_callbacks, smtp, editor, reviewer, claim):
    with_email(reviewer)
    Profile.objects.create(user=reviewer, language="zh-hant", time_zone="Asia/Taipei")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.assign(claim, editor, reviewer)
    run_worker()
    [message] = smtp.messages
    assert message["Content-Language"] == "zh-hant"
    text, html = text_and_html(message)
    assert "/notifications/unsubscribe/" in text and "<a href=" in html
