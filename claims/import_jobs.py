"""Long essays: extraction by a background worker, with its progress and its result kept in an ImportJob.

An essay longer than IMPORT_BACKGROUND_CHARS is stored at once (importing.import_essay with
a job mode) and its proposals are made by the `extract_proposals` task (claims/tasks.py) in
a `manage.py db_worker` process. extraction.propose reports each of its steps (PROGRESS_STEPS:
the segmentation, the words, the reading of the clauses in equal shares), counted in the job
as parts done of parts so that the page can show a progress bar. Then:

    REVIEW (the import page)   the proposals wait in the job until an editor ticks what to keep (accept)
    STORE  (the API, command)  every proposal is stored as an open claim at once

A failed job keeps the reason and can be retried; the essay stays, without claims, meanwhile.
"""

import logging
import time
from dataclasses import fields, replace

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import extraction, workflow
from .extraction import Proposal
from .models import Claim, Essay, ImportJob

log = logging.getLogger("claims.import_jobs")
State = ImportJob.State


class JobRefused(workflow.InvalidInput):
    """The job is not in a state that allows this (answered 409 by the views)."""

    status_code = 409


class TimeLimitExceeded(Exception):
    pass


def runs_in_background(text):
    return len(text) > settings.IMPORT_BACKGROUND_CHARS


def create(essay, user, mode):
    """The job for a just-stored essay; the task is queued when the transaction commits."""
    job = ImportJob.objects.create(
        essay=essay,
        created_by=user,
        created_at=essay.imported_at,
        mode=mode,
        parts=extraction.PROGRESS_STEPS,
    )
    _enqueue(job.pk)
    return job


def _enqueue(job_id):
    from .tasks import extract_proposals

    def send():
        result = extract_proposals.enqueue(job_id)
        ImportJob.objects.filter(pk=job_id, task_id="").update(task_id=str(result.id)[:64])

    transaction.on_commit(send)


def run(job_id):
    """The task's work: propose the essay's claims, step by step; REVIEW keeps them, STORE stores them."""
    claimed = ImportJob.objects.filter(pk=job_id, status__in=[State.QUEUED, State.RUNNING]).update(
        status=State.RUNNING, parts_done=0, error=""
    )
    if not claimed:
        return None  # retried meanwhile, deleted with its essay, or already done
    job = ImportJob.objects.select_related("essay", "created_by").get(pk=job_id)
    essay = job.essay
    limit = settings.IMPORT_TIME_LIMIT
    started = time.monotonic()

    def on_part(done, total):
        ImportJob.objects.filter(pk=job_id).update(parts=total, parts_done=done)
        if time.monotonic() - started > limit:
            raise TimeLimitExceeded(
                _("Proposing claims took longer than %(limit)s s (IMPORT_TIME_LIMIT), after %(done)s of %(total)s parts.")
                % {"limit": limit, "done": done, "total": total}
            )

    try:
        proposals = extraction.propose(essay.text, essay.language, progress=on_part)
        now = timezone.now()
        if job.mode == ImportJob.Mode.STORE:
            with transaction.atomic():
                # As a short import does it: the repeats of a proposal (checkworthy False) are not stored.
                stored = store(essay, [p for p in proposals if p.checkworthy], job.created_by, now)
                ImportJob.objects.filter(pk=job_id).update(
                    status=State.DONE, finished_at=now, claims_stored=len(stored), parts_done=F("parts")
                )
        else:
            ImportJob.objects.filter(pk=job_id).update(
                status=State.READY, finished_at=now, proposals=[p.to_dict() for p in proposals], parts_done=F("parts")
            )
    except Exception as exc:
        reason = str(exc) or type(exc).__name__
        ImportJob.objects.filter(pk=job_id).update(status=State.FAILED, finished_at=timezone.now(), error=reason[:2000])
        log.warning("import_job.failed", extra={"event": "import_job.failed", "job": job_id, "essay": essay.slug, "reason": reason[:200]})
        raise
    log.info("import_job.finished", extra={"event": "import_job.finished", "job": job_id, "essay": essay.slug, "proposals": len(proposals)})
    _notify(job, proposals, now)
    return len(proposals)


def _notify(job, proposals, now):
    """The importer hears that the proposals are ready (notifications app, when installed)."""
    if job.created_by is None or not apps.is_installed("notifications"):
        return
    from notifications.notify import Kind, notify

    kept = [{"start": p.start, "end": p.end} for p in proposals if p.checkworthy]
    notify([job.created_by], Kind.IMPORTED, now, essay=job.essay, items=kept)


