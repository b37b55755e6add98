import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext

from .services import signin_flow

SINCE = "session_since"
SEEN = "session_seen"


def idle_message() -> str:
    """What the sign-in page says after a session ended for inactivity, whichever side noticed
    first: the server (a request after the limit) or the page (the "¿Sigues ahí?" countdown)."""
    return gettext("Tu sesión se cerró por inactividad. Ingresa de nuevo para continuar.")


def touch_every() -> float:
    """The last-seen time is written at most this often: a write per request would cost every
    page a session save, and the idle limit is minutes. The warning dialog allows for it."""
    return min(15.0, settings.SESSION_IDLE_SECONDS / 20)


class SessionLifetimeMiddleware:
    """Ends a signed-in session after SESSION_IDLE_SECONDS without requests, and after
    SESSION_ABSOLUTE_SECONDS whatever the activity. Views marked ``session_passive`` (the
    idle-warning dialog) are not activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        session = request.session
        now = time.time()
        since = session.get(SINCE) or now
        seen = session.get(SEEN) or now
        if now - seen > settings.SESSION_IDLE_SECONDS:
            return self._end(request, idle_message())
        if now - since > settings.SESSION_ABSOLUTE_SECONDS:
            return self._end(
                request, gettext("Tu sesión llegó a su tiempo máximo. Ingresa de nuevo.")
            )
        if SINCE not in session:
            session[SINCE] = since
        if not getattr(view_func, "session_passive", False) and now - seen >= touch_every():
            session[SEEN] = now
        return None

    def _end(self, request, message):
        logout(request)
        messages.info(request, message)
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("identity:login")
            return response
        return redirect("identity:login")


def session_started(request) -> None:
    now = time.time()
    request.session[SINCE] = now
    request.session[SEEN] = now


# The session keys of the pre-sign-in flows ("Olvidé mi usuario"…): ``CodeFlowView.key`` in
# identity/views/recovery.py.
RECOVERY_FLOW_PREFIX = "flow:"


def _personal(request) -> bool:
    """Whether the response is about a person: signed in, or halfway through signing in or
    recovering a credential (those steps belong to one person's attempt, not to the public)."""
    if request.user.is_authenticated:
        return True
    return any(
        key == signin_flow.KEY or key.startswith(RECOVERY_FLOW_PREFIX)
        for key in request.session.keys()  # noqa: SIM118 - a session has no __iter__
    )


class NoStoreMiddleware:
    """Keeps what a person sees or downloads out of every cache (the browser's disk and
    back-forward cache, a proxy): at a shared computer the next user would get balances,
    receipts and statements back. Whatever a view set is replaced, so downloads (a
    FileResponse) are covered too. Static files never reach it (WhiteNoise answers first) and
    public pages seen anonymously keep their headers. The session it reads makes
    SessionMiddleware add ``Vary: Cookie``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        before = _personal(request)
        response = self.get_response(request)
        # Asked again afterwards: a request can sign in (the last step) or start a flow.
        if before or _personal(request):
            del response["Cache-Control"]
            del response["Expires"]
            add_never_cache_headers(response)
        return response
