from dataclasses import dataclass
from datetime import datetime

from .models import SignIn, User

SESSION_KEY = "previous_sign_in"


@dataclass(frozen=True)
class PreviousSignIn:
    at: datetime
    device: str
    ip: str | None


def previous_sign_in(*, user: User) -> PreviousSignIn | None:
    """The latest recorded sign-in: what "Última conexión" shows."""
    last = SignIn.objects.filter(user=user).order_by("-at", "-id").first()
    return PreviousSignIn(last.at, last.device, last.ip) if last else None


def remember_previous_sign_in(*, request, user: User) -> None:
    """Called at sign-in, before this one is recorded: the session keeps the previous one, so
    no page needs a query to show it."""
    previous = previous_sign_in(user=user)
    request.session[SESSION_KEY] = (
        {"at": previous.at.isoformat(), "device": previous.device, "ip": previous.ip}
        if previous
        else None
    )


def previous_sign_in_for_request(request) -> PreviousSignIn | None:
    stored = request.session.get(SESSION_KEY, False)
    if stored is False:  # a session from before this was kept
        return previous_sign_in(user=request.user)
    if not stored:
        return None
    return PreviousSignIn(datetime.fromisoformat(stored["at"]), stored["device"], stored["ip"])
