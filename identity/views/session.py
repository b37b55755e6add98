import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ..middleware import SEEN, idle_message


@login_required
@require_GET
def idle_warning(request):
    """The "¿Sigues ahí?" dialog. Asking for it is not activity (see the middleware)."""
    return render(
        request,
        "identity/idle_warning.html",
        {"seconds_left": settings.SESSION_IDLE_WARNING_SECONDS},
    )


idle_warning.session_passive = True


@login_required
@require_POST
def keep_alive(request):
    request.session[SEEN] = time.time()
    # An empty #modal closes the dialog; the event restarts the page's idle timer.
    response = HttpResponse("")
    response["HX-Trigger"] = "session-kept"
    return response


@require_POST
def idle_expired(request):
    """The dialog's countdown reached zero: the session ends and the sign-in page says why
    (not "Cerraste tu sesión", which is for "Salir"). Without a session any more (the server
    ended it first, or another tab did) the page still says why it went to the sign-in page."""
    logout(request)
    messages.info(request, idle_message())
    return redirect("identity:login")
