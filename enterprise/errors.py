from common.refusal import Refusal


class ApprovalError(Refusal):
    """A refusal of the enterprise rules, with the Spanish message the user sees. User management
    and bulk payments refine it."""
