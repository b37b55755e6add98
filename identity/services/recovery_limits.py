"""Budgets of the flows anyone can start before signing in ("Regístrate", "Olvidé mi usuario",
"Desbloquear tu usuario", "Olvidé mi contraseña").

Whoever knows a member's identification can start these flows, so they must neither flood the
member with e-mails nor spend anything the member needs. Three budgets, none of them the
member's own sign-in and operation codes:

- per client address and per identification: requests an hour, counted whether or not the data
  matched anyone (so the refusal tells nothing), refused with one message beyond them;
- per recipient: messages an hour (``otp.message_deliverable``); beyond it the flow goes on as
  a decoy, with the same screens.

A request from a browser the person registered (its device cookie) is the person, with high
likelihood: it is counted apart and never refused by strangers' requests, so the real member
can always unlock from their own browser however many requests others made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

from common.refusal import Refusal

from ..models import RecoveryRequest
from .audit import client_ip
from .devices import device_for_request
from .otp import BUDGET_RECOVERY, BUDGET_RECOVERY_DEVICE, person_lock

WINDOW = timedelta(hours=1)


class RecoveryRefused(Refusal):
    pass


@dataclass(frozen=True)
class Admission:
    device: bool

    @property
    def budget(self) -> str:
        return BUDGET_RECOVERY_DEVICE if self.device else BUDGET_RECOVERY


def _key(kind: str, value: str) -> str:
    return salted_hmac(f"identity.recovery.{kind}", value or "-").hexdigest()


def recovery_request_admit(
    *, request, flow: str, identification: str, user=None, member=None
) -> Admission:
    """Count this request, or raise RecoveryRefused when its address or identification spent
    its hourly budget. ``user`` / ``member``: whom the data matched, if anyone (their
    registered browser is counted apart, and requests about them are counted one at a time)."""
    # Looked up whenever the browser has a device cookie, matched or not: the same work.
    device = device_for_request(user=user, request=request) is not None
    ip = _key("ip", client_ip(request) or "")
    ident = _key("identification", (identification or "").strip().upper())
    with transaction.atomic():
        # Requests about one person queue here, so parallel ones cannot all pass the count.
        person_lock(user=user, member=member)
        if not device:
            since = timezone.now() - WINDOW
            recent = RecoveryRequest.objects.filter(device=False, created_at__gte=since)
            by_ip = recent.filter(ip=ip).count()
            by_identification = recent.filter(identification=ident).count()
            if (
                by_ip >= settings.RECOVERY_REQUESTS_PER_IP
                or by_identification >= settings.RECOVERY_REQUESTS_PER_IDENTIFICATION
            ):
                raise RecoveryRefused(
                    gettext(
                        "Recibimos demasiadas solicitudes con estos datos o desde tu conexión. "
                        "Por tu seguridad, inténtalo de nuevo en una hora desde tu dispositivo "
                        "registrado, o comunícate con la cooperativa al %(phone)s."
                    )
                    % {"phone": settings.COOPERATIVE["phone"]}
                )
        RecoveryRequest.objects.create(flow=flow, ip=ip, identification=ident, device=device)
    return Admission(device=device)


def recovery_requests_prune(*, older_than: timedelta = timedelta(days=2)) -> int:
    """The rows only count within the hour; beat clears old ones daily."""
    deleted, _ = RecoveryRequest.objects.filter(
        Q(created_at__lt=timezone.now() - older_than)
    ).delete()
    return deleted
