"""The enterprise refusal. Its own module because the engine, limits, levels, payees, users and
the channel all raise it, and the engine imports limits (living in ``approvals`` it would make
a cycle)."""

from common.refusal import Refusal


class ApprovalError(Refusal):
    """A refusal of the enterprise rules, with the Spanish message the user sees. User management
    and bulk payments refine it."""
