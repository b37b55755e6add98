"""«Pago de servicios»: the catalogue (categories, live search), «Pagar servicio», «Consulta del
servicio» (the bills to pick), «Confirmar pago», the code, and the receipt with its PDF. The
payment itself is ``payments.services.operations`` (a company's becomes an approval order)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.registries.operations import Context, Outcome
from accounts.registries.permissions import customer_for, permitted
from accounts.selectors import channel_of
from common.pdf import pdf_from_html
from common.refusal import Refusal
from identity.services.otp import code_budget_message
from identity.views.otp import OtpConfirmView

from ..forms.pay import PayForm
from ..selectors.catalogue import biller_get, billers_search, categories_active
from ..selectors.payments import (
    CAPABILITY,
    KeyReused,
    last_origin_for,
    payment_already_done,
    payment_get_for_user,
    saved_service_get_for_user,
)
from ..services.bills import bill_inquire
from ..services.fees import bill_charges
from ..services.gateway import Bill
from ..services.operations import BILL, payment_submit

#: the other pages of the section, each shown only to a login offered it
SCHEDULES = "PAGO_PROGRAMADO"
NO_DEBT = _("No tienes valores pendientes de pago con este servicio.")
PURPOSE = "bill_payment"


def section_links(user) -> dict:
    """The tabs of «Pago de servicios» this login may open."""
    return {"schedules": permitted(user, SCHEDULES)}


# --- The catalogue -----------------------------------------------------------------------------


@login_required
@require_GET
def index(request):
    customer_for(request.user, CAPABILITY)
    categories = list(categories_active())
    category = request.GET.get("categoria", "")
    if category not in {c.code for c in categories}:
        category = ""
    text = request.GET.get("q", "").strip()[:60]
    context = {
        "categories": categories,
        "category": category,
        "query": text,
        "billers": billers_search(category=category, text=text),
        "section": section_links(request.user),
    }
    template = "payments/index.html#billers" if request.htmx else "payments/index.html"
    return render(request, template, context)


# --- Bills asked of the biller, kept for the form's key ------------------------------------------


def _bill_dump(bill: Bill) -> dict:
    return {
        "number": bill.number,
        "period": bill.period,
        "amount": str(bill.amount),
        "due_on": bill.due_on.isoformat() if bill.due_on else "",
        "description": bill.description,
    }


def _bill_load(data: dict) -> Bill:
    from decimal import Decimal

    return Bill(
        number=data["number"],
        period=data["period"],
        amount=Decimal(data["amount"]),
        due_on=date.fromisoformat(data["due_on"]) if data["due_on"] else None,
        description=data.get("description", ""),
    )


def bills_lookup(request, biller):
    """``bills_of(reference, fresh=False)``: the biller's bills for a reference, asked once per
    form (its key) and kept in the session, so picking, reviewing and confirming pay the bill
    the biller named, not one the browser sent back."""

    def bills_of(reference: str, fresh: bool = False) -> list[Bill]:
        slot = f"pagos:{biller.code}:{request.POST.get('key', '')}"
        kept = request.session.get(slot)
        if kept and kept["reference"] == reference and not fresh:
            return [_bill_load(b) for b in kept["bills"]]
        bills = bill_inquire(biller=biller, reference=reference)
        request.session[slot] = {"reference": reference, "bills": [_bill_dump(b) for b in bills]}
        return bills

    return bills_of


def pay_form_for(request, biller, *, data=None, initial=None, complete=False) -> PayForm:
    return PayForm(
        data=data,
        initial=initial or {},
        biller=biller,
        member=customer_for(request.user, CAPABILITY),
        user=request.user,
        bills_of=bills_lookup(request, biller),
        complete=complete,
    )


def _prefill(request, biller) -> tuple[dict, bool]:
    """«Pagar» from «Pagos frecuentes»: the saved reference and the account it was last paid
    from. Returns (initial, whether it came from a saved service)."""
    pk = request.GET.get("guardado")
    if not pk:
        return {}, False
    saved = saved_service_get_for_user(request.user, pk)
    if saved.biller_id != biller.pk:
        return {}, False
    initial = {f"ref_{name}": value for name, value in (saved.reference_fields or {}).items()}
    if not initial:
        first = (biller.fields or [{}])[0].get("name", "")
        initial[f"ref_{first}"] = saved.reference
    origin = last_origin_for(
        user=request.user, member=saved.owner, biller=biller, reference=saved.reference
    )
    if origin is not None:
        initial["origin"] = origin
    return initial, True


# --- «Pagar servicio», «Consulta del servicio», «Confirmar pago» ----------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pay(request, code):
    biller = biller_get(code)
    member = customer_for(request.user, CAPABILITY)
    if request.method == "GET":
        initial, from_saved = _prefill(request, biller)
        form = pay_form_for(request, biller, initial=initial)
        return _form_page(request, form, from_saved=from_saved)
    try:
        done = payment_already_done(member=member, post=request.POST)
    except KeyReused as exc:
        messages.error(request, exc.message)
        return redirect("payments:pay", code=biller.code)
    if done is not None:
        return redirect("payments:receipt", pk=done.pk)
    form = pay_form_for(request, biller, data=request.POST)
    step = request.POST.get("step", "")
    from_saved = bool(request.POST.get("guardado"))
    if step == "edit" or not form.is_valid():
        if step != "edit" and _only_bill_errors(form):
            return _bills_page(request, form)
        return _form_page(request, form, from_saved=from_saved)
    if form.needs_bill:
        return _inquiry(request, form, from_saved=from_saved)
    return render(request, "payments/confirm.html", summary(request, form))


def _only_bill_errors(form) -> bool:
    """A valid reference whose picked bill or amount was refused: back to the bills."""
    return (
        form.is_bound
        and bool(form.data.get("bill"))
        and "reference" in form.cleaned_data
        and set(form.errors) <= {"amount", "bill", "__all__"}
    )


def _form_page(request, form, *, from_saved: bool = False):
    context = {
        "form": form,
        "biller": form.biller,
        "hints": form.hints(),
        "from_saved": from_saved,
        "section": section_links(request.user),
    }
    return render(request, "payments/pay_form.html", context)


def _inquiry(request, form, *, from_saved: bool):
    """«Consulta del servicio»: the biller's bills for the reference, or why there are none."""
    try:
        bills = form.bills_of(form.cleaned_data["reference"], fresh=True)
    except Refusal as exc:
        form.add_error(None, exc.message)
        return _form_page(request, form, from_saved=from_saved)
    if not bills:
        messages.info(request, NO_DEBT)
        return _form_page(request, form, from_saved=from_saved)
    return _bills_page(request, form, bills)


