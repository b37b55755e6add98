"""The catalogue's rules: what a biller's reference fields accept and which amounts it takes,
with the manuals' messages; and the demo catalogue (the manuals' categories, a few billers
each) that tests and ``seed_demo`` load.

A biller's ``fields`` is a list of dicts: ``name``, ``label`` ("NUMERO CELULAR"), ``kind``
("digits" or "text"), ``min_length``, ``max_length``, ``message`` (the manual's sentence when
the value does not fit) and optionally ``placeholder`` ("Ingresa contrato/cédula/ruc").
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext

from accounts.services.ledger import LedgerError, to_money
from common.formatting import money

from ..models import Biller, Category
from .errors import PaymentError
from .gateway import Bill

FIELD_KINDS = ("digits", "text")
# Letters (with accents), digits and the separators references use; nothing else is sent on.
_TEXT = re.compile(r"^[\w .\-/]+$")


# --- Reference fields ------------------------------------------------------------------------


def field_message(spec: dict) -> str:
    """The sentence a field shows when its value does not fit: the biller's own, or one
    said the manuals' way from its rules."""
    if spec.get("message"):
        return spec["message"]
    label = spec.get("label") or spec.get("name", "")
    low, high = spec.get("min_length") or 1, spec.get("max_length")
    digits = spec.get("kind") == "digits"
    if high and low == high:
        text = gettext("%(label)s debe tener %(n)s caracteres")
        text += gettext(" números") if digits else ""
        return text % {"label": label, "n": low}
    if high:
        text = gettext("%(label)s debe tener entre %(low)s y %(high)s caracteres")
        text += gettext(" números") if digits else ""
        return text % {"label": label, "low": low, "high": high}
    return gettext("%(label)s debe tener al menos %(low)s caracteres") % {
        "label": label,
        "low": low,
    }


def field_fits(spec: dict, value: str) -> bool:
    low, high = spec.get("min_length") or 1, spec.get("max_length") or 40
    if not low <= len(value) <= min(high, 40):
        return False
    if spec.get("kind") == "digits":
        return value.isascii() and value.isdigit()
    return bool(_TEXT.match(value))


def reference_clean(*, biller: Biller, data: dict) -> dict[str, str]:
    """Every reference field of ``biller`` from ``data`` (``{name: value}``), trimmed and
    checked; the first one that does not fit raises ``PaymentError`` on its field with its
    message. Returns the values in the biller's order (the first is the payment's reference)."""
    clean = {}
    for spec in biller.fields:
        name = spec["name"]
        value = str(data.get(name) or "").strip()
        if not field_fits(spec, value):
            raise PaymentError(field_message(spec), field=name)
        clean[name] = value
    if not clean:
        raise PaymentError(gettext("Este servicio no tiene datos de referencia configurados."))
    return clean


def fields_validate(fields) -> list[str]:
    """What is wrong with a biller's ``fields`` as the back office typed them (empty: fine)."""
    if not isinstance(fields, list) or not fields:
        return [gettext("Debe ser una lista con al menos un campo.")]
    problems, names = [], set()
    for position, spec in enumerate(fields, start=1):
        problems += [
            gettext("Campo %(n)s: %(problem)s") % {"n": position, "problem": problem}
            for problem in _field_problems(spec, names)
        ]
    return problems


def _field_problems(spec, names: set) -> list[str]:
    if not isinstance(spec, dict):
        return [gettext("debe ser un objeto con name, label, kind, min_length y max_length.")]
    problems = []
    name = spec.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,29}", name or ""):
        problems.append(gettext("«name» debe ser una palabra en minúsculas (p. ej. celular)."))
    elif name in names:
        problems.append(gettext("«name» repetido."))
    names.add(name)
    if not str(spec.get("label") or "").strip():
        problems.append(gettext("falta «label», el nombre que ve la persona."))
    if spec.get("kind") not in FIELD_KINDS:
        problems.append(gettext("«kind» debe ser «digits» o «text»."))
    low, high = spec.get("min_length", 1), spec.get("max_length", 40)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)):
        problems.append(gettext("«min_length» y «max_length» deben ser números enteros."))
    elif not 1 <= low <= high <= 40:
        problems.append(gettext("las longitudes deben cumplir 1 ≤ min_length ≤ max_length ≤ 40."))
    return problems


# --- Amounts ---------------------------------------------------------------------------------


def amount_check(*, biller: Biller, amount, bill: Bill | None) -> Decimal:
    """The amount ``biller`` takes for ``bill`` (or typed, without one), as clean money;
    ``PaymentError`` on "amount" saying the rule with its numbers."""
    try:
        amount = to_money(amount)
    except LedgerError as exc:
        raise PaymentError(exc.message, field="amount") from exc
    if amount <= 0:
        raise PaymentError(gettext("El monto debe ser mayor a $ 0.00."), field="amount")
    rule = biller.amount_rule
    if biller.inquiry == Biller.Inquiry.REQUIRED and bill is None:
        raise PaymentError(gettext("Consulta la factura antes de pagar."), field="amount")
    if bill is not None and rule == Biller.AmountRule.EXACT and amount != bill.amount:
        raise PaymentError(
            gettext("El valor a pagar debe ser el de la factura: %(amount)s.")
            % {"amount": money(bill.amount)},
            field="amount",
        )
    if bill is not None and amount > bill.amount:
        raise PaymentError(
            gettext("El valor a pagar no puede superar el de la factura: %(amount)s.")
            % {"amount": money(bill.amount)},
            field="amount",
        )
    if rule == Biller.AmountRule.LISTED:
        _listed_check(biller, amount)
    elif bill is None or rule == Biller.AmountRule.PARTIAL:
        _range_check(biller, amount, bill)
    return amount


