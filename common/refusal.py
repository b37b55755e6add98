"""The one error a person is shown: a rule said no.

Every user-facing refusal (a transfer over the limit, a role that may not sign, a spreadsheet
with errors) derives from ``Refusal``, so callers catch it by name and show ``message`` — on
``field`` when the form has it, above the form otherwise. Anything else that is raised is a bug
and stays a 500.
"""

from __future__ import annotations


class Refusal(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.field = field

    def add_to(self, form) -> None:
        """Shows the refusal on ``form``: on its field when the form has one by that name."""
        form.add_error(self.field if self.field in form.fields else None, self.message)
