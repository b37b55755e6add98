class ApprovalError(Exception):
    """A refusal of the enterprise rules, with the Spanish message the user sees. User management
    and bulk payments refine it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
