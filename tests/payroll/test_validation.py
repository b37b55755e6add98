"""Every rule of a bulk-payment row: all errors of a row at once, each naming its column."""

from __future__ import annotations

import string
from datetime import date, datetime
from decimal import Decimal
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.ec import ci

from accounts.models import Account, Product
from identity.models import IdType, Member
from payroll.services.sheets import HEADERS, read_rows, template_workbook
from payroll.services.validation import validate_rows
from tests.factories import AccountFactory, MemberFactory, valid_cedula
from tests.payroll.sheet_builders import (
    interbank_row,
    internal_row,
    payee,
    reload,
    write_xlsx,
)
from transfers.models import Institution

pytestmark = pytest.mark.django_db


def check(company, *rows, chunk=1000):
    return list(
        validate_rows(
            ((line, row) for line, row in enumerate(rows, start=2)),
            company_member=company.member,
            chunk=chunk,
        )
    )


def only(company, row):
    (result,) = check(company, row)
    return result


def errors(result) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for e in result.errors:
        found.setdefault(e["column"], []).append(e["message"])
    return found


def cooprogreso() -> Institution:
    return Institution.objects.get(is_self=True)


def ruc_valid() -> str:
    return "1790085783001"  # the company fixture's RUC: a real, valid one


def cedula_with_leading_zero() -> str:
    base = "010203040"
    return next(base + str(d) for d in range(10) if ci.is_valid(base + str(d)))


# --- Whole rows ------------------------------------------------------------------------------


def test_a_member_row_is_valid_and_resolved(company):
    account = payee()
    result = only(company, internal_row(account, amount="125.50", Nombres="Ana María Peña"))
    assert result.errors == []
    assert result.line == 2
    assert result.identification == account.owner.identification
    assert result.id_type == "CEDULA"
    assert result.name == "ANA MARIA PENA"
    assert result.email == "maria@example.com"
    assert result.account_number == account.number
    assert result.account_type == "AHORROS"
    assert result.amount == Decimal("125.50")
    assert result.account_id == account.pk
    assert result.interbank is False
    assert result.institution_id == cooprogreso().pk


def test_an_interbank_row_is_valid_and_resolved(company):
    bank = Institution.objects.get(name="BANCO PICHINCHA C.A.")
    result = only(company, interbank_row(valid_cedula(4242)))
    assert result.errors == []
    assert result.interbank is True
    assert result.institution_id == bank.pk
    assert result.account_id is None
    assert result.account_type == "CORRIENTE"
    assert result.amount == Decimal("80.00")


def test_all_errors_of_a_row_are_reported_at_once(company):
    row = {
        "Identificación": "1710034066",
        "Tipo Identificación": "Cédula",
        "Nombres": "Juan 2",
        "Email": "juan@",
        "# Cuenta": "12-34",
        "Tipo de Cuenta": "Plazo fijo",
        "Valor": Decimal("-3"),
        "Institución": "",
        "Cuenta interbancaria": "SI",
    }
    found = errors(only(company, row))
    assert set(found) == {
        "Identificación",
        "Nombres",
        "Email",
        "# Cuenta",
        "Tipo de Cuenta",
        "Valor",
        "Institución",
    }
    assert all(len(messages) == 1 for messages in found.values())


def test_an_empty_row_says_what_is_required(company):
    found = errors(only(company, dict.fromkeys(HEADERS)))
    assert found == {
        "Tipo Identificación": ["El tipo de identificación es obligatorio."],
        "Identificación": ["La identificación es obligatoria."],
        "Nombres": ["Los nombres son obligatorios."],
        "# Cuenta": ["El número de cuenta es obligatorio."],
        "Tipo de Cuenta": ["El tipo de cuenta es obligatorio."],
        "Valor": ["El valor es obligatorio."],
    }


