"""Autorizar: the pending orders of the company, their detail, sign or reject with a code."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from identity.otp_views import OtpConfirmView

from .approvals import (
    ApprovalError,
    accounts_of,
    can,
    company_user,
    order_approve,
    order_reject,
    order_withdraw,
    required_signatures,
)
from .models import ApprovalOrder, Service


def profile_of(request, service):
    profile = company_user(request.user)
    if profile is None:
        raise PermissionDenied(gettext("Esta opción es de la banca empresas."))
    if not can(profile, service):
        raise PermissionDenied(gettext("Tu usuario no tiene este servicio."))
    return profile


def _orders(profile):
    # Another company's orders never appear; approvers see the accounts they were granted.
    return ApprovalOrder.objects.filter(
        company=profile.company, debit_account__in=accounts_of(profile)
    ).select_related("debit_account", "created_by")


@login_required
@require_GET
def pending(request):
    profile = profile_of(request, Service.AUTHORIZE)
    rows = _orders(profile).filter(status=ApprovalOrder.Status.PENDING)
    query = request.GET.get("q", "").strip()[:40]
    if query:
        rows = rows.filter(concept__icontains=query) | rows.filter(
            debit_account__number__contains=query
        )
    return render(request, "enterprise/pending.html", {"rows": rows, "query": query})


@login_required
@require_GET
def order_detail(request, pk):
    profile = company_user(request.user)
    if profile is None:
        raise PermissionDenied
    order = get_object_or_404(_orders(profile), pk=pk)
    return render(
        request,
        "enterprise/order.html",
        {
            "order": order,
            "approvals": order.approvals.select_related("user"),
            "required": required_signatures(order.company, order.operation, order.amount),
            "can_authorize": can(profile, Service.AUTHORIZE),
            "can_withdraw": order.created_by_id == request.user.pk
            and order.status == ApprovalOrder.Status.PENDING,
        },
    )


@login_required
@require_POST
def withdraw(request, pk):
    """The ingresador takes back an order nobody signed yet; its funds are released."""
    profile = company_user(request.user)
    if profile is None:
        raise PermissionDenied
    order = get_object_or_404(_orders(profile), pk=pk)
    try:
        order_withdraw(user=request.user, order_id=order.pk)
    except ApprovalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, gettext("Orden retirada: los fondos quedan disponibles."))
    return redirect("enterprise:order", pk=order.pk)


class OrderMixin:
    crumb = _("Autorizar")
    cancel_url = reverse_lazy("enterprise:pending")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            profile = profile_of(request, Service.AUTHORIZE)
            self.order = get_object_or_404(_orders(profile), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def fail(self, message):
        messages.error(self.request, message)
        return self.done(reverse("enterprise:order", args=[self.order.pk]), "")


class ApproveView(OrderMixin, OtpConfirmView):
    heading = _("Autorizar")
    submit_label = _("Sí, autorizar")
    otp_purpose = "order_approve"

    def get_form(self, data=None):
        return forms.Form(data=data)

    def get_context_data(self, **kwargs):
        intro = gettext(
            "¿Estás seguro que deseas autorizar la transferencia, por un valor de $%(amount)s?"
        ) % {"amount": f"{self.order.amount:,.2f}"}
        return super().get_context_data(intro=intro, **kwargs)

    def otp_operation(self, form):
        return {"order": self.order.pk, "amount": str(self.order.amount)}

    def otp_description(self, form):
        return gettext("autorizar la orden N.º %(n)s por $ %(amount)s") % {
            "n": self.order.pk,
            "amount": f"{self.order.amount:,.2f}",
        }

    def confirmed(self, form, challenge):
        try:
            order = order_approve(user=self.request.user, order_id=self.order.pk)
        except ApprovalError as exc:
            return self.fail(exc.message)
        message = {
            ApprovalOrder.Status.EXECUTED: gettext("Orden autorizada y ejecutada."),
            ApprovalOrder.Status.FAILED: gettext("La orden no se pudo ejecutar: %(r)s")
            % {"r": order.failure_reason},
        }.get(order.status, gettext("Firma registrada: faltan otras firmas."))
        return self.done(reverse("enterprise:order", args=[order.pk]), message)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo"),
        max_length=200,
        error_messages={"required": _("Ingresa el motivo del rechazo.")},
    )


class RejectView(OrderMixin, OtpConfirmView):
    heading = _("Rechazar")
    submit_label = _("Sí, rechazar")
    otp_purpose = "order_reject"

    def get_form(self, data=None):
        return RejectForm(data=data)

    def otp_operation(self, form):
        return {"order": self.order.pk, "reason": form.cleaned_data["reason"]}

    def otp_description(self, form):
        return gettext("rechazar la orden N.º %(n)s") % {"n": self.order.pk}

    def confirmed(self, form, challenge):
        try:
            order_reject(
                user=self.request.user,
                order_id=self.order.pk,
                reason=form.cleaned_data["reason"],
            )
        except ApprovalError as exc:
            return self.fail(exc.message)
        return self.done(reverse("enterprise:pending"), gettext("Orden rechazada."))
