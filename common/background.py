"""Background work without an import cycle: tasks import the services they run, so a service
that queues work names the task instead of importing its module."""

from __future__ import annotations

import importlib


def enqueue(task_name: str, *args, **kwargs):
    """Queues the Celery task ``task_name`` (e.g. ``"identity.tasks.notification_send"``).
    Call it from ``transaction.on_commit`` when the task reads rows this transaction writes."""
    from celery import current_app

    # Outside a worker nobody imported the tasks module yet: the task is registered on import.
    importlib.import_module(task_name.rsplit(".", 1)[0])
    return current_app.tasks[task_name].delay(*args, **kwargs)