# --- Identification --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("id_type", "value", "message"),
    [
        (
            "Cédula",
            "1710034066",
            "La cédula no es válida: revisa los 10 dígitos y el dígito verificador.",
        ),
        (
            "Cédula",
            "171003406",
            "La cédula no es válida: revisa los 10 dígitos y el dígito verificador.",
        ),
        (
            "RUC",
            "1790085784001",
            "El RUC no es válido: revisa los 13 dígitos y el dígito verificador.",
        ),
        (
            "RUC",
            "1710034065",
            "El RUC no es válido: revisa los 13 dígitos y el dígito verificador.",
        ),
        (
            "Pasaporte",
            "AB12",
            "El pasaporte debe tener de 5 a 20 letras o números, sin espacios ni signos.",
        ),
        (
            "Pasaporte",
            "AB-123456",
            "El pasaporte debe tener de 5 a 20 letras o números, sin espacios ni signos.",
        ),
        (
            "Pasaporte",
            "A" * 21,
            "El pasaporte debe tener de 5 a 20 letras o números, sin espacios ni signos.",
        ),
    ],
)
def test_identification_is_checked_for_its_type(company, id_type, value, message):
    row = interbank_row(value, **{"Tipo Identificación": id_type})
    assert errors(only(company, row)) == {"Identificación": [message]}


@pytest.mark.parametrize(
    ("id_type", "value"),
    [
        ("Cédula", "1710034065"),
        ("RUC", ruc_valid()),
        ("Pasaporte", "ab123456"),
        ("Pasaporte", "X1Y2Z"),
    ],
)
def test_valid_identifications_pass(company, id_type, value):
    result = only(company, interbank_row(value, **{"Tipo Identificación": id_type}))
    assert result.errors == []
    assert result.identification == value.upper()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("Cédula", "CEDULA"), ("cedula", "CEDULA"), (" RUC ", "RUC"), ("PASAPORTE", "PASAPORTE")],
)
def test_the_identification_type_is_read_without_case_or_accents(company, typed, stored):
    value = {"CEDULA": "1710034065", "RUC": ruc_valid(), "PASAPORTE": "AB123456"}[stored]
    result = only(company, interbank_row(value, **{"Tipo Identificación": typed}))
    assert result.errors == []
    assert result.id_type == stored


def test_an_unknown_identification_type_is_refused(company):
    row = interbank_row("1710034065", **{"Tipo Identificación": "DNI"})
    assert errors(only(company, row)) == {"Tipo Identificación": ["Elige Cédula, RUC o Pasaporte."]}


def test_a_cedula_excel_turned_into_a_number_gets_its_zero_back(company):
    cedula = cedula_with_leading_zero()
    result = only(company, interbank_row(Decimal(cedula)))
    assert result.errors == []
    assert result.identification == cedula
    assert result.warnings == [
        {
            "column": "Identificación",
            "message": f"Se completó el cero inicial que Excel quitó: '{cedula[1:]}' → '{cedula}'.",
        }
    ]


def test_a_numeric_cedula_keeps_its_digits(company):
    result = only(company, interbank_row(Decimal("1710034065")))
    assert result.errors == []
    assert result.identification == "1710034065"


# --- Names -----------------------------------------------------------------------------------


def test_accents_and_enie_are_transliterated_with_a_warning(company):
    result = only(company, interbank_row("1710034065", Nombres="Peña"))
    assert result.errors == []
    assert result.name == "PENA"
    assert result.warnings == [
        {"column": "Nombres", "message": "Se reemplazaron tildes o ñ: 'Peña' → 'PENA'"}
    ]


def test_a_plain_name_is_uppercased_without_a_warning(company):
    result = only(company, interbank_row("1710034065", Nombres="  juan   carlos  perez "))
    assert result.name == "JUAN CARLOS PEREZ"
    assert result.warnings == []


@pytest.mark.parametrize(("typed", "odd"), [("JUAN 2", "«2»"), ("O'BRIEN S.A.", "«'», «.»")])
def test_names_take_only_letters_and_spaces(company, typed, odd):
    assert errors(only(company, interbank_row("1710034065", Nombres=typed))) == {
        "Nombres": [f"Los nombres solo pueden tener letras y espacios: quita {odd}."]
    }


def test_a_name_longer_than_the_field_is_refused(company):
    result = only(company, interbank_row("1710034065", Nombres="A" * 121))
    assert errors(result) == {"Nombres": ["Los nombres no pueden superar 120 caracteres."]}
    assert len(result.name) == 120


# --- Email, account, account type ------------------------------------------------------------


def test_email_is_optional(company):
    assert only(company, interbank_row("1710034065", Email="")).errors == []


@pytest.mark.parametrize("email", ["juan", "juan@", "juan@@x.ec", "a b@x.ec"])
def test_an_invalid_email_is_refused(company, email):
    assert errors(only(company, interbank_row("1710034065", Email=email))) == {
        "Email": ["El email no es válido (ej. nombre@dominio.com)."]
    }


