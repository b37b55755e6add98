"""Autorizar: the pending orders of the company, their detail, sign or reject with a code."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from common.formatting import money
from common.refusal import Refusal
from identity.views.otp import OtpConfirmView

from ..forms.orders import MassApproveForm, RejectForm
from ..models import ApprovalOrder, Operation, Service
from ..selectors.access import can, company_profile_of, order_readable_or_403, profile_of
from ..selectors.orders import (
    OrderView,
    approval_blocker,
    beneficiaries_waiting,
    order_get_for_company_user,
    order_view,
    payee_waiting_get_for_company_user,
    pending_orders_for_profile,
    pending_views_for_profile,
    rejection_blocker,
    sign_blockers,
)
from ..services.approvals import Blocker, order_approve, order_reject, order_withdraw
from ..services.payees import beneficiary_approve, beneficiary_reject


class PendingView(OtpConfirmView):
    """Autorizar: the pending list (search by origin account, payee, concept or amount) whose
    ticked rows are signed together with one code ("Autorización masiva"), each checked on its
    own."""

    template_name = "enterprise/pending.html"
    otp_purpose = "order_approve_many"
    heading = _("Autorizar")
    crumb = _("Autorizar")
    cancel_url = reverse_lazy("enterprise:pending")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.profile = profile_of(request, Service.AUTHORIZE)
            self.query = request.GET.get("q", "").strip()[:40]
            self.rows = pending_views_for_profile(self.profile, self.query)
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        return MassApproveForm(data=data, rows=pending_orders_for_profile(self.profile))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            rows=self.rows,
            signable=sum(1 for row in self.rows if row.blocker is None),
            query=self.query,
            payees=beneficiaries_waiting(self.profile),
            **kwargs,
        )

    def get(self, request, *args, **kwargs):
        if request.htmx and request.GET.get("q") is not None:
            context = self.get_context_data(form=self.get_form())
            return render(request, f"{self.template_name}#form", context)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        # Ticked orders this login cannot sign (signed in another tab meanwhile, …) are said
        # on the form, before a code is asked for.
        if not request.POST.get("otp_step"):
            form = self.get_form(data=request.POST)
            if form.is_valid():
                blockers = sign_blockers(self.profile, self._chosen(form))
                for pk, blocker in blockers.items():
                    if blocker is not None:
                        form.add_error(None, f"N.º {pk}: {blocker.message}")
                if form.errors:
                    return self.form_invalid(form)
        return super().post(request, *args, **kwargs)

    def _chosen(self, form):
        return sorted(form.cleaned_data["orders"], key=lambda order: order.pk)

    def otp_operation(self, form):
        return {
            "orders": [
                [o.pk, str(o.amount), o.payload.get("digest", "")] for o in self._chosen(form)
            ]
        }

    def otp_description(self, form):
        chosen = self._chosen(form)
        total = sum((o.amount for o in chosen), Decimal("0"))
        return ngettext(
            "autorizar %(n)s operación por $ %(total)s",
            "autorizar %(n)s operaciones por $ %(total)s",
            len(chosen),
        ) % {
            "n": len(chosen),
            "total": f"{total:,.2f}",
        }

    def confirmed(self, form, challenge):
        executed, signed, refused = 0, 0, []
        for order in self._chosen(form):
            # One transaction per order: one refusal does not undo the others' signatures.
            try:
                result = order_approve(user=self.request.user, order_id=order.pk)
            except Refusal as exc:
                refused.append(f"N.º {order.pk}: {exc.message}")
                continue
            if result.status == ApprovalOrder.Status.EXECUTED:
                executed += 1
            elif result.status == ApprovalOrder.Status.FAILED:
                refused.append(f"N.º {order.pk}: {result.failure_reason}")
            else:
                signed += 1
        for line in refused:
            messages.error(self.request, gettext("No autorizada %(line)s") % {"line": line})
        # Nothing executed nor signed: the errors say it all, no "0 órdenes ejecutadas".
        summary = _mass_summary(executed, signed) if executed or signed else ""
        return self.done(reverse("enterprise:pending"), summary)


def _mass_summary(executed: int, signed: int) -> str:
    """The mass approval's outcome: «Autorización masiva: 1 orden ejecutada; 2 con tu firma
    registrada (faltan otras firmas).»"""
    done = ngettext("%(n)s orden ejecutada", "%(n)s órdenes ejecutadas", executed) % {"n": executed}
    if not signed:
        return gettext("Autorización masiva: %(done)s.") % {"done": done}
    waiting = ngettext(
        "%(n)s con tu firma registrada (faltan otras firmas)",
        "%(n)s con tu firma registrada (faltan otras firmas)",
        signed,
    ) % {"n": signed}
    return gettext("Autorización masiva: %(done)s; %(waiting)s.") % {
        "done": done,
        "waiting": waiting,
    }


@login_required
@require_GET
def order_detail(request, pk):
    profile = company_profile_of(request)
    order = order_get_for_company_user(profile=profile, pk=pk)
    order_readable_or_403(profile, order, request.user)
    can_authorize = can(profile, Service.AUTHORIZE) and order.status == ApprovalOrder.Status.PENDING
    return render(
        request,
        "enterprise/order.html",
        {
            "order": order,
            "summary": order_view(order),
            "can_authorize": can_authorize,
            # What stops this login, said here instead of after its code (None: it may).
            "approve_blocker": approval_blocker(order, profile) if can_authorize else None,
            "reject_blocker": rejection_blocker(order, profile) if can_authorize else None,
            "can_withdraw": order.created_by_id == request.user.pk
            and order.status == ApprovalOrder.Status.PENDING,
        },
    )


@login_required
@require_POST
def withdraw(request, pk):
    """The ingresador takes back an order nobody signed yet; its funds are released."""
    profile = company_profile_of(request)
    order = order_get_for_company_user(profile=profile, pk=pk)
    try:
        order_withdraw(user=request.user, order_id=order.pk)
    except Refusal as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, gettext("Orden retirada: los fondos quedan disponibles."))
    return redirect("enterprise:order", pk=order.pk)


def _what(view: OrderView) -> str:
    """What an order does, in words: "la transferencia de $ 48.00 a JUAN PÉREZ"."""
    order, amount = view.order, money(view.amount)
    if view.payee is not None:
        if order.operation == Operation.TRANSFER:
            text = gettext("la transferencia de %(amount)s a %(name)s")
        else:
            text = gettext("el pago de %(amount)s a %(name)s")
        return text % {"amount": amount, "name": view.payee.name}
    if view.is_payroll:
        return ngettext(
            "el pago masivo de %(amount)s a %(n)s beneficiario",
            "el pago masivo de %(amount)s a %(n)s beneficiarios",
            view.rows,
        ) % {"amount": amount, "n": view.rows}
    return gettext("la orden N.º %(n)s por %(amount)s") % {"n": order.pk, "amount": amount}


def _where(view: OrderView) -> str:
    """What follows a payee's name: « (Banco X, cuenta *****1234)»; nothing without one."""
    if view.payee is None:
        return ""
    return gettext(" (%(institution)s, cuenta %(account)s)") % {
        "institution": view.payee.institution,
        "account": view.payee.account,
    }


