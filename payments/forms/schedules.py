"""«Programar nuevo pago» (and its edit): Información del servicio (cuenta de débito,
categoría, servicio, the biller's reference fields, Monto máximo) and Información de la
programación (frecuencia, fecha de inicio, fecha de finalización or «Fecha indefinida»), with
the Términos y Condiciones accepted before the code.

The rules are the service's (``schedule_check``), asked at the first submit so each refusal
shows on its field; then the channel that will claim it (a company's approval engine) is asked
what it would refuse (``operation_precheck``)."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from accounts.registries.operations import Precheck, operation_hints, operation_precheck
from accounts.registries.scopes import debit_scope
from common.money_input import MoneyField

from ..models import Biller, Category, Schedule
from ..selectors.catalogue import billers_search, categories_active
from ..services.catalogue import reference_clean
from ..services.errors import PaymentError
from ..services.schedules import (
    ORIGIN_PRODUCTS,
    SCHEDULE,
    Checked,
    SchedulePayload,
    schedule_check,
)

REF = "ref_"
EXPIRED = _("La operación expiró. Vuelve a ingresar los datos.")
DAYS = [(str(d), str(d)) for d in range(1, 29)]


class OriginChoice(forms.ModelChoiceField):
    def label_from_instance(self, account):
        return f"{account.get_product_display()} {account.number} · $ {account.available:,.2f}"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def schedulable_billers(category: str = ""):
    """The services a payment can be scheduled for: active ones whose bills can be asked for
    (a recharge has no bill to wait for)."""
    return billers_search(category=category).exclude(inquiry=Biller.Inquiry.NONE)


class ScheduleForm(forms.Form):
    precheck = Precheck()
    checked: Checked | None = None

    origin = OriginChoice(
        label=_("Cuenta de débito"),
        queryset=Account.objects.none(),
        empty_label=_("Selecciona una cuenta"),
        error_messages={"required": _("Elige la cuenta de débito.")},
    )
    category = forms.ModelChoiceField(
        label=_("Categoría"),
        queryset=Category.objects.none(),
        to_field_name="code",
        empty_label=_("Selecciona una categoría"),
        error_messages={"required": _("Elige la categoría.")},
    )
    biller = forms.ModelChoiceField(
        label=_("Servicio"),
        queryset=Biller.objects.none(),
        to_field_name="code",
        empty_label=_("Selecciona un servicio"),
        error_messages={
            "required": _("Elige el servicio."),
            "invalid_choice": _("Elige un servicio de la categoría."),
        },
    )
    max_amount = MoneyField(
        label=_("Monto máximo"),
        max_digits=14,
        error_messages={
            "required": _("Ingresa el monto máximo."),
            "invalid": _("Ingresa un monto válido, por ejemplo 20.00."),
            "negative": _("El monto máximo debe ser mayor a $ 0.00."),
            "max_decimal_places": _("El monto admite como máximo dos decimales."),
            "max_digits": _("El monto excede el máximo permitido."),
            "max_whole_digits": _("El monto excede el máximo permitido."),
        },
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "Ej: 20.00"}
        ),
    )
    frequency = forms.ChoiceField(
        label=_("Frecuencia"),
        choices=Schedule.Frequency.choices,
        initial=Schedule.Frequency.AVAILABLE,
        widget=forms.RadioSelect,
        error_messages={"required": _("Elige la frecuencia.")},
    )
    day_of_month = forms.TypedChoiceField(
        label=_("Día del mes"),
        choices=[("", _("Elige el día")), *DAYS],
        coerce=int,
        empty_value=None,
        required=False,
    )
    starts_on = forms.DateField(
        label=_("Fecha de inicio"),
        widget=DateInput(),
        error_messages={
            "required": _("Elige la fecha de inicio."),
            "invalid": _("Ingresa una fecha válida."),
        },
    )
    ends_on = forms.DateField(
        label=_("Fecha de finalización"),
        widget=DateInput(),
        required=False,
        error_messages={"invalid": _("Ingresa una fecha válida.")},
    )
    indefinite = forms.BooleanField(label=_("Fecha indefinida"), required=False)
    accept_terms = forms.BooleanField(
        label=_("Acepto los Términos y Condiciones"),
        error_messages={"required": _("Acepta los Términos y Condiciones para programar el pago.")},
    )
    key = forms.UUIDField(
        widget=forms.HiddenInput, error_messages={"required": EXPIRED, "invalid": EXPIRED}
    )

    def __init__(self, *args, member, user=None, replaces: Schedule | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.member, self.user, self.replaces = member, user, replaces
        accounts = Account.objects.filter(
            owner=member, product__in=ORIGIN_PRODUCTS, status=Account.Status.ACTIVE
        ).order_by("number")
        scope = debit_scope(user) if user is not None else None
        if scope is not None:  # a company user debits only the accounts granted to them
            accounts = accounts.filter(pk__in=scope.values("pk"))
        self.fields["origin"].queryset = accounts
        self.fields["category"].queryset = categories_active()
        category = self._value("category")
        self.fields["biller"].queryset = (
            schedulable_billers(category) if category else Biller.objects.none()
        )
        self.biller = self._chosen_biller()
        self.reference_names = []
        for spec in self.biller.fields if self.biller else []:
            self.fields[REF + spec["name"]] = _reference_field(spec)
            self.reference_names.append(REF + spec["name"])
        self.order_fields(["origin", "category", "biller", *self.reference_names])
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4())
            self.initial.setdefault("starts_on", timezone.localdate())

    def _value(self, name: str) -> str:
        source = self.data if self.is_bound else self.initial
        value = source.get(name) or ""
        return getattr(value, "code", value)

    def _chosen_biller(self) -> Biller | None:
        code = self._value("biller")
        if not code:
            return None
        return self.fields["biller"].queryset.filter(code=code).first()

    def reference_fields(self):
        return [self[name] for name in self.reference_names]

    def hints(self) -> list[str]:
        return operation_hints(spec=SCHEDULE, user=self.user, member=self.member)

    # --- Checks --------------------------------------------------------------------------------

    def full_clean(self):
        super().full_clean()
        if self.is_bound and "key" in self.errors:
            message = self.errors.pop("key")
            self.add_error(None, message)
            self.data = self.data.copy()
            self.data["key"] = str(uuid.uuid4())
        if self.is_bound and not self.errors:
            self.precheck = operation_precheck(
                spec=SCHEDULE, payload=self.payload(), user=self.user, member=self.member
            )
            for refusal in self.precheck.refusals:
                refusal.add_to(self)

    def clean_max_amount(self):
        amount = self.cleaned_data["max_amount"]
        if amount <= 0:
            raise forms.ValidationError(gettext("El monto máximo debe ser mayor a $ 0.00."))
        return amount

    def clean(self):
        data = super().clean()
        if data.get("indefinite"):
            data["ends_on"] = None
        elif not data.get("ends_on") and "ends_on" not in self.errors:
            self.add_error(
                "ends_on", gettext("Elige la fecha de finalización o marca «Fecha indefinida».")
            )
        if data.get("frequency") == Schedule.Frequency.MONTHLY and not data.get("day_of_month"):
            self.add_error("day_of_month", gettext("Elige un día del mes entre 1 y 28."))
        if self.biller is None:
            return data
        try:  # the biller's fields are told at once, with the other fields' problems
            reference_clean(
                biller=self.biller,
                data={name[len(REF) :]: data.get(name, "") for name in self.reference_names},
            )
        except PaymentError as exc:
            self.add_error(REF + str(exc.field) if exc.field else None, exc.message)
        if self.errors:
            return data
        try:
            self.checked = schedule_check(payload=self.payload(), member=self.member)
        except PaymentError as exc:
            field = exc.field if exc.field in self.fields else REF + str(exc.field)
            self.add_error(field if field in self.fields else None, exc.message)
        return data

    def payload(self) -> SchedulePayload:
        data = self.cleaned_data
        fields = {name[len(REF) :]: data.get(name, "") for name in self.reference_names}
        return SchedulePayload(
            origin=data["origin"].pk,
            amount=data["max_amount"],
            biller=self.biller.pk,
            reference=str(next(iter(fields.values()), "")).strip(),
            fields=fields,
            frequency=data["frequency"],
            day_of_month=data.get("day_of_month")
            if data["frequency"] == Schedule.Frequency.MONTHLY
            else None,
            starts_on=data["starts_on"].isoformat(),
            ends_on=data["ends_on"].isoformat() if data.get("ends_on") else "",
            replaces=self.replaces.pk if self.replaces is not None else None,
        )

    def idempotency_key(self) -> str:
        return f"pp-{self.member.pk}-{self.cleaned_data['key']}"


def _reference_field(spec: dict) -> forms.CharField:
    attrs = {"autocomplete": "off", "spellcheck": "false"}
    if spec.get("kind") == "digits":
        attrs |= {"inputmode": "numeric"}
    if spec.get("placeholder"):
        attrs["placeholder"] = spec["placeholder"]
    return forms.CharField(
        label=spec.get("label") or spec["name"],
        max_length=spec.get("max_length") or 40,
        required=False,  # the biller's own message says what it needs (``reference_clean``)
        widget=forms.TextInput(attrs=attrs),
    )


def schedule_initial(schedule: Schedule) -> dict:
    """An edit starts from the schedule as it is."""
    initial = {
        "origin": schedule.origin_id,
        "category": schedule.biller.category.code,
        "biller": schedule.biller.code,
        "max_amount": schedule.max_amount,
        "frequency": schedule.frequency,
        "day_of_month": schedule.day_of_month,
        "starts_on": max(schedule.starts_on, timezone.localdate()),
        "ends_on": schedule.ends_on,
        "indefinite": schedule.ends_on is None,
    }
    for name, value in (schedule.reference_fields or {}).items():
        initial[REF + name] = value
    return initial
