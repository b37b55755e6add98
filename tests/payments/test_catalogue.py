"""The catalogue's rules: reference fields with the manuals' messages, the amount rules with
their numbers, fee and VAT, and the demo catalogue."""

from decimal import Decimal

import pytest

from payments.models import Biller, Category
from payments.services.catalogue import (
    amount_check,
    demo_catalogue_ensure,
    fields_validate,
    reference_clean,
)
from payments.services.errors import PaymentError
from payments.services.fees import bill_charges
from payments.services.gateway import Bill

pytestmark = pytest.mark.django_db


def _refused(call, **kwargs) -> PaymentError:
    with pytest.raises(PaymentError) as caught:
        call(**kwargs)
    return caught.value


def _bill(amount="73.50"):
    return Bill(number="F-1", period="Enero 2026", amount=Decimal(amount), due_on=None)


# --- Reference fields ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "099123456", "09912345678", "09912345a7", "099 123 456"])
def test_a_phone_number_needs_ten_digits_with_the_manuals_message(biller, value):
    error = _refused(
        reference_clean, biller=biller("recargas-cnt-paquete"), data={"celular": value}
    )
    assert error.message == "NUMERO CELULAR debe tener 10 caracteres números"
    assert error.field == "celular"


def test_a_good_phone_number_is_kept_trimmed(biller):
    data = {"celular": " 0991234567 ", "other": "x"}
    assert reference_clean(biller=biller("recargas-cnt-paquete"), data=data) == {
        "celular": "0991234567"
    }


@pytest.mark.parametrize("value", ["", "123", "12"])
def test_cnel_needs_at_least_four_characters(biller, value):
    error = _refused(reference_clean, biller=biller("cnel-ep"), data={"contrato": value})
    assert error.message == "CONTRATO/CÉDULA/RUC debe tener al menos 4 caracteres"
    assert error.field == "contrato"


def test_cnel_takes_a_contract_a_cedula_or_a_ruc(biller):
    for value in ("1234", "1712345678", "1790012345001"):
        assert reference_clean(biller=biller("cnel-ep"), data={"contrato": value}) == {
            "contrato": value
        }


def test_text_fields_refuse_symbols(biller):
    error = _refused(
        reference_clean, biller=biller("agua-epmapa-pedernales"), data={"cuenta": "12<34>"}
    )
    assert error.field == "cuenta"
    assert "NUMERO DE CUENTA" in error.message


def test_a_field_without_message_says_its_rule(catalogue):
    category = Category.objects.get(code="agua")
    made = Biller.objects.create(
        code="x",
        name="X",
        category=category,
        fields=[
            {"name": "a", "label": "CÓDIGO", "kind": "digits", "min_length": 6, "max_length": 8}
        ],
    )
    error = _refused(reference_clean, biller=made, data={"a": "1"})
    assert error.message == "CÓDIGO debe tener entre 6 y 8 caracteres números"


def test_back_office_fields_are_validated():
    assert fields_validate([]) == ["Debe ser una lista con al menos un campo."]
    problems = fields_validate(
        [{"name": "Celular", "label": "", "kind": "numero", "min_length": 5, "max_length": 2}]
    )
    assert len(problems) == 4 and all(p.startswith("Campo 1:") for p in problems)
    assert fields_validate([{"name": "celular", "label": "N", "kind": "digits",
                             "min_length": 10, "max_length": 10}]) == []  # fmt: skip


# --- Amounts ---------------------------------------------------------------------------------


def test_an_exact_bill_takes_its_own_amount_only(biller):
    water = biller("agua-epmapa-pedernales")
    assert amount_check(biller=water, amount=Decimal("73.50"), bill=_bill()) == Decimal("73.50")
    error = _refused(amount_check, biller=water, amount=Decimal("70.00"), bill=_bill())
    assert error.message == "El valor a pagar debe ser el de la factura: $ 73.50."
    assert error.field == "amount"


def test_a_mandatory_inquiry_needs_a_bill(biller):
    error = _refused(
        amount_check, biller=biller("agua-epmapa-pedernales"), amount=Decimal("5"), bill=None
    )
    assert error.message == "Consulta la factura antes de pagar."