class OrderMixin:
    """The approve and reject pages: the order's summary (type, payee, amount, fee, total,
    the signature rule and the signatures so far) above the question and the form. When this
    login cannot do it now (it signed already, the order expired, …) no code is asked for: the
    order's page says why."""

    template_name = "enterprise/order_confirm.html"
    crumb = _("Autorizar")
    cancel_url = reverse_lazy("enterprise:pending")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.profile = profile_of(request, Service.AUTHORIZE)
            self.order = order_get_for_company_user(profile=self.profile, pk=kwargs["pk"])
            self.view = order_view(self.order)
        return super().dispatch(request, *args, **kwargs)

    def blocker(self) -> Blocker | None:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        if (blocker := self.blocker()) is not None:
            return self.turned_away(blocker)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        # Only the code's own step goes on to the engine (which checks everything again).
        if request.POST.get("otp_step") != "verify" and (blocker := self.blocker()) is not None:
            return self.turned_away(blocker)
        return super().post(request, *args, **kwargs)

    def turned_away(self, blocker: Blocker):
        messages.warning(self.request, blocker.message)
        return self.done(reverse("enterprise:order", args=[self.order.pk]), "")

    def get_context_data(self, **kwargs):
        return super().get_context_data(summary=self.view, intro=self.question(), **kwargs)

    def question(self) -> str:
        raise NotImplementedError

    def fail(self, message):
        messages.error(self.request, message)
        return self.done(reverse("enterprise:order", args=[self.order.pk]), "")


