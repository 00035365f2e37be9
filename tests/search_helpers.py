"""Essays and claims for the search tests, indexed the way the desk indexes them: after each commit."""

import itertools

from django.db import transaction

from claims import workflow
from claims.models import Claim, Essay, Note, Source

_slugs = itertools.count(1)


def run_commit_hooks(callbacks_fixture):
    """The indexing hooks run when the test's writes "commit" (pytest-django's django_capture_on_commit_callbacks)."""
    return callbacks_fixture(execute=True)


def make_essay(editor, text, title=None, slug=None, language="zh"):
    slug = slug or f"essay-{next(_slugs)}"
    return Essay.objects.create(title=title or slug, slug=slug, language=language, author="作者", text=text, imported_by=editor)


def make_claim(essay, fragment, **fields):
    start = essay.text.index(fragment)
    claim = Claim(essay=essay, start=start, end=start + len(fragment), quote=fragment, **fields)
    claim.save()
    return claim


def essay_with_claim(editor, text, fragment=None, language="zh", **fields):
    essay = make_essay(editor, text, language=language)
    return essay, make_claim(essay, fragment or text, **fields)


def add_source(claim, user=None, **fields):
    values = {"url": "https://example.org/report", "title": "Report", "publisher": "Example", "stance": "supports"}
    values.update(fields)
    return Source.objects.create(claim=claim, added_by=user, **values)


def add_note(claim, user, text):
    return Note.objects.create(claim=claim, author=user, text=text)


def approve(claim, reviewer, editor, verdict="false", summary="The record says otherwise.", url="https://example.org/report"):
    claim = workflow.transition(claim, "start", reviewer)
    workflow.add_source(claim, reviewer, url=url, title="Report", publisher="Example", stance="refutes")
    claim.refresh_from_db()
    claim = workflow.edit(claim, reviewer, {"verdict": verdict, "verdict_summary": summary}, claim.version)
    claim = workflow.transition(claim, "submit", reviewer)
    return workflow.transition(claim, "approve", editor)


def publish(essay, editor):
    from claims.publishing import publish_essay

    with transaction.atomic():
        return publish_essay(essay, editor)
