"""A page read (GET or HEAD) whose database connection was lost mid-request is answered again
once, on a new connection, instead of with an error page.

PostgreSQL restarting, a failover or a proxy dropping idle connections ends the connections
that requests are using at that moment; ``CONN_HEALTH_CHECKS`` only protects the requests that
start afterwards. A read is safe to run again (GET changes nothing that matters twice: the
views that write on a GET write idempotently, and a lost connection rolled back whatever was
not committed), so it gets one more try after a short wait; a POST is never repeated — the
person sees the error page and the operation's idempotency key makes their retry safe.
"""

from __future__ import annotations

import logging
import sys
import time

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.dispatch import receiver

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD"})
_LOST = "_database_connection_lost"


@receiver(got_request_exception)
def _note_lost_connection(sender, request=None, **kwargs):
    """Django turns a view's exception into a 500 before an outer middleware sees it; this
    notes on the request whether that exception was a connection that no longer works."""
    exc = sys.exc_info()[1]
    if request is None or not isinstance(exc, OperationalError | InterfaceError):
        return
    if any(_lost(conn) for conn in connections.all(initialized_only=True)):
        setattr(request, _LOST, True)


def _lost(conn) -> bool:
    return conn.connection is None or not conn.is_usable()


class ReadRetryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(request, _LOST, False) or request.method not in SAFE_METHODS:
            return response
        setattr(request, _LOST, False)
        for conn in connections.all(initialized_only=True):
            conn.close()  # the next query opens a new connection
        time.sleep(settings.READ_RETRY_WAIT)
        logger.warning("Conexión a la base de datos perdida; se repite la lectura %s", request.path)
        return self.get_response(request)
