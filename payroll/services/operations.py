"""A bulk payment as an operation (``accounts.registries.operations``): the same recipe as a
transfer. ``batch_pay`` submits it; the enterprise app's channel makes it an approval order
(its rows tied to it), and once signed the engine runs ``payroll_debit`` with the stored
payload and the order's amount."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from accounts.registries.operations import OperationSpec

from .batches import PAYROLL_KIND, PayrollPayload, interbank_charges
from .execution import payroll_debit, payroll_release

#: the amount bands a company sets for bulk payments (``enterprise.models.Operation.PAYROLL``)
BAND = "PAGO_MASIVO"


def _charges(payload: PayrollPayload) -> Decimal:
    fee, vat = interbank_charges()
    return (fee + vat) * payload.interbank


PAYROLL = OperationSpec(
    code=PAYROLL_KIND,
    label=_("Pago masivo"),
    band=BAND,
    payload=PayrollPayload,
    execute=payroll_debit,
    charges=_charges,
    released=payroll_release,
)