@pytest.mark.parametrize("number", ["1234", "1" * 21, "12a45", "12 345", "-12345"])
def test_account_numbers_are_5_to_20_digits(company, number):
    assert errors(only(company, interbank_row("1710034065", **{"# Cuenta": number}))) == {
        "# Cuenta": ["El número de cuenta debe tener de 5 a 20 dígitos."]
    }


def test_an_account_number_typed_as_a_number_is_read(company):
    result = only(company, interbank_row("1710034065", **{"# Cuenta": Decimal("2200123456")}))
    assert result.errors == []
    assert result.account_number == "2200123456"


@pytest.mark.parametrize(("typed", "stored"), [("ahorros", "AHORROS"), ("CORRIENTE", "CORRIENTE")])
def test_the_account_type_is_one_of_the_list(company, typed, stored):
    result = only(company, interbank_row("1710034065", **{"Tipo de Cuenta": typed}))
    assert result.account_type == stored
    bad = only(company, interbank_row("1710034065", **{"Tipo de Cuenta": "Plazo fijo"}))
    assert errors(bad) == {"Tipo de Cuenta": ["Elige Ahorros o Corriente."]}


# --- Amount ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (Decimal("0"), "El valor debe ser mayor que cero."),
        (Decimal("-10"), "El valor debe ser mayor que cero."),
        (Decimal("10.001"), "El valor debe tener como máximo 2 decimales."),
        (Decimal("0.1") + Decimal("0.0000000001"), "El valor debe tener como máximo 2 decimales."),
        (Decimal("1000000000000.01"), "El valor no puede superar 1,000,000,000,000.00."),
        (Decimal("1E+30"), "El valor no puede superar 1,000,000,000,000.00."),
        (Decimal("NaN"), "El valor debe ser un número."),
        (Decimal("Infinity"), "El valor debe ser un número."),
        (True, "El valor debe ser un número."),
        (datetime(2026, 1, 31), "El valor debe ser un número, no una fecha."),
        (date(2026, 1, 31), "El valor debe ser un número, no una fecha."),
        (
            "1,250.50",
            "El valor debe ser un número con punto decimal y sin separador de miles (ej. 1250.50).",
        ),
        (
            "100,50",
            "El valor debe ser un número con punto decimal y sin separador de miles (ej. 1250.50).",
        ),
        (
            "$100",
            "El valor debe ser un número con punto decimal y sin separador de miles (ej. 1250.50).",
        ),
        (None, "El valor es obligatorio."),
    ],
)
def test_amount_rules(company, value, message):
    assert errors(only(company, interbank_row("1710034065", Valor=value))) == {"Valor": [message]}


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (Decimal("0.01"), Decimal("0.01")),
        (Decimal("10.5"), Decimal("10.50")),
        (Decimal("7"), Decimal("7.00")),
        (Decimal("10.500"), Decimal("10.50")),
        ("1250.50", Decimal("1250.50")),
        (Decimal("1000000000000"), Decimal("1000000000000.00")),
    ],
)
def test_valid_amounts_are_kept_in_cents(company, value, stored):
    result = only(company, interbank_row("1710034065", Valor=value))
    assert result.errors == []
    assert result.amount == stored
    assert result.amount.as_tuple().exponent == -2


# --- Interbank and institution ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "interbank"), [("SI", True), ("sí", True), ("No", False), ("", False), (None, False)]
)
def test_interbank_is_si_or_no(company, typed, interbank):
    account = payee()
    row = (
        interbank_row("1710034065", **{"Cuenta interbancaria": typed})
        if interbank
        else internal_row(account, **{"Cuenta interbancaria": typed})
    )
    result = only(company, row)
    assert result.errors == []
    assert result.interbank is interbank


def test_interbank_refuses_anything_else(company):
    row = interbank_row("1710034065", **{"Cuenta interbancaria": "TAL VEZ"})
    assert errors(only(company, row)) == {"Cuenta interbancaria": ["Escribe SI o NO."]}


def test_the_institution_is_required_when_interbank(company):
    row = interbank_row("1710034065", Institución=None)
    assert errors(only(company, row)) == {
        "Institución": ["La institución es obligatoria para cuentas de otras instituciones."]
    }


