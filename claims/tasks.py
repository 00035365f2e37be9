"""Background work of the claims app, run by `manage.py db_worker` (Django's Tasks framework)."""

from django.tasks import task


@task()
def extract_proposals(job_id):
    """Propose the claims of a long essay (claims/import_jobs.py); a failure is kept in the job, with its reason."""
    from . import import_jobs

    return import_jobs.run(job_id)