def allowed_amounts(biller: Biller) -> list[Decimal]:
    return sorted(Decimal(str(value)).quantize(Decimal("0.01")) for value in biller.allowed_amounts)


def _listed_check(biller: Biller, amount: Decimal) -> None:
    allowed = allowed_amounts(biller)
    if amount not in allowed:
        raise PaymentError(
            gettext("Elige uno de los montos permitidos: %(amounts)s.")
            % {"amounts": ", ".join(money(value) for value in allowed)},
            field="amount",
        )


def _range_check(biller: Biller, amount: Decimal, bill: Bill | None) -> None:
    # A partial payment of a smaller bill may pay all of it even under the minimum.
    low = biller.min_amount or Decimal("0.01")
    if bill is not None:
        low = min(low, bill.amount)
    if amount < low:
        raise PaymentError(
            gettext("El monto mínimo es %(amount)s.") % {"amount": money(low)}, field="amount"
        )
    if biller.max_amount is not None and amount > biller.max_amount:
        raise PaymentError(
            gettext("El monto máximo es %(amount)s.") % {"amount": money(biller.max_amount)},
            field="amount",
        )


# --- The demo catalogue ----------------------------------------------------------------------


def _digits(name, label, low, high=None, message="", placeholder=""):
    high = high or low
    spec = {"name": name, "label": label, "kind": "digits", "min_length": low, "max_length": high}
    spec["message"] = message or field_message(spec)
    if placeholder:
        spec["placeholder"] = placeholder
    return spec


def _text(name, label, low, high, message="", placeholder=""):
    spec = {"name": name, "label": label, "kind": "text", "min_length": low, "max_length": high}
    spec["message"] = message or field_message(spec)
    if placeholder:
        spec["placeholder"] = placeholder
    return spec


CELULAR = _digits(
    "celular",
    "NUMERO CELULAR",
    10,
    message="NUMERO CELULAR debe tener 10 caracteres números",
    placeholder="Ej: 0991234567",
)
CEDULA = _digits("cedula", "CÉDULA", 10, placeholder="Ej: 1712345678")
RUC_CEDULA = _digits("identificacion", "CÉDULA/RUC", 10, 13)
REQUIRED, OPTIONAL, NONE = (
    Biller.Inquiry.REQUIRED,
    Biller.Inquiry.OPTIONAL,
    Biller.Inquiry.NONE,
)
EXACT, PARTIAL, TYPED, LISTED = (
    Biller.AmountRule.EXACT,
    Biller.AmountRule.PARTIAL,
    Biller.AmountRule.TYPED,
    Biller.AmountRule.LISTED,
)
FEE = Decimal("0.30")

