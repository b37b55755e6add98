"""Transferencias: the form, "Verifica que todos los datos estén correctos", the code (except
between a member's own accounts), the receipt. One page description per kind; the operation
itself is ``transfers.services.operations`` (a company's becomes an approval order there)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.registries.operations import Context, OperationSpec, Outcome
from accounts.registries.permissions import customer_for, permitted
from accounts.registries.scopes import debit_scope
from accounts.selectors import channel_of
from common.refusal import Refusal
from identity.services.otp import code_budget_message
from identity.views.otp import OtpConfirmView

from ..forms import InterbankTransferForm, MemberTransferForm, OwnTransferForm
from ..models import AccountType, Institution, Transfer
from ..selectors import (
    BENEFICIARY_CAPABILITIES,
    LIMITS,
    TRANSFER_CAPABILITIES,
    KeyReused,
    beneficiary_get_for_user,
    immediate_institutions,
    transfer_already_done,
    transfer_get_for_user,
)
from ..services.beneficiaries import beneficiaries_of, payee_waits
from ..services.calendar import process_date_for
from ..services.holders import HolderLookupsSpent, holder_reveal
from ..services.operations import SPECS, Submitted, transfer_submit
from ..services.orders import TransferError, frequent_payees, settlement_for


@dataclass(frozen=True)
class Page:
    """One kind of transfer as its pages show it."""

    kind: str
    form_class: type
    title: str
    url_name: str
    confirm_name: str

    @property
    def spec(self) -> OperationSpec:
        return SPECS[self.kind]

    def needs_code(self, user) -> bool:
        # A member moves money between their own accounts without a code; every other
        # transfer, and every company transfer (an order), is confirmed with one.
        return self.kind != "own" or user.is_company_user

    def form(self, request, data=None, initial=None):
        return self.form_class(
            data=data,
            initial=initial or {},
            member=customer_for(request.user, self.spec.code),
            user=request.user,
        )


PAGES = {
    "own": Page(
        "own",
        OwnTransferForm,
        _("Transferencia a mis cuentas"),
        "transfers:own",
        "transfers:own_confirm",
    ),
    "member": Page(
        "member",
        MemberTransferForm,
        _("Transferencia Cooprogreso"),
        "transfers:member",
        "transfers:member_confirm",
    ),
    "interbank": Page(
        "interbank",
        InterbankTransferForm,
        _("Transferencias interbancarias"),
        "transfers:interbank",
        "transfers:interbank_confirm",
    ),
}


def _receipt_url(transfer) -> str:
    return reverse("transfers:receipt", kwargs={"pk": transfer.pk})


@login_required
@require_GET
def index(request):
    member = customer_for(request.user, *TRANSFER_CAPABILITIES)
    # Only what this login may open: a link that ends in a refusal is a dead end.
    offered = {kind: permitted(request.user, spec.code) for kind, spec in SPECS.items()}
    offered["limits"] = permitted(request.user, LIMITS)
    offered["beneficiaries"] = any(permitted(request.user, c) for c in BENEFICIARY_CAPABILITIES)
    context = {
        "offered": offered,
        "frequent": _frequent(request.user, member, offered),
        "immediate": immediate_institutions(),
    }
    return render(request, "transfers/index.html", context)


#: the transfer page that repeats a transfer of each kind ("Transacciones frecuentes")
_REPEAT = {Transfer.Kind.MEMBER: "member", Transfer.Kind.INTERBANK: "interbank"}


def _frequent(user, member, offered: dict, limit: int = 5) -> list:
    """ "Transacciones frecuentes" this login may follow: payees of the kinds it may transfer
    to, paid from accounts it may debit (a company user does not see the payees of accounts
    not granted to them), each with the link that opens the form, its saved payee chosen
    while it is still saved (a deleted one would end in "not found")."""
    scope = debit_scope(user)
    allowed = set(scope.values_list("pk", flat=True)) if scope is not None else None
    rows = [
        row
        for row in frequent_payees(member, limit=50)
        if offered.get(_REPEAT.get(row.kind)) and (allowed is None or row.origin_id in allowed)
    ][:limit]
    saved = set(
        beneficiaries_of(member)
        .filter(pk__in=[row.beneficiary_id for row in rows if row.beneficiary_id])
        .values_list("pk", flat=True)
    )
    for row in rows:
        row.repeat_url = reverse(PAGES[_REPEAT[row.kind]].url_name)
        if row.beneficiary_id in saved:
            row.repeat_url += f"?beneficiario={row.beneficiary_id}"
    return rows


# --- The form and the "verify" page ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def transfer_form(request, kind):
    page = PAGES[kind]
    if request.method == "GET":
        initial = {}
        if request.GET.get("beneficiario"):
            chosen = beneficiary_get_for_user(
                request.user, request.GET["beneficiario"], page.spec.code
            )
            if payee_waits(chosen):
                messages.warning(request, _waiting_payee(chosen))
            else:
                initial["beneficiary"] = chosen.pk
        return _form_page(request, page, page.form(request, initial=initial))
    member = customer_for(request.user, page.spec.code)
    try:
        done = transfer_already_done(member=member, post=request.POST)
    except KeyReused as exc:
        messages.error(request, exc.message)
        return redirect(page.url_name)
    if done is not None and request.POST.get("step") == "confirm":
        return redirect(_receipt_url(done))
    form = page.form(request, data=request.POST)
    if request.POST.get("step") == "edit" or not form.is_valid():
        return _form_page(request, page, form)
    if request.POST.get("step") == "confirm" and not page.needs_code(request.user):
        try:
            submitted = submit(request, page, form)
        except Refusal as exc:
            exc.add_to(form)
            return _form_page(request, page, form)
        return redirect(page.spec.receipt_url(submitted.outcome.result))
    return render(request, "transfers/confirm.html", summary(request, form, page))


def _form_page(request, page: Page, form):
    context = {"form": form, "title": page.title, "kind": page.kind, "hints": form.hints()}
    return render(request, "transfers/transfer_form.html", context)


def _waiting_payee(beneficiary) -> str:
    return gettext(
        "%(name)s está por aprobar: podrás transferirle cuando un autorizador de tu empresa "
        "lo apruebe."
    ) % {"name": beneficiary}


def _signatures(form) -> str:
    """The signatures a company's order will wait for ("A + B"); empty when it runs at once."""
    return " + ".join(form.precheck.signatures)


