import uuid
from decimal import Decimal

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import DEPOSIT_PRODUCTS, Account
from accounts.registries.operations import Precheck, operation_hints, operation_precheck
from accounts.registries.permissions import permitted
from accounts.registries.scopes import debit_scope
from common.money_input import MoneyField
from identity.models import IdType, Member

from .models import AccountType, Beneficiary, Institution, LimitCategory
from .services.beneficiaries import (
    account_number_check,
    beneficiary_saved,
    identification_check,
    limits_problem,
)
from .services.cards import (
    CardPayee,
    card_amount_problem,
    card_amounts,
    card_payee_check,
    card_payees_of,
)
from .services.fees import interbank_fee
from .services.holders import Holder, holder_reveal
from .services.limits import funds_declaration_required, limit_hint, limit_problem
from .services.operations import (
    CARD_INTERBANK,
    CARD_OWN,
    INTERBANK,
    MEMBER,
    OWN,
    CardData,
    CardPaymentPayload,
    InterbankTransferPayload,
    MemberTransferPayload,
    OwnTransferPayload,
    PayeeData,
    card_spec_for,
)
from .services.orders import ORIGIN_PRODUCTS, Payee, TransferError, amount_clean


class AccountChoice(forms.ModelChoiceField):
    def label_from_instance(self, account):
        return f"{account.get_product_display()} {account.number} · $ {account.available:,.2f}"


def _form_key_field():
    return forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("La operación expiró. Vuelve a ingresar los datos."),
            "invalid": _("La operación expiró. Vuelve a ingresar los datos."),
        },
    )


def _expired_key_on_top(form) -> None:
    """An unusable form key is the form's problem, said at the top, with a fresh key for the
    next submit."""
    if form.is_bound and "key" in form.errors:
        message = form.errors.pop("key")
        form.add_error(None, message)
        form.data = form.data.copy()
        form.data["key"] = str(uuid.uuid4())


class MemberPayeeFields(forms.Form):
    """Another member's account as a person types it: the payee part of a Cooprogreso
    transfer and of «Nuevo beneficiario»."""

    account_number = forms.CharField(label=_("Número de cuenta"), max_length=20, required=False)
    email = forms.EmailField(label=_("Correo electrónico (opcional)"), required=False)

    def typed_holder(self, number: str, *, user, member, key) -> Holder | None:
        """The account and its holder's masked name (one of the user's look-ups, free again
        for the same form ``key``), or None with the reason on the form."""
        if not number:
            self.add_error("account_number", gettext("Ingresa el número de cuenta."))
            return None
        try:
            return holder_reveal(user=user, member=member, account_number=number, key=key)
        except TransferError as exc:
            # A spent hour is a form error too, the data kept as typed.
            self.add_error(exc.field, exc.message)
            return None


class InterbankPayeeFields(forms.Form):
    """Another bank's account as a person types it: the payee part of an interbank transfer
    and of «Nuevo beneficiario»; ``typed_payee`` checks it."""

    institution = forms.ModelChoiceField(
        label=_("Institución financiera"),
        queryset=Institution.objects.filter(active=True, is_self=False),
        required=False,
        empty_label=_("Elige la institución"),
    )
    account_type = forms.ChoiceField(
        label=_("Tipo de cuenta"), choices=AccountType.choices, required=False
    )
    account_number = forms.CharField(label=_("Número de cuenta"), max_length=20, required=False)
    holder_name = forms.CharField(label=_("Nombre del titular"), max_length=120, required=False)
    id_type = forms.ChoiceField(
        label=_("Tipo de identificación"), choices=IdType.choices, required=False
    )
    identification = forms.CharField(label=_("Identificación"), max_length=20, required=False)
    email = forms.EmailField(label=_("Correo electrónico (opcional)"), required=False)

    def typed_payee(self, data: dict) -> Payee | None:
        """The payee as typed, checked (institution, account type, number, holder, a valid
        identification), or None with each problem on its field."""
        required = {
            "institution": gettext("Elige la institución financiera."),
            "account_type": gettext("Elige el tipo de cuenta."),
            "holder_name": gettext("Ingresa el nombre del titular."),
        }
        for field, message in required.items():
            if not data.get(field):
                self.add_error(field, message)
        try:
            number = account_number_check(data.get("account_number", ""))
            identification = identification_check(
                data.get("id_type", ""), data.get("identification", "")
            )
        except TransferError as exc:
            self.add_error(exc.field, exc.message)
            return None
        if self.errors:
            return None
        return Payee(
            institution=data["institution"],
            account_number=number,
            account_type=data["account_type"],
            name=data["holder_name"].strip().upper(),
            id_type=data["id_type"],
            identification=identification,
            email=data.get("email", ""),
        )