#: (code, name, position) and its billers: (code, name, fields, inquiry, rule, extra)
DEMO_CATALOGUE = [
    (("agua", "Agua", 10), [
        ("agua-epmapa-pedernales", "AGUA EPMAPA PEDERNALES",
         [_text("cuenta", "NUMERO DE CUENTA", 4, 20, placeholder="Ingresa el número de cuenta")],
         REQUIRED, EXACT, {}),
        ("agua-epmaps-quito", "EPMAPS AGUA DE QUITO",
         [_digits("cuenta", "NUMERO DE CUENTA", 6, 10)], REQUIRED, EXACT, {}),
        ("agua-interagua", "INTERAGUA GUAYAQUIL",
         [_digits("contrato", "NUMERO DE CONTRATO", 6, 12)], REQUIRED, PARTIAL, {}),
    ]),
    (("luz", "Luz", 20), [
        ("cnel-ep", "CNEL EP",
         [_text("contrato", "CONTRATO/CÉDULA/RUC", 4, 13,
                message="CONTRATO/CÉDULA/RUC debe tener al menos 4 caracteres",
                placeholder="Ingresa contrato/cédula/ruc")],
         REQUIRED, PARTIAL, {}),
        ("empresa-electrica-quito", "EMPRESA ELÉCTRICA QUITO",
         [_digits("suministro", "NUMERO DE SUMINISTRO", 6, 10)], REQUIRED, EXACT, {}),
    ]),
    (("telefono", "Teléfono", 30), [
        ("cnt-telefonia-fija", "CNT TELEFONÍA FIJA",
         [_digits("telefono", "NUMERO DE TELEFONO", 9, placeholder="Ej: 022345678")],
         OPTIONAL, PARTIAL, {"max_amount": Decimal("500.00")}),
        ("claro-postpago", "CLARO PLANES POSTPAGO", [CELULAR], REQUIRED, EXACT, {}),
    ]),
    (("recargas", "Recargas", 40), [
        ("recargas-cnt-paquete", "RECARGAS CNT PAQUETE", [CELULAR], NONE, LISTED,
         {"allowed_amounts": ["3.00", "5.00", "10.00", "20.00"], "fee": Decimal("0.00")}),
        ("recargas-claro", "RECARGAS CLARO", [CELULAR], NONE, TYPED,
         {"min_amount": Decimal("1.00"), "max_amount": Decimal("100.00"),
          "fee": Decimal("0.00")}),
        ("recargas-movistar", "RECARGAS MOVISTAR", [CELULAR], NONE, LISTED,
         {"allowed_amounts": ["1.00", "3.00", "5.00", "10.00", "20.00"],
          "fee": Decimal("0.00")}),
    ]),
    (("municipio", "Municipio", 50), [
        ("municipio-quito-predios", "MUNICIPIO DE QUITO - IMPUESTO PREDIAL",
         [_digits("predio", "NUMERO DE PREDIO", 5, 10)], REQUIRED, EXACT, {}),
        ("municipio-guayaquil", "MUNICIPIO DE GUAYAQUIL - TASAS", [RUC_CEDULA],
         REQUIRED, EXACT, {}),
    ]),
    (("bomberos", "Bomberos", 60), [
        ("bomberos-quito", "CUERPO DE BOMBEROS DE QUITO - PERMISO DE FUNCIONAMIENTO",
         [_digits("ruc", "RUC", 13)], REQUIRED, EXACT, {}),
        ("bomberos-guayaquil", "BENEMÉRITO CUERPO DE BOMBEROS DE GUAYAQUIL",
         [_digits("ruc", "RUC", 13)], REQUIRED, EXACT, {}),
    ]),
    (("catalogo", "Catálogo", 70), [
        ("catalogo-yanbal", "YANBAL ECUADOR",
         [_digits("codigo", "CÓDIGO DE CONSULTORA", 6, 10)], OPTIONAL, PARTIAL,
         {"max_amount": Decimal("2000.00")}),
        ("catalogo-esika", "ÉSIKA - BELCORP",
         [_digits("codigo", "CÓDIGO DE CONSULTORA", 6, 10)], OPTIONAL, PARTIAL,
         {"max_amount": Decimal("2000.00")}),
    ]),
    (("compras", "Compras", 80), [
        ("compras-deprati", "DE PRATI - CRÉDITO DIRECTO", [CEDULA], REQUIRED, PARTIAL, {}),
        ("compras-comandato", "COMANDATO - CRÉDITO DIRECTO", [CEDULA], REQUIRED, PARTIAL, {}),
    ]),
    (("cne", "Consejo Nacional Electoral", 90), [
        ("cne-multas", "CNE - MULTAS ELECTORALES", [CEDULA], REQUIRED, EXACT, {}),
    ]),
    (("entidades-financieras", "Entidades financieras", 100), [
        ("credife-creditos", "CREDIFE - CRÉDITOS",
         [_digits("credito", "NUMERO DE CREDITO", 6, 12)], OPTIONAL, PARTIAL,
         {"max_amount": Decimal("5000.00")}),
        ("coop-jep-creditos", "COOPERATIVA JEP - CRÉDITOS",
         [_digits("credito", "NUMERO DE CREDITO", 6, 12)], OPTIONAL, PARTIAL,
         {"max_amount": Decimal("5000.00")}),
    ]),
    (("iess", "IESS", 110), [
        ("iess-planillas", "IESS - PLANILLAS DE APORTES", [RUC_CEDULA], REQUIRED, EXACT, {}),
        ("iess-prestamos", "IESS - PRÉSTAMOS QUIROGRAFARIOS", [CEDULA], REQUIRED, EXACT, {}),
    ]),
    (("medio-de-pago", "Medio de pago", 120), [
        ("payphone-recarga", "PAYPHONE - RECARGA DE SALDO", [CELULAR], NONE, TYPED,
         {"min_amount": Decimal("1.00"), "max_amount": Decimal("500.00")}),
        ("deuna-recarga", "DEUNA - RECARGA DE BILLETERA", [CELULAR], NONE, TYPED,
         {"min_amount": Decimal("1.00"), "max_amount": Decimal("500.00")}),
    ]),
]  # fmt: skip


def demo_catalogue_ensure() -> None:
    """The manuals' categories and a few billers each. Idempotent: what exists is left as the
    back office keeps it, only what is missing is created."""
    with transaction.atomic():
        for (code, name, position), billers in DEMO_CATALOGUE:
            category, _created = Category.objects.get_or_create(
                code=code, defaults={"name": name, "position": position}
            )
            for biller_code, biller_name, fields, inquiry, rule, extra in billers:
                Biller.objects.get_or_create(
                    code=biller_code,
                    defaults={
                        "name": biller_name,
                        "category": category,
                        "fields": fields,
                        "inquiry": inquiry,
                        "amount_rule": rule,
                        "fee": extra.get("fee", FEE),
                        **{k: v for k, v in extra.items() if k != "fee"},
                    },
                )
