"""Pago de tarjetas: the saved cards (search, «Pagar»), the payment form (a saved card or
«Agregar nueva tarjeta»), "Verifica que todos los datos estén correctos", the code, the receipt.
The operation is ``transfers.services.operations`` (``CARD_OWN`` / ``CARD_INTERBANK``); a
company's payment becomes an approval order there."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts.registries.operations import Context, Outcome
from accounts.registries.permissions import customer_for
from accounts.selectors import channel_of
from common.refusal import Refusal
from identity.services.otp import code_budget_message
from identity.views.otp import OtpConfirmView

from ..forms import CardPaymentForm
from ..models import Institution
from ..selectors import (
    CARD_CAPABILITIES,
    KeyReused,
    card_payee_get_for_user,
    card_payment_get_for_user,
    transfer_already_done,
)
from ..services.beneficiaries import payee_waits
from ..services.calendar import process_date_for
from ..services.cards import CardPayee, card_amounts, card_payees_of
from ..services.operations import CardData, Submitted, card_submit
from ..services.orders import settlement_for

PAY_URL = "transfers:card_pay"


#: the session's cards checked on a form, by the form's key: their mask and keyed hash only
CHECKED_CARDS = "checked-cards"


def _form(request, data=None, initial=None) -> CardPaymentForm:
    return CardPaymentForm(
        data=data,
        initial=initial or {},
        member=customer_for(request.user, *CARD_CAPABILITIES),
        user=request.user,
        checked=_checked(request, data),
    )


def _checked(request, data) -> CardPayee | None:
    """The new card this form's first step checked (its number is not sent again)."""
    stored = request.session.get(CHECKED_CARDS, {}).get(str((data or {}).get("key", "")))
    if not stored:
        return None
    try:
        return CardData.from_json(stored).payee()
    except (Refusal, KeyError, TypeError):
        return None


def _remember(request, form) -> None:
    """Once a typed card is checked, the verify page and the code carry its form key, not its
    number: the card (mask and keyed hash) waits in the session (the last few forms')."""
    data = form.cleaned_data
    if data.get("beneficiary") is not None or not data.get("card_number"):
        return
    cards = dict(list(request.session.get(CHECKED_CARDS, {}).items())[-4:])
    cards[str(data["key"])] = CardData.of(data["payee"]).to_json()
    request.session[CHECKED_CARDS] = cards


@login_required
@require_GET
def cards(request):
    """The saved cards, searched as one types (htmx swaps the list), each with «Pagar»."""
    member = customer_for(request.user, *CARD_CAPABILITIES)
    query = request.GET.get("q", "").strip()[:40]
    context = {"rows": card_payees_of(member, query=query), "query": query}
    template = "transfers/cards.html"
    if request.htmx:
        template += "#list"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def card_pay(request):
    if request.method == "GET":
        initial = {}
        # ``beneficiario`` from a link, ``beneficiary`` when the form's select reloads it.
        chosen_id = request.GET.get("beneficiario") or request.GET.get("beneficiary")
        if chosen_id:
            chosen = card_payee_get_for_user(request.user, chosen_id)
            if payee_waits(chosen):
                messages.warning(
                    request,
                    gettext(
                        "%(name)s está por aprobar: podrás pagarle cuando un autorizador de tu "
                        "empresa lo apruebe."
                    )
                    % {"name": chosen},
                )
            else:
                initial["beneficiary"] = chosen.pk
        form = _form(request, initial=initial)
        if "beneficiary" in initial:
            form.amounts = card_amounts(member=form.member, payee=CardPayee.of(chosen))
        return _form_page(request, form)
    member = customer_for(request.user, *CARD_CAPABILITIES)
    try:
        done = transfer_already_done(member=member, post=request.POST, prefix="tc")
    except KeyReused as exc:
        messages.error(request, exc.message)
        return redirect(PAY_URL)
    if done is not None:
        return redirect("transfers:card_receipt", pk=done.pk)
    form = _form(request, data=request.POST)
    if request.POST.get("step") == "edit" or not form.is_valid():
        return _form_page(request, form)
    _remember(request, form)
    return render(request, "transfers/cards_confirm.html", summary(request, form))


def _form_page(request, form):
    context = {"form": form, "hints": form.hints(), "amounts": form.amounts}
    return render(request, "transfers/cards_form.html", context)


def _hidden(request, form) -> list[tuple[str, str]]:
    """What the verify page and the code carry back: the form as posted, the amount as it
    was resolved («Pago mínimo» and «Pago total» become their value), so a repeat is
    recognised and the code binds the amount itself."""
    hidden = [
        (name, value)
        for name, values in request.POST.lists()
        # The card number is never sent back: the card checked waits in the session.
        if name not in {"csrfmiddlewaretoken", "step", "amount", "card_number"}
        and not name.startswith("otp_")
        for value in values
    ]
    if form.is_bound and hasattr(form, "cleaned_data") and form.cleaned_data.get("amount"):
        hidden.append(("amount", str(form.cleaned_data["amount"])))
    return hidden


