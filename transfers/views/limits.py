"""Personalización de cupos: a member's own limits under the cooperative's maximums, changed
with a code. Not a company's: its limits are the Niveles de firma."""

from __future__ import annotations

from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.registries.permissions import customer_for
from identity.views.otp import OtpConfirmView

from ..forms import LimitsForm
from ..models import LimitCategory
from ..selectors import LIMITS, limits_overview
from ..services.beneficiaries import limits_set


class LimitsView(OtpConfirmView):
    template_name = "transfers/limits.html"
    heading = _("Personalización de cupos")
    otp_purpose = "limits"
    cancel_url = reverse_lazy("transfers:index")

    def get_form(self, data=None):
        member = customer_for(self.request.user, LIMITS)
        return LimitsForm(data=data, limits=limits_overview(member))

    def otp_operation(self, form):
        return {k: str(v) for k, v in sorted(form.cleaned_data.items())}

    def otp_description(self, form):
        return gettext("cambiar tus cupos de transferencias")

    def confirmed(self, form, challenge):
        member = customer_for(self.request.user, LIMITS)
        for category, _label in LimitCategory.choices:
            daily, weekly, monthly = form.values(category)
            limits_set(
                member=member,
                category=category,
                daily=daily,
                weekly=weekly,
                monthly=monthly,
                user=self.request.user,
            )
        return self.done(reverse("transfers:limits"), gettext("Cupos actualizados"))