def _bills_page(request, form, bills=None):
    if bills is None:
        try:
            bills = form.bills_of(form.cleaned_data["reference"])
        except Refusal as exc:
            form.add_error(None, exc.message)
            return _form_page(request, form)
    fee, vat = bill_charges(form.biller)
    context = {
        "form": form,
        "biller": form.biller,
        "bills": bills,
        # «Comisión» and «Total a pagar» of each bill, as the manual's list shows them.
        "charges": fee + vat,
        "rows": [(bill, bill.amount + fee + vat) for bill in bills],
        "picked": form.data.get("bill") or (bills[0].number if bills else ""),
        "hidden": _hidden(request, leave=("bill", "amount")),
        "edit_url": reverse("payments:pay", kwargs={"code": form.biller.code}),
    }
    return render(request, "payments/bills.html", context)


def _hidden(request, leave=()) -> list[tuple[str, str]]:
    return [
        (name, value)
        for name, values in request.POST.lists()
        if name not in {"csrfmiddlewaretoken", "step", *leave} and not name.startswith("otp_")
        for value in values
    ]


def summary(request, form) -> dict:
    data = form.cleaned_data
    fee, vat = form.charges()
    return {
        "form": form,
        "biller": form.biller,
        "hidden": _hidden(request),
        "origin": data["origin"],
        "amount": data["amount"],
        "bill": data.get("bill_picked"),
        "reference": data["reference"],
        "reference_rows": [
            (field.label, data["reference_fields"].get(field.name[4:], ""))
            for field in form.reference_fields()
        ],
        "fee": fee,
        "vat": vat,
        "total": data["amount"] + fee + vat,
        "alias": form.save_alias(),
        "action": reverse("payments:pay_confirm", kwargs={"code": form.biller.code}),
        "edit_url": reverse("payments:pay", kwargs={"code": form.biller.code}),
        "waits_for": " + ".join(form.precheck.signatures),
        "code_budget": code_budget_message(user=request.user, purpose=PURPOSE),
    }


