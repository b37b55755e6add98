"""«Pagar servicio»: the origin account, the biller's reference fields, the amount where it is
typed, «Guardar servicio»; then the bill picked after «Consulta del servicio». One form for
every step: the view posts it back with what each step added (``bill``, ``amount``).

Once the form's own checks pass, the channel that will claim the payment (a company's approval
engine) is asked what it would refuse (``operation_precheck``): its refusals are shown on the
form before any code is asked for."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Product
from accounts.registries.operations import Precheck, operation_hints, operation_precheck
from accounts.registries.scopes import debit_scope
from common.money_input import MoneyField

from ..models import Biller
from ..selectors.payments import payment_key
from ..services.catalogue import amount_check, reference_clean
from ..services.errors import PaymentError
from ..services.fees import bill_charges
from ..services.gateway import Bill
from ..services.operations import BILL, BillPaymentPayload

#: the accounts a bill is paid from
ORIGIN_PRODUCTS = (Product.SAVINGS, Product.PROGRESAR, Product.CHECKING)
REF = "ref_"  # prefix of the form fields that hold the biller's reference fields
EXPIRED = _("La operación expiró. Vuelve a ingresar los datos.")
AMOUNT_ERRORS = {
    "required": _("Ingresa el monto."),
    "invalid": _("Ingresa un monto válido, por ejemplo 20.00."),
    "negative": _("El monto debe ser mayor a $ 0.00."),
    "max_decimal_places": _("El monto admite como máximo dos decimales."),
    "max_digits": _("El monto excede el máximo permitido."),
    "max_whole_digits": _("El monto excede el máximo permitido."),
}


class AccountChoice(forms.ModelChoiceField):
    def label_from_instance(self, account):
        return f"{account.get_product_display()} {account.number} · $ {account.available:,.2f}"


def origin_accounts(member, user):
    """The accounts this login may pay from: the customer's active deposit accounts, and for
    a company user only the ones granted to them."""
    accounts = Account.objects.filter(
        owner=member, product__in=ORIGIN_PRODUCTS, status=Account.Status.ACTIVE
    ).order_by("number")
    scope = debit_scope(user) if user is not None else None
    if scope is not None:
        accounts = accounts.filter(pk__in=scope.values("pk"))
    return accounts


def _reference_field(spec: dict) -> forms.CharField:
    digits = spec.get("kind") == "digits"
    attrs = {"autocomplete": "off", "spellcheck": "false"}
    if digits:
        attrs |= {"inputmode": "numeric", "pattern": "[0-9]*"}
    if spec.get("placeholder"):
        attrs["placeholder"] = spec["placeholder"]
    return forms.CharField(
        label=spec.get("label") or spec["name"],
        max_length=spec.get("max_length") or 40,
        # Empty or short, the biller's own message says what it needs (``reference_clean``).
        required=False,
        widget=forms.TextInput(attrs=attrs),
    )


class PayForm(forms.Form):
    """``bills_of(reference)`` is the view's inquiry (cached for the form's key): the form asks
    it only to find the bill that was picked. ``complete`` (the confirm step) refuses a form
    without its bill."""

    precheck = Precheck()
    #: the biller asks for a bill and none was picked yet: the view shows «Consulta del servicio»
    needs_bill = False

    origin = AccountChoice(
        label=_("Cuenta de origen"),
        queryset=Account.objects.none(),
        empty_label=_("Selecciona una cuenta"),
        error_messages={"required": _("Elige la cuenta de origen.")},
    )
    bill = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    save_service = forms.BooleanField(label=_("Guardar servicio"), required=False)
    alias = forms.CharField(label=_("Alias"), max_length=40, required=False)
    key = forms.UUIDField(
        widget=forms.HiddenInput, error_messages={"required": EXPIRED, "invalid": EXPIRED}
    )

    def __init__(
        self,
        *args,
        biller: Biller,
        member,
        user=None,
        bills_of: Callable[[str], list[Bill]] | None = None,
        complete: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.biller, self.member, self.user = biller, member, user
        self.bills_of = bills_of
        self.complete = complete
        self.fields["origin"].queryset = origin_accounts(member, user)
        self.reference_names = []
        for spec in biller.fields or []:
            name = REF + spec["name"]
            self.fields[name] = _reference_field(spec)
            self.reference_names.append(name)
        self.fields["amount"] = self._amount_field()
        self.order_fields(["origin", *self.reference_names, "amount"])
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4())

    # --- What the biller asks for ---------------------------------------------------------

    @property
    def typed_amount(self) -> bool:
        """Whether the first step asks for the amount (recharges; optional for billers whose
        inquiry is optional). A bill's amount comes from the bill."""
        return self.biller.inquiry != Biller.Inquiry.REQUIRED

    @property
    def partial(self) -> bool:
        return self.biller.amount_rule == Biller.AmountRule.PARTIAL

    def _amount_field(self) -> forms.Field:
        required = self.biller.inquiry == Biller.Inquiry.NONE
        if self.biller.amount_rule == Biller.AmountRule.LISTED:
            values = [Decimal(str(v)) for v in self.biller.allowed_amounts or []]
            return forms.TypedChoiceField(
                label=_("Monto"),
                choices=[("", gettext("Elige el monto"))]
                + [(f"{v:.2f}", f"$ {v:,.2f}") for v in values],
                coerce=Decimal,
                empty_value=None,
                required=required,
                error_messages={
                    "required": _("Elige el monto."),
                    "invalid_choice": _("Elige uno de los montos permitidos."),
                },
            )
        return MoneyField(
            label=_("Monto") if required else _("Monto (opcional)"),
            max_digits=14,
            required=required,
            error_messages=AMOUNT_ERRORS,
            widget=forms.TextInput(
                attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "Ej: 20.00"}
            ),
        )

    def reference_fields(self):
        return [self[name] for name in self.reference_names]

    # --- Checks -----------------------------------------------------------------------------

    def full_clean(self):
        super().full_clean()
        if self.is_bound and "key" in self.errors:
            # An unusable key is the form's problem, said at the top, with a fresh key.
            message = self.errors.pop("key")
            self.add_error(None, message)
            self.data = self.data.copy()
            self.data["key"] = str(uuid.uuid4())
        if self.is_bound and not self.errors and not self.needs_bill:
            self._precheck()

    def _precheck(self) -> None:
        try:
            payload = self.payload()
        except KeyError:
            return  # a field has its own error first: no payload to judge
        self.precheck = operation_precheck(
            spec=BILL, payload=payload, user=self.user, member=self.member
        )
        for refusal in self.precheck.refusals:
            refusal.add_to(self)

    def hints(self) -> list[str]:
        return operation_hints(spec=BILL, user=self.user, member=self.member)

    def clean(self):
        data = super().clean()
        if not self._clean_reference(data):
            return data
        if "amount" in self.errors:
            return data
        self._clean_amount(data)
        origin, amount = data.get("origin"), data.get("amount")
        if origin is not None and amount is not None and not self.errors and not self.needs_bill:
            total = amount + sum(self.charges())
            if origin.available < total:
                self.add_error(
                    "origin",
                    gettext("Fondos insuficientes en la cuenta %(account)s: disponible $ %(a)s.")
                    % {"account": origin.masked_number, "a": f"{origin.available:,.2f}"},
                )
        return data

    def _clean_reference(self, data) -> bool:
        typed = {name[len(REF) :]: data.get(name) or "" for name in self.reference_names}
        try:
            clean = reference_clean(biller=self.biller, data=typed)
        except PaymentError as exc:
            field = REF + (exc.field or "")
            self.add_error(field if field in self.fields else None, exc.message)
            return False
        for name, value in clean.items():
            if REF + name in self.fields:
                data[REF + name] = value
        data["reference_fields"] = clean
        first = (self.biller.fields or [{}])[0].get("name", "")
        data["reference"] = clean.get(first) or next(iter(clean.values()), "")
        return True

    def _clean_amount(self, data) -> None:
        typed, number = data.get("amount"), data.get("bill") or ""
        bill = None
        if number:
            bill = self._bill(data["reference"], number)
            if bill is None:
                return
            amount = typed if typed is not None and self.partial else bill.amount
        elif self.typed_amount and (typed is not None or not self.biller_inquires):
            amount = typed
        else:
            self.needs_bill = True
            if self.complete:
                self.add_error(None, gettext("Consulta el servicio y elige la factura a pagar."))
            return
        if amount is None:
            self.add_error("amount", gettext("Ingresa el monto."))
            return
        try:
            data["amount"] = amount_check(biller=self.biller, amount=amount, bill=bill)
        except PaymentError as exc:
            self.add_error("amount" if exc.field in (None, "amount") else None, exc.message)
            return
        data["bill_picked"] = bill

    @property
    def biller_inquires(self) -> bool:
        return self.biller.inquiry != Biller.Inquiry.NONE

    def _bill(self, reference: str, number: str) -> Bill | None:
        try:
            bills = self.bills_of(reference) if self.bills_of else []
        except PaymentError as exc:
            self.add_error(None, exc.message)
            return None
        bill = next((b for b in bills if b.number == number), None)
        if bill is None:
            self.add_error(
                None,
                gettext("La factura elegida ya no está pendiente. Consulta el servicio de nuevo."),
            )
        return bill

    # --- What the confirmed form becomes -----------------------------------------------------

    def charges(self) -> tuple[Decimal, Decimal]:
        """(fee, VAT) the payer adds to the amount."""
        return bill_charges(self.biller)

    def idempotency_key(self) -> str:
        return payment_key(self.member, self.cleaned_data["key"])

    def save_alias(self) -> str | None:
        """What «Guardar servicio» saves (its alias, maybe empty), or None when not ticked."""
        data = self.cleaned_data
        return (data.get("alias") or "").strip() if data.get("save_service") else None

    def payload(self) -> BillPaymentPayload:
        data = self.cleaned_data
        bill = data.get("bill_picked")
        return BillPaymentPayload(
            origin=data["origin"].pk,
            amount=data["amount"],
            biller=self.biller.pk,
            reference=data["reference"],
            fields=data["reference_fields"],
            bill_number=bill.number if bill else "",
            bill_period=bill.period if bill else "",
            bill_due_on=bill.due_on.isoformat() if bill and bill.due_on else "",
            description=(bill.description if bill else "") or "",
            bill_amount=bill.amount if bill else None,
        )