def _to_name(kind: str, data: dict) -> str:
    """Whom the money goes to, as this member may see it before the transfer: another bank's
    payee as typed, their own account by their own name, another member only masked (the
    name ``holder_reveal`` gave the form, within the user's look-ups)."""
    if data.get("payee") is not None:
        return data["payee"].name
    if kind == "own":
        return data["destination"].owner.full_name
    return data["destination_holder"]


def summary(request, form, page: Page) -> dict:
    data = form.cleaned_data
    fee, vat, charges = form.charges()
    needs_code = page.needs_code(request.user)
    context = {
        "title": page.title,
        "kind": page.kind,
        "form": form,
        "hidden": _hidden(request),
        "origin": data["origin"],
        "amount": data["amount"],
        "memo": data.get("memo", ""),
        "fee": fee,
        "vat": vat,
        "total": data["amount"] + charges,
        "action": reverse(page.confirm_name if needs_code else page.url_name),
        "edit_url": reverse(page.url_name),
        "needs_code": needs_code,
        "waits_for": _signatures(form),
        # Told before "Confirmar" when no more codes can be sent this hour.
        "code_budget": code_budget_message(user=request.user, purpose="transfer")
        if needs_code
        else "",
    }
    return context | _payee_summary(page, data)


def _payee_summary(page: Page, data: dict) -> dict:
    payee, destination = data.get("payee"), data.get("destination")
    if payee is not None:
        settlement = settlement_for(payee.institution, data["amount"])
        account_type = AccountType(payee.account_type).label
        return {
            "to_name": payee.name,
            "to_account": f"{account_type} ****{payee.account_number[-4:]}",
            "to_institution": payee.institution.name,
            "immediate": settlement == Institution.Settlement.IMMEDIATE,
            "process_date": process_date_for(),
            "today": timezone.localdate(),
        }
    if destination is not None:
        return {
            "to_name": _to_name(page.kind, data),
            "to_account": f"{destination.get_product_display()} {destination.masked_number}",
            "to_institution": "Cooprogreso",
        }
    return {}


def _hidden(request) -> list[tuple[str, str]]:
    return [
        (name, value)
        for name, values in request.POST.lists()
        if name not in {"csrfmiddlewaretoken", "step"} and not name.startswith("otp_")
        for value in values
    ]


# --- Submitting what was confirmed -----------------------------------------------------------


def submit(request, page: Page, form) -> Submitted:
    """Runs what was confirmed (``transfer_submit``)."""
    context = Context(
        user=request.user,
        member=form.member,
        channel=channel_of(request),
        key=form.idempotency_key(),
    )
    return transfer_submit(
        spec=page.spec,
        payload=form.payload(),
        context=context,
        concept=form.cleaned_data.get("memo") or str(page.title),
        payee=form.payee_to_save(),
    )


def _tell_payee(request, submitted: Submitted) -> None:
    """What became of "Guardar beneficiario", beside the receipt or the order: saved (and, for
    a company that approves its payees, when it can be chosen), or why not."""
    if submitted.warning:
        messages.warning(request, submitted.warning)
    elif submitted.payee is not None and payee_waits(submitted.payee):
        messages.success(
            request,
            gettext(
                "Guardamos a %(name)s en tus beneficiarios: podrás elegirlo cuando un "
                "autorizador de tu empresa lo apruebe."
            )
            % {"name": submitted.payee},
        )
    elif submitted.payee is not None:
        messages.success(
            request,
            gettext("Guardamos a %(name)s en tus beneficiarios.") % {"name": submitted.payee},
        )


