"""The real `manage.py db_worker` runs what the desk enqueues, on SQLite and PostgreSQL alike."""

from django.tasks import TaskResultStatus

from tests.tasks_helpers import add, refuse


def test_the_worker_runs_an_enqueued_task(task_worker):
    result = add.enqueue(2, 3)

    finished = task_worker.wait(result.id)

    assert finished.status == TaskResultStatus.SUCCESSFUL
    assert finished.return_value == 5


def test_a_failing_task_is_recorded_with_its_reason_and_the_worker_keeps_running(task_worker):
    failed = task_worker.wait(refuse.enqueue("no such page").id)
    assert failed.status == TaskResultStatus.FAILED
    assert "no such page" in failed.errors[0].traceback
    assert task_worker.alive()

    assert task_worker.wait(add.enqueue(1, 1).id).return_value == 2