class ApproveView(OrderMixin, OtpConfirmView):
    heading = _("Autorizar")
    submit_label = _("Sí, autorizar")
    otp_purpose = "order_approve"

    def get_form(self, data=None):
        return forms.Form(data=data)

    def blocker(self) -> Blocker | None:
        return approval_blocker(self.order, self.profile)

    def question(self) -> str:
        return gettext("¿Autorizas %(what)s%(where)s?") % {
            "what": _what(self.view),
            "where": _where(self.view),
        }

    def otp_operation(self, form):
        # A bulk payment's code is bound to its list of payees too (the rows' digest): a row
        # changed after the order was registered makes the code, and the execution, fail.
        return {
            "order": self.order.pk,
            "amount": str(self.order.amount),
            "digest": self.order.payload.get("digest", ""),
        }

    def otp_description(self, form):
        # The code's message names what it signs: "autorizar la transferencia de $ 48.00 a …".
        return gettext("autorizar %(what)s") % {"what": _what(self.view)}

    def confirmed(self, form, challenge):
        try:
            order = order_approve(user=self.request.user, order_id=self.order.pk)
        except Refusal as exc:
            return self.fail(exc.message)
        if order.status == ApprovalOrder.Status.FAILED:
            return self.fail(
                gettext("La orden no se pudo ejecutar: %(r)s") % {"r": order.failure_reason}
            )
        if order.status == ApprovalOrder.Status.EXECUTED:
            message = gettext("Orden autorizada y ejecutada.")
        else:
            message = gettext("Firma registrada: faltan otras firmas.")
        return self.done(reverse("enterprise:order", args=[order.pk]), message)


class RejectView(OrderMixin, OtpConfirmView):
    heading = _("Rechazar")
    submit_label = _("Sí, rechazar")
    otp_purpose = "order_reject"

    def get_form(self, data=None):
        return RejectForm(data=data)

    def blocker(self) -> Blocker | None:
        return rejection_blocker(self.order, self.profile)

    def question(self) -> str:
        return gettext("¿Rechazas %(what)s%(where)s? Indica el motivo.") % {
            "what": _what(self.view),
            "where": _where(self.view),
        }

    def otp_operation(self, form):
        return {"order": self.order.pk, "reason": form.cleaned_data["reason"]}

    def otp_description(self, form):
        return gettext("rechazar %(what)s") % {"what": _what(self.view)}

    def confirmed(self, form, challenge):
        try:
            order_reject(
                user=self.request.user,
                order_id=self.order.pk,
                reason=form.cleaned_data["reason"],
            )
        except Refusal as exc:
            return self.fail(exc.message)
        return self.done(reverse("enterprise:pending"), gettext("Orden rechazada."))


class PayeeMixin:
    crumb = _("Autorizar")
    cancel_url = reverse_lazy("enterprise:pending")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            profile = profile_of(request, Service.AUTHORIZE)
            self.payee = payee_waiting_get_for_company_user(profile=profile, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        payee = self.payee
        intro = gettext("%(name)s · %(bank)s · cuenta %(account)s · registrado por %(by)s") % {
            "name": payee.holder_name,
            "bank": payee.institution.name if payee.institution else "Cooprogreso",
            "account": payee.masked_number,
            "by": payee.created_by.get_full_name() if payee.created_by else "-",
        }
        return super().get_context_data(intro=intro, **kwargs)

    def finish(self, work, message):
        try:
            work()
        except Refusal as exc:
            messages.error(self.request, exc.message)
            return self.done(reverse("enterprise:pending"), "")
        return self.done(reverse("enterprise:pending"), message)


class PayeeApproveView(PayeeMixin, OtpConfirmView):
    heading = _("Aprobar beneficiario")
    submit_label = _("Sí, aprobar")
    otp_purpose = "payee_approve"

    def get_form(self, data=None):
        return forms.Form(data=data)

    def otp_operation(self, form):
        return {"beneficiary": self.payee.pk, "account": self.payee.account_number}

    def otp_description(self, form):
        return gettext("aprobar al beneficiario %(name)s") % {"name": self.payee.holder_name}

    def confirmed(self, form, challenge):
        minutes = settings.BENEFICIARY_COOLING_MINUTES
        return self.finish(
            lambda: beneficiary_approve(user=self.request.user, beneficiary_id=self.payee.pk),
            gettext(
                "Beneficiario aprobado. Durante %(m)s minutos cada pago puede ser de máximo "
                "$ %(cap)s."
            )
            % {"m": minutes, "cap": f"{settings.BENEFICIARY_COOLING_CAP:,.2f}"},
        )


class PayeeRejectView(PayeeMixin, OtpConfirmView):
    heading = _("Rechazar beneficiario")
    submit_label = _("Sí, rechazar")
    otp_purpose = "payee_reject"

    def get_form(self, data=None):
        return RejectForm(data=data)

    def otp_operation(self, form):
        return {"beneficiary": self.payee.pk, "reason": form.cleaned_data["reason"]}

    def otp_description(self, form):
        return gettext("rechazar al beneficiario %(name)s") % {"name": self.payee.holder_name}

    def confirmed(self, form, challenge):
        return self.finish(
            lambda: beneficiary_reject(
                user=self.request.user,
                beneficiary_id=self.payee.pk,
                reason=form.cleaned_data["reason"],
            ),
            gettext("Beneficiario rechazado."),
        )