class TransferConfirmView(OtpConfirmView):
    """The confirm button of the verify page: a code bound to origin, payee, amount and key."""

    template_name = "transfers/confirm.html"
    otp_purpose = "transfer"
    cancel_url = reverse_lazy("transfers:index")
    kind = ""  # set by the URL

    @property
    def page(self) -> Page:
        return PAGES[self.kind]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.page.needs_code(request.user):
            raise Http404  # a member's own transfer needs no code
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return redirect("transfers:index")

    def get_form(self, data=None):
        return self.page.form(self.request, data=data)

    def get_context_data(self, **kwargs):
        form = kwargs["form"]
        if form.is_bound and form.is_valid():
            return {**summary(self.request, form, self.page), **kwargs}
        # "Regresar" takes what was typed back to the form, to be corrected there.
        hidden = _hidden(self.request) if form.is_bound else []
        edit_url = reverse(self.page.url_name)
        return super().get_context_data(
            title=self.page.title, hidden=hidden, edit_url=edit_url, **kwargs
        )

    def post(self, request, *args, **kwargs):
        # A confirm sent twice (double click, reload) shows the first transfer's receipt.
        try:
            member = customer_for(request.user, self.page.spec.code)
            done = transfer_already_done(member=member, post=request.POST)
        except KeyReused as exc:
            messages.error(request, exc.message)
            return self.done(reverse(self.page.url_name), "")
        if done is not None:
            return self.done(_receipt_url(done), "")
        return super().post(request, *args, **kwargs)

    def otp_operation(self, form):
        # Everything the transfer will use: origin, amount, the whole payee (name, account
        # type, identification, e-mail), memo, funds declaration, what is saved and the key.
        operation = {"kind": self.kind}
        for name, value in sorted(form.cleaned_data.items()):
            if name == "payee":
                value = {
                    f.name: getattr(value, f.name) for f in fields(value) if f.name != "institution"
                } | {"institution": value.institution.code}
            elif hasattr(value, "pk"):
                value = value.pk
            operation[name] = value if isinstance(value, dict | bool | None) else str(value)
        return operation

    def otp_description(self, form):
        data = form.cleaned_data
        payee = data.get("payee")
        name = _to_name(self.kind, data)
        number = payee.account_number if payee else data["destination"].number
        values = {
            "amount": f"{data['amount']:,.2f}",
            "name": name.split()[0] if name else "",
            "last": number[-4:],
            "signatures": _signatures(form),
        }
        if values["signatures"]:
            return (
                gettext(
                    "registrar la orden de transferir $ %(amount)s a %(name)s ****%(last)s, que "
                    "quedará pendiente de las firmas de tu empresa: %(signatures)s"
                )
                % values
            )
        return gettext("transferir $ %(amount)s a %(name)s ****%(last)s") % values

    def confirmed(self, form, challenge):
        try:
            submitted = submit(self.request, self.page, form)
        except Refusal as exc:
            messages.error(self.request, exc.message)
            return self.done(reverse(self.page.url_name), "")
        outcome = submitted.outcome
        if outcome.status == Outcome.FAILED:
            messages.error(self.request, outcome.message)
            return self.done(reverse(self.page.url_name), "")
        if outcome.status == Outcome.EXECUTED:
            _tell_payee(self.request, submitted)
            return self.done(self.page.spec.receipt_url(outcome.result), "")
        messages.success(self.request, outcome.message)
        _tell_payee(self.request, submitted)
        return self.done(outcome.url, "")


# --- Validar, the receipt ------------------------------------------------------------------


@login_required
@require_GET
def account_holder(request):
    """ "Validar": the holder of a Cooprogreso account, masked, without reloading the page; one
    of the user's look-ups (the form's key rides along, so its verify page costs no other)."""
    try:
        holder = holder_reveal(
            user=request.user,
            member=customer_for(request.user, SPECS["member"].code),
            account_number=request.GET.get("account_number", ""),
            key=request.GET.get("key"),
        )
    except HolderLookupsSpent as exc:
        # htmx 2 swaps no 4xx answer: the person would see nothing.
        status = 200 if request.htmx else 429
        return render(request, "transfers/holder.html", {"error": exc.message}, status=status)
    except TransferError as exc:
        return render(request, "transfers/holder.html", {"error": exc.message})
    return render(request, "transfers/holder.html", {"name": holder.name})


@login_required
@require_GET
def receipt(request, pk):
    transfer = transfer_get_for_user(request.user, pk)
    return render(request, "transfers/receipt.html", {"transfer": transfer})