@pytest.mark.parametrize("typed", ["banco pichincha c.a.", " BANCO  PICHINCHA C.A. ", "0010", "10"])
def test_the_institution_is_found_by_name_or_code(company, typed):
    bank = Institution.objects.get(code="0010")
    value = Decimal(typed) if typed == "10" else typed
    result = only(company, interbank_row("1710034065", Institución=value))
    assert result.errors == []
    assert result.institution_id == bank.pk


def test_an_accented_institution_name_matches(company):
    bank = Institution.objects.get(name="BANCO GENERAL RUMIÑAHUI S.A.")
    result = only(company, interbank_row("1710034065", Institución="Banco General Rumiñahui S.A."))
    assert result.institution_id == bank.pk


def test_an_unknown_or_inactive_institution_is_refused(company):
    Institution.objects.filter(code="0017").update(active=False)
    for name in ("BANCO INVENTADO", "BANCO GUAYAQUIL S.A."):
        assert errors(only(company, interbank_row("1710034065", Institución=name))) == {
            "Institución": ["La institución no existe o no está activa: elígela de la lista."]
        }


def test_the_cooperative_itself_is_not_interbank(company):
    row = interbank_row("1710034065", Institución=cooprogreso().name)
    assert errors(only(company, row)) == {
        "Institución": [
            "Para cuentas de Cooprogreso escribe NO en Cuenta interbancaria "
            "(no es otra institución)."
        ]
    }


def test_another_bank_with_interbank_no_is_refused(company):
    row = internal_row(payee(), Institución="BANCO PICHINCHA C.A.")
    assert errors(only(company, row)) == {
        "Cuenta interbancaria": [
            "La cuenta es de otra institución: escribe SI en Cuenta interbancaria."
        ]
    }


def test_the_cooperative_named_with_interbank_no_is_fine(company):
    result = only(company, internal_row(payee(), Institución=cooprogreso().name))
    assert result.errors == []


# --- Member accounts -------------------------------------------------------------------------


def test_a_member_account_must_exist(company):
    account = payee()
    row = internal_row(account, **{"# Cuenta": "4109999999999"})
    assert errors(only(company, row)) == {"# Cuenta": ["La cuenta no existe en Cooprogreso."]}


def test_an_internal_account_is_not_a_member_account(company):
    account = payee()
    row = internal_row(account, **{"# Cuenta": "9900000009"})  # payroll clearing
    assert Account.objects.filter(number="9900000009", internal_code__isnull=False).exists()
    assert errors(only(company, row)) == {"# Cuenta": ["La cuenta no existe en Cooprogreso."]}


@pytest.mark.parametrize("status", [Account.Status.INACTIVE, Account.Status.CLOSED])
def test_a_member_account_must_be_active(company, status):
    account = payee(status=status)
    assert errors(only(company, internal_row(account))) == {
        "# Cuenta": ["La cuenta no está activa."]
    }


@pytest.mark.parametrize("product", [Product.SHARES, Product.TERM_DEPOSIT])
def test_a_product_that_takes_no_payments_is_refused(company, product):
    account = payee(product=product)
    assert errors(only(company, internal_row(account))) == {
        "# Cuenta": ["Esa cuenta no puede recibir pagos."]
    }


@pytest.mark.parametrize("product", [Product.SAVINGS, Product.PROGRESAR, Product.CHECKING])
def test_deposit_accounts_take_payments(company, product):
    account = payee(product=product)
    kind = "Corriente" if product == Product.CHECKING else "Ahorros"
    result = only(company, internal_row(account, **{"Tipo de Cuenta": kind}))
    assert result.errors == []
    assert result.warnings == []


def test_a_different_account_type_only_warns(company):
    account = payee(product=Product.CHECKING)
    result = only(company, internal_row(account, **{"Tipo de Cuenta": "Ahorros"}))
    assert result.errors == []
    assert result.warnings == [
        {"column": "Tipo de Cuenta", "message": "La cuenta es de corriente: se acreditará igual."}
    ]


def test_the_account_must_belong_to_the_identification(company):
    account = payee()
    other = MemberFactory()
    row = internal_row(account, Identificación=other.identification)
    assert errors(only(company, row)) == {
        "# Cuenta": ["La cuenta no pertenece a la identificación indicada."]
    }


def test_a_passport_holder_is_matched(company):
    member = MemberFactory(id_type=IdType.PASSPORT, identification="AB123456")
    account = AccountFactory(owner=member)
    row = internal_row(account, Identificación="ab123456", **{"Tipo Identificación": "Pasaporte"})
    result = only(company, row)
    assert result.errors == []
    assert result.account_id == account.pk


