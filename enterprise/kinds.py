"""What people read for each kind of order (``ApprovalOrder.kind``).

The kinds are the keys of the approval engine's ``EXECUTORS``; a module that registers an
executor registers its label here too (payroll: ``KIND_LABELS[PAYROLL] = _("Orden de pago
masiva")``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .executors import TRANSFER_INTERBANK, TRANSFER_MEMBER, TRANSFER_OWN

KIND_LABELS: dict[str, str] = {
    TRANSFER_OWN: _("Transferencia entre cuentas propias"),
    TRANSFER_MEMBER: _("Transferencia Cooprogreso"),
    TRANSFER_INTERBANK: _("Transferencia interbancaria"),
}


def kind_label(kind: str) -> str:
    """The readable name of a kind; a kind nobody labelled yet is shown as it is stored."""
    return str(KIND_LABELS.get(kind, kind))