class PayConfirmView(OtpConfirmView):
    """«Confirmar»: a code bound to the biller, the reference, the bill, the amount, the
    origin, what is saved and the key; then the payment (``payment_submit``)."""

    template_name = "payments/confirm.html"
    otp_purpose = PURPOSE

    def dispatch(self, request, *args, **kwargs):
        self.biller = biller_get(kwargs["code"])
        return super().dispatch(request, *args, **kwargs)

    @property
    def cancel_url(self) -> str:
        return reverse("payments:pay", kwargs={"code": self.biller.code})

    def get(self, request, *args, **kwargs):
        return redirect("payments:pay", code=self.biller.code)

    def get_form(self, data=None):
        return pay_form_for(self.request, self.biller, data=data, complete=True)

    def get_context_data(self, **kwargs):
        form = kwargs["form"]
        if form.is_bound and form.is_valid():
            return {**summary(self.request, form), **kwargs}
        hidden = _hidden(self.request) if form.is_bound else []
        return super().get_context_data(
            biller=self.biller, hidden=hidden, edit_url=self.cancel_url, **kwargs
        )

    def post(self, request, *args, **kwargs):
        # A confirm sent twice (double click, reload) shows the first payment's receipt.
        try:
            member = customer_for(request.user, CAPABILITY)
            done = payment_already_done(member=member, post=request.POST)
        except KeyReused as exc:
            messages.error(request, exc.message)
            return self.done(self.cancel_url, "")
        if done is not None:
            return self.done(reverse("payments:receipt", kwargs={"pk": done.pk}), "")
        return super().post(request, *args, **kwargs)

    def otp_operation(self, form):
        data = form.cleaned_data
        bill = data.get("bill_picked")
        return {
            "biller": self.biller.code,
            "reference": data["reference"],
            "fields": data["reference_fields"],
            "bill": bill.number if bill else "",
            "amount": str(data["amount"]),
            "origin": data["origin"].pk,
            "save": form.save_alias(),
            "key": str(data["key"]),
        }

    def otp_description(self, form):
        data = form.cleaned_data
        values = {
            "amount": f"{data['amount'] + sum(form.charges()):,.2f}",
            "biller": self.biller.name,
            "reference": data["reference"],
            "signatures": " + ".join(form.precheck.signatures),
        }
        if values["signatures"]:
            return (
                gettext(
                    "registrar la orden de pagar $ %(amount)s a %(biller)s (%(reference)s), "
                    "que quedará pendiente de las firmas de tu empresa: %(signatures)s"
                )
                % values
            )
        return gettext("pagar $ %(amount)s a %(biller)s (%(reference)s)") % values

    def confirmed(self, form, challenge):
        context = Context(
            user=self.request.user,
            member=form.member,
            channel=channel_of(self.request),
            key=form.idempotency_key(),
        )
        try:
            submitted = payment_submit(
                spec=BILL,
                payload=form.payload(),
                context=context,
                concept=gettext("Pago %(biller)s") % {"biller": self.biller.name},
                save_alias=form.save_alias(),
            )
        except Refusal as exc:
            messages.error(self.request, exc.message)
            return self.done(self.cancel_url, "")
        outcome = submitted.outcome
        _tell_saved(self.request, submitted)
        if outcome.status == Outcome.FAILED:
            messages.error(self.request, outcome.message)
            return self.done(self.cancel_url, "")
        if outcome.status == Outcome.EXECUTED:
            return self.done(BILL.receipt_url(outcome.result), "")
        messages.success(self.request, outcome.message)
        return self.done(outcome.url or reverse("payments:index"), "")


def _tell_saved(request, submitted) -> None:
    """What became of «Guardar servicio», beside the receipt or the order."""
    warning = getattr(submitted, "warning", "")
    saved = getattr(submitted, "saved", None)
    if warning:
        messages.warning(request, warning)
    elif saved is not None:
        messages.success(
            request, gettext("Guardamos %(name)s en tus pagos frecuentes.") % {"name": saved}
        )


# --- The receipt ---------------------------------------------------------------------------------


@login_required
@require_GET
def receipt(request, pk):
    payment = payment_get_for_user(request.user, pk)
    return render(request, "payments/receipt.html", {"payment": payment})


@login_required
@require_GET
def receipt_pdf(request, pk):
    payment = payment_get_for_user(request.user, pk)
    html = render_to_string(
        "payments/receipt_pdf.html",
        {"payment": payment, "cooperative": settings.COOPERATIVE},
    )
    response = HttpResponse(pdf_from_html(html), content_type="application/pdf")
    number = payment.transaction.receipt_number
    response["Content-Disposition"] = f'attachment; filename="comprobante_pago_{number}.pdf"'
    return response