def interbank_payee_fields(payee: Payee, alias: str) -> dict:
    """What saving another bank's payee keeps (``beneficiary_save``)."""
    return {
        "institution": payee.institution,
        "account_number": payee.account_number,
        "account_type": payee.account_type,
        "holder_name": payee.name,
        "id_type": payee.id_type,
        "identification": payee.identification,
        "email": payee.email,
        "alias": alias,
    }


class BaseTransferForm(forms.Form):
    """Origin, amount, memo, funds declaration and the idempotency key every transfer has.

    Once the form's own checks pass, the channel that will claim the transfer (a company's
    approval engine) is asked what it would refuse (``operation_precheck``): its refusals are
    shown on the form, with the person's data kept, before any code is asked for; ``precheck``
    also says whether the transfer will wait for signatures."""

    category = None
    spec = None  # the operation (``transfers.services.operations``)
    #: what the channel said of the valid form (``operation_precheck``)
    precheck = Precheck()

    origin = AccountChoice(
        label=_("Cuenta origen"),
        queryset=Account.objects.none(),
        empty_label=_("Elige una cuenta"),
        error_messages={"required": _("Elige la cuenta de origen.")},
    )
    amount = MoneyField(
        label=_("Monto"),
        max_digits=14,
        error_messages={
            "required": _("Ingresa el monto."),
            "invalid": _("Ingresa un monto válido, por ejemplo 20.00."),
            "negative": _("El monto debe ser mayor a $ 0.00."),
            "max_decimal_places": _("El monto admite como máximo dos decimales."),
            "max_digits": _("El monto excede el máximo permitido."),
            "max_whole_digits": _("El monto excede el máximo permitido."),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    memo = forms.CharField(label=_("Descripción (opcional)"), max_length=100, required=False)
    funds_origin = forms.CharField(label=_("Origen de los fondos"), max_length=200, required=False)
    funds_purpose = forms.CharField(
        label=_("Destino de los fondos"), max_length=200, required=False
    )
    key = _form_key_field()

    def __init__(self, *args, member, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        self.user = user  # who looks: another member's name is shown within their budget
        self.fields["origin"].queryset = Account.objects.filter(
            owner=member, product__in=ORIGIN_PRODUCTS, status=Account.Status.ACTIVE
        ).order_by("number")
        scope = debit_scope(user) if user is not None else None
        if scope is not None:
            # A company user debits only the accounts granted to them.
            self.fields["origin"].queryset = self.fields["origin"].queryset.filter(
                pk__in=scope.values("pk")
            )
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4())

    def full_clean(self):
        super().full_clean()
        _expired_key_on_top(self)
        if self.is_bound:
            self._precheck()

    def _precheck(self) -> None:
        """The channel's rules, before the code: each refusal on its field (the amount, the
        payee), beside the form's own errors, so the person corrects the form instead of
        starting over after the code."""
        try:
            payload = self.payload()
        except KeyError:
            return  # origin, amount or payee has its own error first: no payload to judge
        self.precheck = operation_precheck(
            spec=self.spec, payload=payload, user=self.user, member=self.member
        )
        for refusal in self.precheck.refusals:
            refusal.add_to(self)

    def hints(self) -> list[str]:
        """What the form tells before it is filled: the limit left, and what the channel
        adds (a company's limit left, the new-payee cap, the signatures its orders wait for)."""
        said = [limit_hint(self.member, self.category)] if self.category else []
        return said + operation_hints(spec=self.spec, user=self.user, member=self.member)

    def clean_amount(self):
        try:
            return amount_clean(self.cleaned_data["amount"])
        except TransferError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean(self):
        data = super().clean()
        amount = data.get("amount")
        if amount is None:
            return data
        origin = data.get("origin")
        if origin is not None and origin.available < amount + self.charges()[2]:
            self.add_error(
                "amount",
                gettext("Fondos insuficientes en la cuenta %(account)s: disponible $ %(a)s.")
                % {"account": origin.masked_number, "a": f"{origin.available:,.2f}"},
            )
        if self.category:
            problem = limit_problem(self.member, self.category, amount)
            if problem:
                self.add_error("amount", problem)
            if funds_declaration_required(self.member, amount):
                for field in ("funds_origin", "funds_purpose"):
                    if not (data.get(field) or "").strip():
                        self.add_error(
                            field,
                            gettext(
                                "Por el monto de tus transferencias recientes este dato es "
                                "obligatorio."
                            ),
                        )
        return data

    def charges(self) -> tuple[Decimal, Decimal, Decimal]:
        """(fee, VAT, fee + VAT) the member pays on top of the amount."""
        zero = Decimal("0.00")
        return zero, zero, zero

    def idempotency_key(self) -> str:
        # Scoped to the member: a key typed into a form can never reach another's transfer.
        return f"tr-{self.member.pk}-{self.cleaned_data['key']}"

    def common_payload(self) -> dict:
        data = self.cleaned_data
        beneficiary = data.get("beneficiary")
        return {
            "origin": data["origin"].pk,
            "amount": data["amount"],
            "memo": data.get("memo", ""),
            "beneficiary": beneficiary.pk if beneficiary is not None else None,
            "funds_origin": data.get("funds_origin", ""),
            "funds_purpose": data.get("funds_purpose", ""),
        }

    def payee_to_save(self) -> dict | None:
        """What "Guardar beneficiario" saves, when it was ticked for a payee not saved yet."""
        return None


class OwnTransferForm(BaseTransferForm):
    spec = OWN
    destination = AccountChoice(
        label=_("Cuenta destino"),
        queryset=Account.objects.none(),
        empty_label=_("Elige una cuenta"),
        error_messages={"required": _("Elige la cuenta de destino.")},
    )
    field_order = ["origin", "destination", "amount", "memo"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destination"].queryset = Account.objects.filter(
            owner=self.member, product__in=DEPOSIT_PRODUCTS, status=Account.Status.ACTIVE
        ).order_by("number")
        del self.fields["funds_origin"], self.fields["funds_purpose"]

    def payload(self) -> OwnTransferPayload:
        destination = self.cleaned_data["destination"].pk
        return OwnTransferPayload(**self.common_payload(), destination=destination)

    def clean(self):
        data = super().clean()
        if data.get("origin") and data.get("origin") == data.get("destination"):
            self.add_error(
                "destination", gettext("La cuenta de origen y la de destino deben ser distintas.")
            )
        return data


class PayeeTransferForm(BaseTransferForm):
    """A transfer to someone else: a saved beneficiary of this kind, or a new one to save."""

    beneficiary_kind = None
    beneficiary = forms.ModelChoiceField(
        label=_("Beneficiario guardado"),
        queryset=Beneficiary.objects.none(),
        required=False,
        empty_label=_("Agregar nuevo beneficiario"),
    )
    save_beneficiary = forms.BooleanField(label=_("Guardar beneficiario"), required=False)
    alias = forms.CharField(label=_("Alias (opcional)"), max_length=40, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        payees = Beneficiary.objects.filter(
            owner=self.member, kind=self.beneficiary_kind, deleted_at__isnull=True
        ).select_related("institution")
        if self.member.kind == Member.Kind.COMPANY:
            # A company's payee still waiting for an authorizer's approval cannot be chosen
            # (a member's are usable as soon as they are saved: nobody approves them).
            payees = payees.filter(approved_at__isnull=False)
        self.fields["beneficiary"].queryset = payees

    def wants_saved(self) -> bool:
        data = self.cleaned_data
        return data.get("beneficiary") is None and bool(data.get("save_beneficiary"))


class MemberTransferForm(PayeeTransferForm, MemberPayeeFields):
    spec = MEMBER
    category = LimitCategory.MEMBER
    beneficiary_kind = Beneficiary.Kind.MEMBER
    field_order = [
        "beneficiary",
        "account_number",
        "email",
        "save_beneficiary",
        "alias",
        "origin",
        "amount",
        "memo",
    ]

    def payload(self) -> MemberTransferPayload:
        data = self.cleaned_data
        return MemberTransferPayload(
            **self.common_payload(),
            destination=data["destination"].pk,
            email=data.get("email", ""),
        )

    def payee_to_save(self) -> dict | None:
        if not self.wants_saved():
            return None
        data = self.cleaned_data
        return {
            "account_number": data["destination"].number,
            "alias": data.get("alias", ""),
            "email": data.get("email", ""),
        }

    def clean(self):
        data = super().clean()
        beneficiary = data.get("beneficiary")
        number = beneficiary.account_number if beneficiary else data.get("account_number", "")
        # The verify page and the code name the holder: the form is valid only within the
        # user's look-ups.
        holder = self.typed_holder(number, user=self.user, member=self.member, key=data.get("key"))
        if holder is not None:
            data["destination"] = holder.account
            data["destination_holder"] = holder.name
        if beneficiary and not data.get("email"):
            data["email"] = beneficiary.email
        return data


class InterbankTransferForm(PayeeTransferForm, InterbankPayeeFields):
    spec = INTERBANK
    category = LimitCategory.INTERBANK
    beneficiary_kind = Beneficiary.Kind.INTERBANK
    field_order = [
        "beneficiary",
        "institution",
        "account_type",
        "account_number",
        "holder_name",
        "id_type",
        "identification",
        "email",
        "save_beneficiary",
        "alias",
        "origin",
        "amount",
        "memo",
    ]

    def charges(self):
        fee, vat = interbank_fee()
        return fee, vat, fee + vat

    def payload(self) -> InterbankTransferPayload:
        data = self.cleaned_data
        return InterbankTransferPayload(
            **self.common_payload(),
            payee=PayeeData.of(data["payee"]),
        )

    def payee_to_save(self) -> dict | None:
        if not self.wants_saved():
            return None
        return interbank_payee_fields(
            self.cleaned_data["payee"], self.cleaned_data.get("alias", "")
        )

    def clean(self):
        data = super().clean()
        beneficiary = data.get("beneficiary")
        if beneficiary is not None:
            data["payee"] = Payee(
                institution=beneficiary.institution,
                account_number=beneficiary.account_number,
                account_type=beneficiary.account_type,
                name=beneficiary.holder_name,
                id_type=beneficiary.id_type,
                identification=beneficiary.identification,
                email=data.get("email") or beneficiary.email,
            )
            return data
        payee = self.typed_payee(data)
        if payee is not None:
            data["payee"] = payee
        return data


class LimitsForm(forms.Form):
    def __init__(self, *args, limits, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for category, label in LimitCategory.choices:
            current = limits[category]
            fields = []
            for period, period_label in (
                ("daily", _("Diario")),
                ("weekly", _("Semanal")),
                ("monthly", _("Mensual")),
            ):
                name = f"{category}_{period}"
                self.fields[name] = MoneyField(
                    label=f"{label} · {period_label}",
                    max_digits=14,
                    min_value=Decimal("0.01"),
                    initial=current[period],
                    error_messages={"required": _("Ingresa el cupo.")},
                    widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                )
                fields.append(name)
            self.rows.append((label, [self[name] for name in fields], current))

    def clean(self):
        cleaned = super().clean()
        for category, label in LimitCategory.choices:
            names = [f"{category}_{p}" for p in ("daily", "weekly", "monthly")]
            if all(name in cleaned for name in names):
                problem = limits_problem(category, self.values(category))
                if problem:
                    self.add_error(None, f"{label}: {problem}")
        return cleaned

    def values(self, category: str) -> tuple[Decimal, Decimal, Decimal]:
        return tuple(self.cleaned_data[f"{category}_{p}"] for p in ("daily", "weekly", "monthly"))


class BeneficiaryEditForm(forms.Form):
    alias = forms.CharField(label=_("Alias"), max_length=40, required=False)
    email = forms.EmailField(label=_("Correo electrónico"), required=False)


class NewBeneficiaryForm(forms.Form):
    """«Nuevo beneficiario», outside a transfer: the same payee part as the transfer form's,
    an alias, and the form's key (another member's name costs one look-up per form)."""

    kind = None  # ``Beneficiary.Kind``
    alias = forms.CharField(label=_("Alias (opcional)"), max_length=40, required=False)
    key = _form_key_field()

    def __init__(self, *args, member, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        self.user = user
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4())

    def full_clean(self):
        super().full_clean()
        _expired_key_on_top(self)

    def already_saved(self, number: str, institution=None) -> None:
        if beneficiary_saved(
            member=self.member, kind=self.kind, account_number=number, institution=institution
        ):
            self.add_error("account_number", gettext("Esta cuenta ya está en tus beneficiarios."))

    def payee_data(self) -> dict:
        """What ``beneficiary_save`` saves."""
        raise NotImplementedError


class NewMemberBeneficiaryForm(NewBeneficiaryForm, MemberPayeeFields):
    kind = Beneficiary.Kind.MEMBER
    field_order = ["account_number", "alias", "email"]

    def clean(self):
        data = super().clean()
        number = (data.get("account_number") or "").strip()
        holder = self.typed_holder(number, user=self.user, member=self.member, key=data.get("key"))
        if holder is not None:
            data["holder"] = holder.name
            self.already_saved(holder.account.number)
        return data

    def payee_data(self) -> dict:
        data = self.cleaned_data
        return {
            "account_number": data["account_number"].strip(),
            "alias": data.get("alias", ""),
            "email": data.get("email", ""),
        }


class NewInterbankBeneficiaryForm(NewBeneficiaryForm, InterbankPayeeFields):
    kind = Beneficiary.Kind.INTERBANK
    field_order = [
        "institution",
        "account_type",
        "account_number",
        "holder_name",
        "id_type",
        "identification",
        "email",
        "alias",
    ]

    def clean(self):
        data = super().clean()
        payee = self.typed_payee(data)
        if payee is not None:
            data["payee"] = payee
            self.already_saved(payee.account_number, payee.institution)
        return data

    def payee_data(self) -> dict:
        return interbank_payee_fields(
            self.cleaned_data["payee"], self.cleaned_data.get("alias", "")
        )


# --- Pago de tarjetas ---------------------------------------------------------------------------


class CardPaymentForm(BaseTransferForm):
    """Pay a card: a saved one, or a new one typed here (Luhn-checked, its identification
    checked as transfers check it; a card of the cooperative must exist and be its holder's),
    then origin, «Pago mínimo» / «Pago total» (the member's own cards of the cooperative) or
    «Otro valor», and the reason. Which operation it is depends on the card's institution."""

    MINIMUM, TOTAL, OTHER = "MINIMO", "TOTAL", "OTRO"
    spec = CARD_OWN

    beneficiary = forms.ModelChoiceField(
        label=_("Tarjeta guardada"),
        queryset=Beneficiary.objects.none(),
        required=False,
        empty_label=_("Agregar nueva tarjeta"),
    )
    institution = forms.ModelChoiceField(
        label=_("Entidad financiera"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=_("Elige la entidad financiera"),
    )
    card_number = forms.CharField(
        label=_("Número de tarjeta"),
        max_length=23,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    id_type = forms.ChoiceField(
        label=_("Tipo de identificación"), choices=IdType.choices, required=False
    )
    identification = forms.CharField(label=_("Identificación"), max_length=20, required=False)
    holder_name = forms.CharField(
        label=_("Nombre del beneficiario (otras entidades)"), max_length=120, required=False
    )
    email = forms.EmailField(label=_("Correo electrónico (opcional)"), required=False)
    save_beneficiary = forms.BooleanField(label=_("Guardar beneficiario"), required=False)
    alias = forms.CharField(label=_("Alias (opcional)"), max_length=40, required=False)
    pay = forms.ChoiceField(
        label=_("Monto a pagar"),
        choices=[
            (MINIMUM, _("Pago mínimo")),
            (TOTAL, _("Pago total")),
            (OTHER, _("Otro valor")),
        ],
        initial=OTHER,
        required=False,
        widget=forms.RadioSelect,
    )
    field_order = [
        "beneficiary",
        "institution",
        "card_number",
        "id_type",
        "identification",
        "holder_name",
        "email",
        "save_beneficiary",
        "alias",
        "origin",
        "pay",
        "amount",
        "memo",
    ]

    def __init__(self, *args, checked: CardPayee | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        #: the new card this form's first step checked (the verify page does not resend it)
        self.checked = checked
        del self.fields["funds_origin"], self.fields["funds_purpose"]
        self.fields["amount"].required = False
        self.fields["amount"].label = _("Otro valor")
        self.fields["memo"].label = _("Motivo (opcional)")
        payees = card_payees_of(self.member)
        if self.member.kind == Member.Kind.COMPANY:
            payees = payees.filter(approved_at__isnull=False)
        self.fields["beneficiary"].queryset = payees
        self.fields["institution"].queryset = card_institutions(self.user)
        self.amounts = None  # «Pago mínimo» and «Pago total» of the chosen card, if offered

    @property
    def payee(self) -> CardPayee | None:
        return self.cleaned_data.get("payee") if hasattr(self, "cleaned_data") else None

    def clean_amount(self):
        if self.cleaned_data.get("amount") in (None, ""):
            return None
        return super().clean_amount()

    def clean(self):
        data = self.cleaned_data
        payee = self._card(data)
        if payee is not None:
            data["payee"] = payee
            self.spec = card_spec_for(payee)
            if not permitted(self.user, self.spec.code):
                self.add_error("institution", gettext("Tu usuario no tiene este servicio."))
            self._amount(data, payee)
        return super().clean()

    def _card(self, data) -> CardPayee | None:
        beneficiary = data.get("beneficiary")
        if beneficiary is not None:
            return CardPayee.of(beneficiary, data.get("email", ""))
        checked = self.checked
        if (
            not data.get("card_number")
            and checked
            and checked.institution == data.get("institution")
        ):
            return checked
        try:
            return card_payee_check(
                member=self.member,
                institution=data.get("institution"),
                number=data.get("card_number", ""),
                id_type=data.get("id_type", ""),
                identification=data.get("identification", ""),
                name=data.get("holder_name", ""),
                email=data.get("email", ""),
            )
        except TransferError as exc:
            exc.add_to(self)
            return None

    def _amount(self, data, payee: CardPayee) -> None:
        self.amounts = card_amounts(member=self.member, payee=payee)
        choice = data.get("pay") or self.OTHER
        if choice != self.OTHER:
            if self.amounts is None:
                self.add_error(
                    "pay", gettext("Para esta tarjeta ingresa el valor a pagar en «Otro valor».")
                )
                return
            value = self.amounts.minimum if choice == self.MINIMUM else self.amounts.total
            if value <= 0:
                self.add_error("pay", gettext("Esta tarjeta no tiene valores por pagar."))
                return
            data["amount"] = value
        elif data.get("amount") is None:
            if "amount" not in self.errors:
                self.add_error("amount", gettext("Ingresa el monto."))
            return
        problem = card_amount_problem(
            member=self.member, payee=payee, amount=data["amount"], before_code=True
        )
        if problem:
            self.add_error("amount", problem)

    def charges(self):
        if self.spec is CARD_INTERBANK:
            fee, vat = interbank_fee()
            return fee, vat, fee + vat
        return super().charges()

    def idempotency_key(self) -> str:
        return f"tc-{self.member.pk}-{self.cleaned_data['key']}"

    def payload(self) -> CardPaymentPayload:
        return CardPaymentPayload(
            **self.common_payload(), card=CardData.of(self.cleaned_data["payee"])
        )

    def payee_to_save(self) -> CardPayee | None:
        data = self.cleaned_data
        if data.get("beneficiary") is None and data.get("save_beneficiary"):
            return data["payee"]
        return None


def card_institutions(user):
    """The institutions whose cards this login may pay: the cooperative first."""
    institutions = Institution.objects.filter(active=True).order_by("-is_self", "name")
    if user is not None and not permitted(user, CARD_OWN.code):
        institutions = institutions.exclude(is_self=True)
    if user is not None and not permitted(user, CARD_INTERBANK.code):
        institutions = institutions.filter(is_self=True)
    return institutions
