"""Background work without an import cycle: tasks import the services they run, so a service
that queues work names the task instead of importing its module."""

from __future__ import annotations


def enqueue(task_name: str, *args, **kwargs):
    """Queues the registered Celery task ``task_name`` (e.g. ``"identity.tasks.deliver"``).
    Call it from ``transaction.on_commit`` when the task reads rows this transaction writes."""
    from celery import current_app

    return current_app.tasks[task_name].delay(*args, **kwargs)
