"""The refusals of service payments: what the person is told, on the form field it names."""

from __future__ import annotations

from common.refusal import Refusal


class PaymentError(Refusal):
    """A payment rule said no; ``field`` names the form field it belongs to, if any."""