def test_the_company_cannot_pay_its_own_account(company):
    row = internal_row(
        company.account,
        Identificación=company.member.identification,
        **{"Tipo Identificación": "RUC"},
    )
    assert company.member.kind == Member.Kind.COMPANY
    assert errors(only(company, row)) == {
        "# Cuenta": ["La cuenta es de la propia empresa: no puede recibir el pago."]
    }


def test_an_invalid_identification_is_not_reported_twice(company):
    row = internal_row(payee(), Identificación="1710034066")
    assert set(errors(only(company, row))) == {"Identificación"}


# --- Duplicates ------------------------------------------------------------------------------


def test_a_repeated_row_names_the_first_line(company):
    account = payee()
    first = internal_row(account, amount="100.00")
    other_amount = internal_row(account, amount="100.01")
    results = check(company, first, other_amount, dict(first, Nombres="OTRO NOMBRE"), first)
    assert [r.line for r in results if r.errors] == [4, 5]
    assert errors(results[2]) == {
        "Identificación": [
            "Fila repetida: la fila 2 tiene la misma identificación, cuenta y valor."
        ]
    }


def test_duplicates_are_found_across_chunks(company):
    rows = [interbank_row(valid_cedula(9000 + i), Valor=Decimal(i + 1)) for i in range(5)]
    results = check(company, *rows, rows[0], chunk=2)
    assert [r.line for r in results if r.errors] == [7]


# --- Streaming and queries -------------------------------------------------------------------


def test_accounts_are_resolved_with_one_query_per_chunk(company, django_assert_num_queries):
    accounts = [payee() for _ in range(3)]
    rows = [
        internal_row(accounts[i % 3], amount=f"{i + 1}.00")
        if i % 2
        else interbank_row(valid_cedula(i), Valor=Decimal(i + 1))
        for i in range(2500)
    ]
    with django_assert_num_queries(1 + 3):  # the institutions, then one per chunk of 1,000
        results = check(company, *rows)
    assert len(results) == 2500
    assert all(r.errors == [] for r in results)


def test_rows_are_validated_as_a_stream(company):
    def endless():
        for n in count(2):
            yield n, interbank_row(valid_cedula(n), Valor=Decimal(n))

    rows = validate_rows(endless(), company_member=company.member, chunk=10)
    first = [next(rows) for _ in range(25)]
    assert [r.line for r in first] == list(range(2, 27))


# --- The template, filled --------------------------------------------------------------------


def test_a_filled_template_validates_cleanly(company, tmp_path):
    accounts = [payee() for _ in range(3)]
    wb = reload(template_workbook())
    ws = wb["Nómina"]
    for i, account in enumerate(accounts):
        ws.append(
            [
                account.owner.identification,
                "Cédula",
                "María José Núñez",
                f"socia{i}@example.com",
                account.number,
                "Ahorros",
                100.25 + i,
                None,
                "NO",
            ]
        )
    ws.append(
        [ruc_valid(), "RUC", "Proveedora Andina SA", "", "2200123456", "Corriente", 5000, "", "SI"]
    )
    ws["H5"] = "BANCO DEL PACIFICO S.A."
    path = tmp_path / "plantilla-llena.xlsx"
    wb.save(path)
    results = list(validate_rows(read_rows(path), company_member=company.member))
    assert [r.line for r in results] == [2, 3, 4, 5]
    assert [r.errors for r in results] == [[]] * 4
    assert results[0].name == "MARIA JOSE NUNEZ"
    assert results[0].amount == Decimal("100.25")
    assert results[3].institution_id == Institution.objects.get(code="0030").pk


# --- Hypothesis: generated sheets ------------------------------------------------------------

LETTERS = string.ascii_uppercase + "ÁÉÍÓÚÑáéíóúñ"
word = st.text(alphabet=LETTERS, min_size=1, max_size=12)
names = st.lists(word, min_size=1, max_size=4).map(" ".join)
cents = st.integers(min_value=1, max_value=10**8)
emails = st.one_of(
    st.none(),
    st.from_regex(
        r"[a-z][a-z0-9]{0,10}(\.[a-z0-9]{1,5})?@[a-z]{2,10}\.(ec|com|org)", fullmatch=True
    ),
)
BANKS = [
    "BANCO PICHINCHA C.A.",
    "BANCO GUAYAQUIL S.A.",
    "MUTUALISTA PICHINCHA",
    "COOP. DE AHORRO Y CREDITO JARDIN AZUAYO LTDA.",
]