def summary(request, form) -> dict:
    data = form.cleaned_data
    payee = data["payee"]
    fee, vat, charges = form.charges()
    interbank = not payee.is_own_institution
    context = {
        "form": form,
        "hidden": _hidden(request, form),
        "origin": data["origin"],
        "amount": data["amount"],
        "pay_label": dict(form.fields["pay"].choices).get(data.get("pay") or form.OTHER),
        "memo": data.get("memo", ""),
        "fee": fee,
        "vat": vat,
        "total": data["amount"] + charges,
        "to_name": payee.name,
        "to_card": payee.masked,
        "to_institution": payee.institution.name,
        "interbank": interbank,
        "action": reverse("transfers:card_confirm"),
        "edit_url": reverse(PAY_URL),
        "waits_for": " + ".join(form.precheck.signatures),
        "code_budget": code_budget_message(user=request.user, purpose="card_payment"),
    }
    if interbank:
        settlement = settlement_for(payee.institution, data["amount"])
        context |= {
            "immediate": settlement == Institution.Settlement.IMMEDIATE,
            "process_date": process_date_for(),
            "today": timezone.localdate(),
        }
    return context


def submit(request, form) -> Submitted:
    context = Context(
        user=request.user,
        member=form.member,
        channel=channel_of(request),
        key=form.idempotency_key(),
    )
    return card_submit(
        spec=form.spec,
        payload=form.payload(),
        context=context,
        concept=form.cleaned_data.get("memo") or str(form.spec.label),
        payee=form.payee_to_save(),
        alias=form.cleaned_data.get("alias", ""),
    )


def _tell_payee(request, submitted: Submitted) -> None:
    if submitted.warning:
        messages.warning(request, submitted.warning)
    elif submitted.payee is not None and payee_waits(submitted.payee):
        messages.success(
            request,
            gettext(
                "Guardamos la tarjeta de %(name)s: podrás elegirla cuando un autorizador de tu "
                "empresa la apruebe."
            )
            % {"name": submitted.payee},
        )
    elif submitted.payee is not None:
        messages.success(
            request, gettext("Guardamos la tarjeta de %(name)s.") % {"name": submitted.payee}
        )


class CardConfirmView(OtpConfirmView):
    """The confirm button of the verify page: a code bound to the origin, the card (its
    token), the amount and the form's key."""

    template_name = "transfers/cards_confirm.html"
    otp_purpose = "card_payment"
    cancel_url = reverse_lazy("transfers:cards")

    def get(self, request, *args, **kwargs):
        customer_for(request.user, *CARD_CAPABILITIES)  # refused like the page it belongs to
        return redirect("transfers:cards")

    def get_form(self, data=None):
        return _form(self.request, data=data)

    def get_context_data(self, **kwargs):
        form = kwargs["form"]
        if form.is_bound and form.is_valid():
            return {**summary(self.request, form), **kwargs}
        hidden = _hidden(self.request, form) if form.is_bound else []
        return super().get_context_data(hidden=hidden, edit_url=reverse(PAY_URL), **kwargs)

    def post(self, request, *args, **kwargs):
        # A confirm sent twice (double click, reload) shows the first payment's receipt.
        try:
            member = customer_for(request.user, *CARD_CAPABILITIES)
            done = transfer_already_done(member=member, post=request.POST, prefix="tc")
        except KeyReused as exc:
            messages.error(request, exc.message)
            return self.done(reverse(PAY_URL), "")
        if done is not None:
            return self.done(reverse("transfers:card_receipt", kwargs={"pk": done.pk}), "")
        return super().post(request, *args, **kwargs)

    def otp_operation(self, form):
        # Never the number: the card by its token.
        data = form.cleaned_data
        return {
            "kind": form.spec.code,
            "origin": data["origin"].pk,
            "amount": str(data["amount"]),
            "card": data["payee"].token,
            "institution": data["payee"].institution.code,
            "name": data["payee"].name,
            "memo": data.get("memo", ""),
            "save": bool(form.payee_to_save()),
            "alias": data.get("alias", ""),
            "key": str(data["key"]),
        }

    def otp_description(self, form):
        data = form.cleaned_data
        values = {
            "amount": f"{data['amount']:,.2f}",
            "last": data["payee"].masked[-4:],
            "signatures": " + ".join(form.precheck.signatures),
        }
        if values["signatures"]:
            return (
                gettext(
                    "registrar la orden de pagar $ %(amount)s a la tarjeta ****%(last)s, que "
                    "quedará pendiente de las firmas de tu empresa: %(signatures)s"
                )
                % values
            )
        return gettext("pagar $ %(amount)s a la tarjeta ****%(last)s") % values

    def confirmed(self, form, challenge):
        try:
            submitted = submit(self.request, form)
        except Refusal as exc:
            messages.error(self.request, exc.message)
            return self.done(reverse(PAY_URL), "")
        outcome = submitted.outcome
        if outcome.status == Outcome.FAILED:
            messages.error(self.request, outcome.message)
            return self.done(reverse(PAY_URL), "")
        _tell_payee(self.request, submitted)
        if outcome.status == Outcome.EXECUTED:
            return self.done(form.spec.receipt_url(outcome.result), "")
        messages.success(self.request, outcome.message)
        return self.done(outcome.url, "")


@login_required
@require_GET
def card_receipt(request, pk):
    payment = card_payment_get_for_user(request.user, pk)
    return render(request, "transfers/cards_receipt.html", {"payment": payment})