def test_a_partial_payment_goes_up_to_the_bill(biller):
    light = biller("cnel-ep")
    assert amount_check(biller=light, amount=Decimal("20.00"), bill=_bill()) == Decimal("20.00")
    error = _refused(amount_check, biller=light, amount=Decimal("80.00"), bill=_bill())
    assert error.message == "El valor a pagar no puede superar el de la factura: $ 73.50."


def test_a_listed_amount_must_be_one_of_the_list(biller):
    recharge = biller("recargas-cnt-paquete")
    assert amount_check(biller=recharge, amount=Decimal("5"), bill=None) == Decimal("5.00")
    error = _refused(amount_check, biller=recharge, amount=Decimal("4.00"), bill=None)
    assert error.message == (
        "Elige uno de los montos permitidos: $ 3.00, $ 5.00, $ 10.00, $ 20.00."
    )


def test_a_typed_amount_stays_between_minimum_and_maximum(biller):
    recharge = biller("recargas-claro")
    assert amount_check(biller=recharge, amount=Decimal("7.25"), bill=None) == Decimal("7.25")
    low = _refused(amount_check, biller=recharge, amount=Decimal("0.50"), bill=None)
    assert low.message == "El monto mínimo es $ 1.00."
    high = _refused(amount_check, biller=recharge, amount=Decimal("100.01"), bill=None)
    assert high.message == "El monto máximo es $ 100.00."


def test_an_optional_inquiry_without_bill_takes_a_typed_amount(biller):
    phone = biller("cnt-telefonia-fija")
    assert amount_check(biller=phone, amount=Decimal("12.00"), bill=None) == Decimal("12.00")
    assert _refused(amount_check, biller=phone, amount=Decimal("600"), bill=None).message == (
        "El monto máximo es $ 500.00."
    )


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("0"), "El monto debe ser mayor a $ 0.00."),
        (Decimal("-5"), "El monto debe ser mayor a $ 0.00."),
        (Decimal("1.001"), "El monto admite como máximo dos decimales."),
    ],
)
def test_amounts_that_are_no_money(biller, amount, message):
    error = _refused(amount_check, biller=biller("recargas-claro"), amount=amount, bill=None)
    assert error.message == message


# --- Fee and VAT -----------------------------------------------------------------------------


def test_fee_and_vat(biller):
    assert bill_charges(biller("cnel-ep")) == (Decimal("0.30"), Decimal("0.05"))
    assert bill_charges(biller("recargas-cnt-paquete")) == (Decimal("0.00"), Decimal("0.00"))
    odd = biller("cnel-ep")
    odd.fee = Decimal("0.50")  # 0.075 → half-up to the cent
    assert bill_charges(odd) == (Decimal("0.50"), Decimal("0.08"))


# --- The demo catalogue ----------------------------------------------------------------------


def test_the_demo_catalogue_has_the_manuals_categories_and_is_idempotent():
    demo_catalogue_ensure()
    Biller.objects.filter(code="cnel-ep").update(name="CNEL EP (editado)")
    demo_catalogue_ensure()
    names = list(Category.objects.values_list("name", flat=True))
    assert names == [
        "Agua", "Luz", "Teléfono", "Recargas", "Municipio", "Bomberos", "Catálogo", "Compras",
        "Consejo Nacional Electoral", "Entidades financieras", "IESS", "Medio de pago",
    ]  # fmt: skip
    for category in Category.objects.all():
        assert 1 <= category.billers.count() <= 3
    assert Biller.objects.get(code="cnel-ep").name == "CNEL EP (editado)"  # kept as edited
    for code in (
        "recargas-cnt-paquete",
        "agua-epmapa-pedernales",
        "cnt-telefonia-fija",
        "municipio-quito-predios",
        "iess-planillas",
    ):
        assert Biller.objects.filter(code=code, active=True).exists()
    for made in Biller.objects.all():
        assert fields_validate(made.fields) == [], made.code