@st.composite
def sheet_rows(draw, accounts):
    count_ = draw(st.integers(min_value=1, max_value=12))
    rows = []
    for i in range(count_):
        # The last two digits are the row's index: never a duplicate of another row.
        amount = Decimal(draw(cents) * 100 + i).scaleb(-2)
        if draw(st.booleans()):
            account = draw(st.sampled_from(accounts))
            row = internal_row(
                account,
                Nombres=draw(names),
                Email=draw(emails),
                Valor=amount,
                **{
                    "Tipo de Cuenta": "Corriente"
                    if account.product == Product.CHECKING
                    else "Ahorros",
                    "Cuenta interbancaria": draw(st.sampled_from(["NO", "no", None])),
                },
            )
        else:
            row = interbank_row(
                valid_cedula(draw(st.integers(min_value=0, max_value=5_999_999))),
                Institución=draw(st.sampled_from(BANKS)),
                Nombres=draw(names),
                Email=draw(emails),
                Valor=amount,
                **{
                    "# Cuenta": draw(st.from_regex(r"[0-9]{5,20}", fullmatch=True)),
                    "Tipo de Cuenta": draw(st.sampled_from(["Ahorros", "Corriente"])),
                    "Cuenta interbancaria": draw(st.sampled_from(["SI", "Sí", "si"])),
                },
            )
        rows.append(row)
    return rows


# One bad value per column, and the one column it must be reported in.
MUTATIONS = [
    ("Identificación", "1710034066", "Identificación"),
    ("Tipo Identificación", "DNI", "Tipo Identificación"),
    ("Nombres", "JUAN 2", "Nombres"),
    ("Nombres", "", "Nombres"),
    ("Email", "juan@", "Email"),
    ("# Cuenta", "12AB5", "# Cuenta"),
    ("Tipo de Cuenta", "Plazo", "Tipo de Cuenta"),
    ("Valor", Decimal("0"), "Valor"),
    ("Valor", Decimal("1.005"), "Valor"),
    ("Valor", date(2026, 1, 1), "Valor"),
    ("Cuenta interbancaria", "QUIZA", "Cuenta interbancaria"),
]


def _accounts_for_hypothesis():
    return [
        payee(product=Product.SAVINGS),
        payee(product=Product.CHECKING),
        payee(product=Product.PROGRESAR),
    ]


def _write_and_validate(company, tmp_path, rows):
    path = write_xlsx(tmp_path / "generada.xlsx", rows)
    return list(validate_rows(read_rows(path), company_member=company.member))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_generated_valid_sheets_are_all_valid(company, tmp_path, data):
    accounts = getattr(company, "_hypothesis_accounts", None) or _accounts_for_hypothesis()
    company._hypothesis_accounts = accounts
    rows = data.draw(sheet_rows(accounts))
    results = _write_and_validate(company, tmp_path, rows)
    assert [r.line for r in results] == list(range(2, len(rows) + 2))
    assert [r.errors for r in results] == [[]] * len(rows)
    for row, result in zip(rows, results, strict=True):
        assert result.amount == row["Valor"]
        assert result.interbank == (row["Cuenta interbancaria"] not in ("NO", "no", None))
        assert (result.account_id is not None) == (not result.interbank)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_one_mutated_field_gives_exactly_that_error(company, tmp_path, data):
    accounts = getattr(company, "_hypothesis_accounts", None) or _accounts_for_hypothesis()
    company._hypothesis_accounts = accounts
    rows = data.draw(sheet_rows(accounts))
    index = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    mutations = list(MUTATIONS)
    if rows[index]["Cuenta interbancaria"] in ("NO", "no", None):
        mutations.append(("# Cuenta", "4109999999999", "# Cuenta"))  # no such member account
    else:
        mutations.append(("Institución", "BANCO INVENTADO", "Institución"))
    field, value, column = data.draw(st.sampled_from(mutations))
    rows[index] = dict(rows[index], **{field: value})
    results = _write_and_validate(company, tmp_path, rows)
    assert [r.line for r, row in zip(results, rows, strict=True) if r.errors] == [index + 2]
    assert {e["column"] for e in results[index].errors} == {column}
    assert len(results[index].errors) == 1
