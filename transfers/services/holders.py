"""Whose Cooprogreso account is this: the one way a member sees another member's name before a
transfer ("Validar", "Verifica que todos los datos estén correctos", the code's message).

Names are personal data, not a directory to walk: each look-up a user makes spends one of their
``TRANSFER_HOLDER_LOOKUPS_PER_HOUR``, whichever page asks, and the name is shown masked. The
manuals never show a full name there (only a part, "IVAN", "DORIS I") and state no masking
rule, so each word keeps its first letters. The receipt, after the transfer, is another matter.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext

from accounts.models import Account
from common.cache import CacheUnavailable
from identity.models import Member

from ..models import Beneficiary
from .orders import TransferError, member_account_lookup

WINDOW_SECONDS = 3600


class HolderLookupsSpent(TransferError):
    """The user's look-ups of this hour are spent: no name, of any account, until it ends."""


@dataclass(frozen=True)
class Holder:
    account: Account
    name: str  # masked: what the member may see


def holder_name_masked(name: str) -> str:
    """``MARÍA FERNANDA ONTANEDA RUIZ`` → ``MAR** FER***** ONT***** RUI*``: enough to tell a
    mistyped account from the intended one, not enough to learn who holds it. A short word
    keeps one letter less than its length, so no word is ever shown whole (but an initial)."""
    words = unicodedata.normalize("NFC", name).split()
    return " ".join(_word_masked(word) for word in words)


def _word_masked(word: str) -> str:
    keep = min(3, max(len(word) - 1, 1))
    return word[:keep] + "*" * (len(word) - keep)


def holder_reveal(*, user, member: Member, account_number: str, key=None) -> Holder:
    """The active account ``account_number`` names, and its holder's masked name, for ``user``
    acting for ``member``; ``TransferError`` (field ``account_number``) when there is no such
    account or it is the member's own, ``HolderLookupsSpent`` when the hour's look-ups are spent.

    What is free: the member's own saved, approved beneficiaries (they named that payee already,
    and saving one needs a form that spent a look-up: a transfer's or «Nuevo beneficiario»), and
    the same account again for the same form (``key``: the form's idempotency key), so Validar,
    the verify page and the code of one transfer cost one look-up, while a new form or account
    costs another.
    """
    number = (account_number or "").strip()
    if not number.isdigit():
        # Nothing to look up: no account has such a number.
        raise TransferError(
            gettext("No existe una cuenta activa con ese número."), "account_number"
        )
    paid = _paid_key(user, key, number)
    if not (paid and cache.get(paid)) and not _saved_by(member, number):
        _spend(member)
        if paid:
            cache.set(paid, True, timeout=WINDOW_SECONDS)
    account = member_account_lookup(number)
    if account is None:
        raise TransferError(
            gettext("No existe una cuenta activa con ese número."), "account_number"
        )
    if account.owner_id == member.pk:
        raise TransferError(
            gettext("Para tus propias cuentas usa «Transferencia a mis cuentas»."),
            "account_number",
        )
    return Holder(account=account, name=holder_name_masked(account.owner.full_name))


def _saved_by(member: Member, number: str) -> bool:
    return Beneficiary.objects.filter(
        owner=member,
        kind=Beneficiary.Kind.MEMBER,
        account_number=number,
        deleted_at__isnull=True,
        approved_at__isnull=False,
    ).exists()


def _paid_key(user, key, number: str) -> str | None:
    try:
        form_key = uuid.UUID(str(key))
    except ValueError:
        return None
    return f"transfers:holder-paid:{user.pk}:{form_key}:{number}"


def _spend(member) -> None:
    """One look-up of the member's hour, or ``HolderLookupsSpent``. Per member, not per login:
    a company's users share one budget, so adding users does not buy more names.

    The count lives in the cache, as it always has, not in the database: it is a throttle on
    reading, not money nor an audit record. Production's cache is Redis, shared by every worker,
    whose INCR is atomic and whose key expiry is the hour itself, with no table to prune and no
    database write on a GET. Losing it (Redis restarted) only starts a new hour; while Redis is
    away no name is shown (``common.cache``: counters fail closed). Without Redis
    (development) the cache is per process, which is acceptable there only.
    """
    counter = f"transfers:holder-lookups:{member.pk}"
    try:
        cache.add(counter, 0, timeout=WINDOW_SECONDS)
        try:
            used = cache.incr(counter)
        except ValueError:  # the hour ended between the two calls: this look-up opens the next
            cache.add(counter, 1, timeout=WINDOW_SECONDS)
            used = 1
    except CacheUnavailable as exc:  # a budget that cannot be counted is not lifted
        raise TransferError(exc.message, "account_number") from exc
    if used > settings.TRANSFER_HOLDER_LOOKUPS_PER_HOUR:
        raise HolderLookupsSpent(
            gettext("Realizaste demasiadas consultas de cuentas. Intenta nuevamente en una hora.")
        )
