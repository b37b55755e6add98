from .models import SignIn, User


def previous_sign_in(*, user: User) -> SignIn | None:
    """The sign-in before the current one: what "Última conexión" shows."""
    recent = list(SignIn.objects.filter(user=user).order_by("-at", "-id")[:2])
    return recent[1] if len(recent) > 1 else (recent[0] if recent else None)
