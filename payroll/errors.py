class PayrollError(Exception):
    """A refusal of the bulk-payment rules, with the Spanish message the user sees."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
