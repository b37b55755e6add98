from enterprise.errors import ApprovalError


class PayrollError(ApprovalError):
    """A refusal of the bulk-payment rules, with the Spanish message the user sees (an enterprise
    refusal like any other, so the screens catch one kind)."""
