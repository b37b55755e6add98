"""Pagar: the rows of a saved batch paid through one approval order, confirmed with a code."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from common.refusal import Refusal
from enterprise.models import ApprovalOrder
from identity.views.otp import OtpConfirmView

from ..forms import PayForm, row_ids_from, rows_param
from ..selectors import batch_get_for_user
from ..services.batches import (
    PayrollError,
    Preview,
    batch_order_registered,
    batch_pay,
    batch_payment_preview,
)
from .batches import payroll_profile


class PayView(OtpConfirmView):
    """Pagar: the debit account and the reason for the rows ticked (or all), the total with
    the interbank rows' fees shown, then a code bound to the batch, its payees and amounts."""

    template_name = "payroll/pay.html"
    otp_purpose = "payroll_pay"
    heading = _("Pagar nómina")
    submit_label = _("Pagar")
    crumb = _("Pagos masivos")
    cancel_url = reverse_lazy("payroll:index")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.profile = payroll_profile(request)
            self.batch = batch_get_for_user(user=request.user, pk=kwargs["pk"])
            self.cancel_url = reverse("payroll:detail", args=[self.batch.pk])
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        initial = {}
        if data is None:
            initial["rows"] = rows_param(
                self.request.GET.getlist("filas"), bool(self.request.GET.get("todos"))
            )
        return PayForm(data=data, initial=initial, profile=self.profile, batch=self.batch)

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        form.preview, problem = self._preview(form)
        if problem:
            messages.error(request, problem)
            return redirect(self.cancel_url)
        return self.render_form(form)

    def post(self, request, *args, **kwargs):
        # A confirm sent again (double click, reload, back button) shows the first order: its
        # rows are no longer payable, so the form would refuse them.
        first = self._registered(request.POST.get("key", ""))
        if first is not None:
            return self.done(reverse("enterprise:order", args=[first.pk]), "")
        return super().post(request, *args, **kwargs)

    def _registered(self, key: str) -> ApprovalOrder | None:
        try:
            key = uuid.UUID(key).hex
        except ValueError:
            return None
        return batch_order_registered(batch=self.batch, key=key)

    def _preview(self, form) -> tuple[Preview | None, str]:
        """What the page shows above the form: the form's own once it was checked, else the
        selection's (a problem with it is said instead)."""
        if form.preview is not None:
            return form.preview, ""
        text = form.data.get("rows") if form.is_bound else form.initial.get("rows")
        try:
            return batch_payment_preview(batch=self.batch, row_ids=row_ids_from(text)), ""
        except PayrollError as exc:
            return None, exc.message
        except ValidationError as exc:
            return None, exc.messages[0]

    def get_context_data(self, **kwargs):
        preview, problem = self._preview(kwargs["form"])
        return super().get_context_data(
            batch=self.batch, preview=preview, preview_problem=problem, **kwargs
        )

    def otp_operation(self, form):
        preview = form.preview
        return {
            "batch": str(self.batch.pk),
            "rows": preview.digest,
            "count": preview.count,
            "total": str(preview.total),
            "charges": str(preview.charges),
            "debit_account": form.cleaned_data["debit_account"].pk,
            "memo": form.cleaned_data["memo"],
            "key": str(form.cleaned_data["key"]),
        }

    def otp_description(self, form):
        preview = form.preview
        return ngettext(
            "pagar %(n)s fila de la nómina «%(name)s» por $ %(total)s",
            "pagar %(n)s filas de la nómina «%(name)s» por $ %(total)s",
            preview.count,
        ) % {
            "n": preview.count,
            "name": self.batch.name,
            "total": f"{preview.debit:,.2f}",
        }

    def confirmed(self, form, challenge):
        data = form.cleaned_data
        try:
            order = batch_pay(
                user=self.request.user,
                batch=self.batch,
                row_ids=data["rows"],
                debit_account=data["debit_account"],
                memo=data["memo"],
                key=form.idempotency_key(),
                expected_digest=form.preview.digest,
            )
        except Refusal as exc:
            messages.error(self.request, exc.message)
            return self.done(self.cancel_url, "")
        url = reverse("enterprise:order", args=[order.pk])
        if order.status == ApprovalOrder.Status.EXECUTED:
            return self.done(url, gettext("Orden N.º %(n)s ejecutada.") % {"n": order.pk})
        if order.status == ApprovalOrder.Status.FAILED:
            messages.error(self.request, order.failure_reason)
            return self.done(url, "")
        return self.done(
            url,
            gettext("Orden N.º %(n)s registrada: queda pendiente de autorización.")
            % {"n": order.pk},
        )
