"""The base of an administrator's change confirmed with a code (users, signature levels):
only the company's administrators reach it; the change is applied by ``apply`` and a refusal
is shown where the change was asked."""

from __future__ import annotations

from django.contrib import messages

from identity.views.otp import OtpConfirmView

from ..selectors.access import admin_of
from ..services.errors import ApprovalError


class AdminOperation(OtpConfirmView):
    success_message = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.admin = admin_of(request)
            self.company = self.admin.company
        return super().dispatch(request, *args, **kwargs)

    def apply(self, form) -> str | None:
        """Makes the change; may return the success message (else ``success_message``)."""
        raise NotImplementedError

    def confirmed(self, form, challenge):
        try:
            message = self.apply(form)
        except ApprovalError as exc:
            messages.error(self.request, exc.message)
            return self.done(str(self.cancel_url), "")
        return self.done(str(self.cancel_url), str(message or self.success_message))
