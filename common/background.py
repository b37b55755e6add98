"""Background work without an import cycle: tasks import the services they run, so a service
that queues work names the task instead of importing its module.

Publishing never holds up the person who caused it. Every task a request queues is found
again in the database by a sweep (notifications_flush, payments_status_sweep, payroll_resume,
payroll_imports_stale, immediate_sweep, exports_resume): the message only says "look now".
So a broker that is down or hung costs one short timeout (``CELERY_BROKER_CONNECTION_TIMEOUT``,
one try), is logged, and is not asked again for ``RETRY_AFTER`` seconds; the sweep does the
work when the broker is back.
"""

from __future__ import annotations

import importlib
import logging
import time

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0
_down_until = 0.0  # per process: monotonic time before which nothing is published


def enqueue(task_name: str, *args, **kwargs):
    """Queues the Celery task ``task_name`` (e.g. ``"identity.tasks.notification_send"``), or
    leaves it to its sweep when the broker cannot take it now (returns None then). Call it
    from ``transaction.on_commit`` when the task reads rows this transaction writes."""
    global _down_until
    from celery import current_app

    # Outside a worker nobody imported the tasks module yet: the task is registered on import.
    importlib.import_module(task_name.rsplit(".", 1)[0])
    task = current_app.tasks[task_name]
    if current_app.conf.task_always_eager:
        return task.delay(*args, **kwargs)  # runs here: its errors are the caller's
    if time.monotonic() < _down_until:
        logger.warning("Broker no disponible: %s queda para su barrido", task_name)
        return None
    try:
        return task.apply_async(args, kwargs, retry=False)
    except Exception as exc:  # kombu's and redis' errors alike: the sweep will find the rows
        _down_until = time.monotonic() + RETRY_AFTER
        logger.warning("Broker no disponible (%s): %s queda para su barrido", exc, task_name)
        return None