def keep_only(proposals, keep):
    """The proposals for which keep(p) holds; a kept near-duplicate whose original went stands alone."""
    kept, new_index = [], {}
    for i, p in enumerate(proposals):
        if keep(p):
            new_index[i] = len(kept)
            kept.append(p)
    return [p if p.duplicate_of is None else replace(p, duplicate_of=new_index.get(p.duplicate_of)) for p in kept]


def store(essay, proposals, user, now):
    """Store proposals as open claims, leaving out spans a claim made by hand took meanwhile."""
    from .importing import _store_proposals

    taken = set(Claim.objects.filter(essay=essay).values_list("start", "end"))
    if taken:
        proposals = keep_only(proposals, lambda p: (p.start, p.end) not in taken)
    return _store_proposals(essay, proposals, user, now)


UNTICKED_INVALID = gettext_lazy(
    'The list of unticked proposals is not valid: send a JSON list of the proposals\' keys ("start-end") that the page showed.'
)


def parse_unticked(raw, proposals):
    """The keys ("start-end") of the proposals an editor unticked, from one JSON field; a clear refusal otherwise."""
    import json

    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        raise workflow.InvalidInput(UNTICKED_INVALID, {"unticked": [UNTICKED_INVALID]}) from None
    if not isinstance(value, list) or len(value) > len(proposals) or not all(isinstance(key, str) for key in value):
        raise workflow.InvalidInput(UNTICKED_INVALID, {"unticked": [UNTICKED_INVALID]})
    known = {f"{p.start}-{p.end}" for p in proposals}
    unknown = [key for key in value if key not in known]
    if unknown:
        message = _("%(count)s unticked proposals are not among the proposals (for example “%(key)s”): propose again.") % {
            "count": len(unknown),
            "key": unknown[0][:40],
        }
        raise workflow.InvalidInput(message, {"unticked": [message]})
    return set(value)


def from_dict(d):
    """A Proposal from its to_dict() form (as a job keeps it)."""
    names = {f.name for f in fields(Proposal)}
    values = {name: value for name, value in d.items() if name in names}
    values["reasons"] = tuple(tuple(r) if isinstance(r, list) else r for r in values.get("reasons", ()))
    return Proposal(**values)


def job_proposals(job):
    return [from_dict(d) for d in job.proposals]


def accept(job, user, unticked):
    """Store the ticked proposals of a READY job as open claims; returns the number stored."""
    workflow.check("import", user)
    now = timezone.now()
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("essay").get(pk=job.pk)
        if job.status != State.READY:
            raise JobRefused(_("These proposals were already imported or are not ready; reload the page."))
        proposals = keep_only(job_proposals(job), lambda p: f"{p.start}-{p.end}" not in unticked)
        stored = store(job.essay, proposals, user, now)
        won = ImportJob.objects.filter(pk=job.pk, status=State.READY).update(status=State.DONE, claims_stored=len(stored), proposals=[])
        if not won:
            raise JobRefused(_("These proposals were already imported or are not ready; reload the page."))
    log.info("import_job.accepted", extra={"event": "import_job.accepted", "job": job.pk, "claims": len(stored)})
    return len(stored)


def retry(job, user):
    """Queue a failed job again."""
    workflow.check("import", user)
    with transaction.atomic():
        won = ImportJob.objects.filter(pk=job.pk, status=State.FAILED).update(
            status=State.QUEUED, parts_done=0, error="", finished_at=None, task_id=""
        )
        if not won:
            raise JobRefused(_("Only a failed import can be retried; this one is %(status)s.") % {"status": job.get_status_display()})
        _enqueue(job.pk)
    log.info("import_job.retried", extra={"event": "import_job.retried", "job": job.pk})


def wait(job, timeout=None, poll=0.5, on_progress=None):
    """Wait for a worker to finish the job (the command's --wait); returns the job as finished."""
    deadline = None if timeout is None else time.monotonic() + timeout
    seen = None
    while True:
        job = ImportJob.objects.select_related("essay").get(pk=job.pk)
        if on_progress is not None and (job.status, job.parts_done) != seen:
            seen = (job.status, job.parts_done)
            on_progress(job)
        if job.finished:
            return job
        if deadline is not None and time.monotonic() > deadline:
            return job
        time.sleep(poll)


def status(job):
    """What the progress page polls and the API answers."""
    return {
        "id": job.pk,
        "status": job.status,
        "status_display": str(job.get_status_display()),
        "parts": job.parts,
        "parts_done": job.parts_done,
        "error": job.error,
        "proposals": len(job.proposals) if job.status == State.READY else None,
        "claims_stored": job.claims_stored if job.status == State.DONE else None,
        "essay": job.essay.slug,
        "finished": job.finished,
    }


__all__ = ["Essay", "ImportJob", "accept", "create", "retry", "run", "runs_in_background", "status", "wait"]
