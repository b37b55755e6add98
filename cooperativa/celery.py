import logging
import os
from pathlib import Path

from celery import Celery, bootsteps, signals

logger = logging.getLogger(__name__)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cooperativa.settings")

#: The sweeps that find in the database what a killed worker, a lost message or a broker
#: outage left undone. Beat sends them every minute; each worker also sends them once every
#: time it connects to the broker (SweepsOnConnect), so that work resumes as soon as a worker
#: is available again, whatever beat's phase. A killed worker's own messages do not come back
#: before Redis' visibility timeout (a quarter of an hour), and a restarted Redis has lost
#: them: the rows, not the messages, say what is due.
SWEEPS_ON_CONNECT = (
    "payroll.tasks.payroll_resume",
    "transfers.tasks.settlement_catch_up",
    "transfers.tasks.settlement_results",
    "transfers.tasks.immediate_sweep",
    "payments.tasks.payments_status_sweep",
    "accounts.tasks.exports_resume",
    "identity.tasks.notifications_flush",
)


class SweepsOnConnect(bootsteps.StartStopStep):
    """A consumer step: it starts whenever the worker has (re)connected to the broker, on
    start-up and after the broker came back, and sends SWEEPS_ON_CONNECT. Several workers
    connecting at once send them several times: every sweep claims its rows, so a repeat
    costs queries, never a second payment."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def start(self, consumer):
        for name in SWEEPS_ON_CONNECT:
            try:
                consumer.app.send_task(name, retry=False)
            except Exception:  # the broker left again: the next connection sends them
                logger.warning("No se pudo enviar el barrido %s al conectar", name)
                return


app = Celery("cooperativa")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.steps["consumer"].add(SweepsOnConnect)


@app.on_after_configure.connect
def _create_queue_folders(sender, **kwargs):
    # kombu's filesystem transport expects its folders to exist.
    options = sender.conf.broker_transport_options or {}
    if str(sender.conf.broker_url).startswith("filesystem"):
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            if options.get(key):
                Path(options[key]).mkdir(parents=True, exist_ok=True)


@signals.task_failure.connect
def _task_failure_recorded(sender=None, task_id=None, exception=None, **kwargs):
    """A task that failed is shown to staff (back office, Auditoría, action "Tarea en segundo
    plano fallida"), not only written to a worker's log. Its work is found again by its sweep;
    this says that something needs looking at."""
    from cooperativa.observability import redact
    from identity.models import AuditEvent

    try:
        AuditEvent.objects.create(
            action="system.task_failed",
            target_type="celery.task",
            target_id=(getattr(sender, "name", "") or "")[:60],
            reason=redact(f"{type(exception).__name__}: {exception}")[:2000],
            after={"task_id": task_id},
        )
    except Exception:  # the database may be what failed: the worker's log has it then
        logger.exception("No se pudo registrar la tarea fallida %s", task_id)


@signals.worker_process_shutdown.connect
def _pdf_child_stopped(**kwargs):
    """A worker process that stops takes its PDF child with it (no leaked semaphores)."""
    from common.pdf import pdf_pool_shutdown

    pdf_pool_shutdown()
