"""Every rule of a bulk-payment row, all errors of a row at once, each naming its column.

``validate_rows`` takes what ``sheets.read_rows`` yields and streams ``ValidatedRow``s back in
the same order. The database is asked once for the institutions and once per chunk of rows for
the member accounts they name: never once per row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from itertools import islice

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext
from stdnum.ec import ci, ruc

from accounts.models import Account, Product
from common.money_input import parse_amount
from common.spreadsheets import FORMULA_TRIGGERS
from transfers.models import Institution
from transfers.services.orders import ORIGIN_PRODUCTS

from ..models import PayrollRow
from .sheets import HEADERS

(
    C_IDENTIFICATION,
    C_ID_TYPE,
    C_NAME,
    C_EMAIL,
    C_ACCOUNT,
    C_ACCOUNT_TYPE,
    C_AMOUNT,
    C_INSTITUTION,
    C_INTERBANK,
) = HEADERS

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 12
NAME_MAX = PayrollRow._meta.get_field("name").max_length
NAME_RE = re.compile(r"[A-Z]+(?: [A-Z]+)*")
PASSPORT_RE = re.compile(r"[A-Z0-9]{5,20}")
ACCOUNT_RE = re.compile(r"[0-9]{5,20}")
_email = EmailValidator()
ACCOUNT_FIELDS = (
    "number",
    "pk",
    "product",
    "status",
    "owner_id",
    "owner__identification",
    "internal_code",
)


def _fold(text: str) -> str:
    """For matching list values: no case, no accents, single spaces."""
    decomposed = unicodedata.normalize("NFKD", " ".join(text.split()).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


ID_TYPES = {
    "cedula": PayrollRow.IdType.CEDULA.value,
    "ruc": PayrollRow.IdType.RUC.value,
    "pasaporte": PayrollRow.IdType.PASSPORT.value,
}
ACCOUNT_TYPES = {
    "ahorros": PayrollRow.AccountType.SAVINGS.value,
    "corriente": PayrollRow.AccountType.CHECKING.value,
}
YES_NO = {"si": True, "no": False}
# The leading zero Excel drops from a cédula or RUC typed as a number.
ID_LENGTHS = {PayrollRow.IdType.CEDULA.value: 10, PayrollRow.IdType.RUC.value: 13}


@dataclass(slots=True)
class ValidatedRow:
    """One sheet row as a ``PayrollRow`` would hold it, with its errors and warnings."""

    line: int
    identification: str = ""
    id_type: str = ""
    name: str = ""
    email: str = ""
    account_number: str = ""
    account_type: str = ""
    amount: Decimal | None = None
    institution_id: int | None = None
    interbank: bool = False
    account_id: int | None = None
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def error(self, column: str, message: str) -> None:
        self.errors.append({"column": column, "message": message})

    def warn(self, column: str, message: str) -> None:
        self.warnings.append({"column": column, "message": message})

    def has_error(self, column: str) -> bool:
        return any(e["column"] == column for e in self.errors)


@dataclass(slots=True)
class _Pending:
    """A row between its own checks and the ones that need the database."""

    row: ValidatedRow
    interbank_known: bool  # "Cuenta interbancaria" could be read
    institution_text: str
    number_from_excel: bool  # identification was a number cell


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "SI" if value else "NO"
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return str(int(value)) if abs(value) < Decimal(10) ** 30 else str(value)
        return str(value)
    return str(value).strip()


def _transliterate(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def _identification(p: _Pending, value) -> None:
    row = p.row
    text = _text(value).upper().replace(" ", "")
    if not text:
        row.error(C_IDENTIFICATION, gettext("La identificación es obligatoria."))
        return
    length = ID_LENGTHS.get(row.id_type)
    if length and p.number_from_excel and text.isdigit() and len(text) == length - 1:
        fixed = "0" + text
        row.warn(
            C_IDENTIFICATION,
            gettext("Se completó el cero inicial que Excel quitó: '{old}' → '{new}'.").format(
                old=text, new=fixed
            ),
        )
        text = fixed
    row.identification = text[:20]
    if row.id_type == PayrollRow.IdType.CEDULA and not ci.is_valid(text):
        row.error(
            C_IDENTIFICATION,
            gettext("La cédula no es válida: revisa los 10 dígitos y el dígito verificador."),
        )
    elif row.id_type == PayrollRow.IdType.RUC and not ruc.is_valid(text):
        row.error(
            C_IDENTIFICATION,
            gettext("El RUC no es válido: revisa los 13 dígitos y el dígito verificador."),
        )
    elif row.id_type == PayrollRow.IdType.PASSPORT and not PASSPORT_RE.fullmatch(text):
        row.error(
            C_IDENTIFICATION,
            gettext("El pasaporte debe tener de 5 a 20 letras o números, sin espacios ni signos."),
        )
    elif not row.id_type and len(text) > 20:
        row.error(C_IDENTIFICATION, gettext("La identificación no puede superar 20 caracteres."))


def _name(row: ValidatedRow, value) -> None:
    typed = " ".join(_text(value).split())
    if not typed:
        row.error(C_NAME, gettext("Los nombres son obligatorios."))
        return
    name = _transliterate(typed)
    if name != typed.upper():
        row.warn(
            C_NAME,
            gettext("Se reemplazaron tildes o ñ: '{old}' → '{new}'").format(old=typed, new=name),
        )
    row.name = name[:NAME_MAX]
    if not NAME_RE.fullmatch(name):
        odd = sorted({c for c in name if not ("A" <= c <= "Z" or c == " ")})
        row.error(
            C_NAME,
            gettext("Los nombres solo pueden tener letras y espacios: quita {chars}.").format(
                chars=", ".join(f"«{c}»" for c in odd[:5])
            ),
        )
    if len(name) > NAME_MAX:
        row.error(
            C_NAME,
            gettext("Los nombres no pueden superar {n} caracteres.").format(n=NAME_MAX),
        )


def _email_check(row: ValidatedRow, value) -> None:
    email = _text(value)
    if not email:
        return
    row.email = email[:254]
    try:
        _email(email)
    except ValidationError:
        row.error(C_EMAIL, gettext("El email no es válido (ej. nombre@dominio.com)."))


def _amount(row: ValidatedRow, value) -> None:
    if value is None or value == "":
        row.error(C_AMOUNT, gettext("El valor es obligatorio."))
        return
    if isinstance(value, datetime | date | time | timedelta):
        row.error(C_AMOUNT, gettext("El valor debe ser un número, no una fecha."))
        return
    if isinstance(value, bool):
        row.error(C_AMOUNT, gettext("El valor debe ser un número."))
        return
    if isinstance(value, str):
        # Read as every amount form reads one: "1_000", "1E2", "+5", "١٠٠" are not numbers here.
        try:
            value = parse_amount(value)
        except ValueError:
            row.error(
                C_AMOUNT,
                gettext(
                    "El valor debe ser un número con punto decimal y sin separador de miles "
                    "(ej. 1250.50)."
                ),
            )
            return
    if not isinstance(value, Decimal) or not value.is_finite():
        row.error(C_AMOUNT, gettext("El valor debe ser un número."))
        return
    if value <= 0:
        row.error(C_AMOUNT, gettext("El valor debe ser mayor que cero."))
        return
    if value > MAX_AMOUNT:
        row.error(C_AMOUNT, gettext("El valor no puede superar 1,000,000,000,000.00."))
        return
    try:
        cents = value.quantize(CENT)
    except InvalidOperation:
        cents = None
    if cents is None or cents != value:
        row.error(C_AMOUNT, gettext("El valor debe tener como máximo 2 decimales."))
        return
    row.amount = cents


def _row_own(line: int, data: dict) -> _Pending:
    """Everything that needs no database."""
    row = ValidatedRow(line=line)

    id_type = _text(data.get(C_ID_TYPE))
    if not id_type:
        row.error(C_ID_TYPE, gettext("El tipo de identificación es obligatorio."))
    elif (value := ID_TYPES.get(_fold(id_type))) is None:
        row.error(C_ID_TYPE, gettext("Elige Cédula, RUC o Pasaporte."))
    else:
        row.id_type = value

    raw_id = data.get(C_IDENTIFICATION)
    pending = _Pending(
        row=row,
        interbank_known=True,
        institution_text=_text(data.get(C_INSTITUTION)),
        number_from_excel=isinstance(raw_id, Decimal),
    )
    _identification(pending, raw_id)
    _name(row, data.get(C_NAME))
    _email_check(row, data.get(C_EMAIL))

    number = _text(data.get(C_ACCOUNT))
    row.account_number = number[:20]
    if not number:
        row.error(C_ACCOUNT, gettext("El número de cuenta es obligatorio."))
    elif not ACCOUNT_RE.fullmatch(number):
        row.error(C_ACCOUNT, gettext("El número de cuenta debe tener de 5 a 20 dígitos."))

    account_type = _text(data.get(C_ACCOUNT_TYPE))
    if not account_type:
        row.error(C_ACCOUNT_TYPE, gettext("El tipo de cuenta es obligatorio."))
    elif (value := ACCOUNT_TYPES.get(_fold(account_type))) is None:
        row.error(C_ACCOUNT_TYPE, gettext("Elige Ahorros o Corriente."))
    else:
        row.account_type = value

    _amount(row, data.get(C_AMOUNT))

    interbank = data.get(C_INTERBANK)
    if isinstance(interbank, bool):
        row.interbank = interbank
    elif (text := _text(interbank)) == "":
        row.interbank = False
    elif (value := YES_NO.get(_fold(text))) is None:
        row.error(C_INTERBANK, gettext("Escribe SI o NO."))
        pending.interbank_known = False
    else:
        row.interbank = value
    return pending


class _Institutions:
    """The active institutions, by folded name and by code (one query for the whole file)."""

    def __init__(self):
        self.by_key: dict[str, tuple[int, bool]] = {}
        self.self_id: int | None = None
        for pk, code, name, is_self in Institution.objects.filter(active=True).values_list(
            "pk", "code", "name", "is_self"
        ):
            entry = (pk, is_self)
            self.by_key.setdefault(_fold(name), entry)
            self.by_key.setdefault(code.strip().casefold(), entry)
            if code.isdigit():
                self.by_key.setdefault(code.lstrip("0") or "0", entry)
            if is_self and self.self_id is None:
                self.self_id = pk

    def find(self, text: str) -> tuple[int, bool] | None:
        if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
            text = text[1:]  # a name the template wrote escaped (safe_cell)
        key = _fold(text)
        found = self.by_key.get(key)
        if found is None and key.isdigit():
            found = self.by_key.get(key.lstrip("0") or "0")
        return found


def _institution(p: _Pending, institutions: _Institutions) -> None:
    row, text = p.row, p.institution_text
    if not p.interbank_known:
        return
    found = institutions.find(text) if text else None
    if row.interbank:
        if not text:
            row.error(
                C_INSTITUTION,
                gettext("La institución es obligatoria para cuentas de otras instituciones."),
            )
        elif found is None:
            row.error(
                C_INSTITUTION,
                gettext("La institución no existe o no está activa: elígela de la lista."),
            )
        elif found[1]:
            row.error(
                C_INSTITUTION,
                gettext(
                    "Para cuentas de Cooprogreso escribe NO en Cuenta interbancaria "
                    "(no es otra institución)."
                ),
            )
        else:
            row.institution_id = found[0]
    else:
        if found is not None and not found[1]:
            row.error(
                C_INTERBANK,
                gettext("La cuenta es de otra institución: escribe SI en Cuenta interbancaria."),
            )
        row.institution_id = institutions.self_id


def _accounts_for(numbers: set[str]) -> dict[str, tuple]:
    if not numbers:
        return {}
    return {
        values[0]: values
        for values in Account.objects.filter(number__in=numbers).values_list(
            "number",
            "pk",
            "product",
            "status",
            "owner_id",
            "owner__identification",
            "internal_code",
        )
    }


def _member_account(row: ValidatedRow, found: tuple | None, company_member_id) -> None:
    if found is None or found[6] is not None:
        row.error(C_ACCOUNT, gettext("La cuenta no existe en Cooprogreso."))
        return
    _number, pk, product, status, owner_id, owner_identification, _internal = found
    if product not in ORIGIN_PRODUCTS:
        row.error(C_ACCOUNT, gettext("Esa cuenta no puede recibir pagos."))
        return
    if status != Account.Status.ACTIVE:
        row.error(C_ACCOUNT, gettext("La cuenta no está activa."))
        return
    if owner_id == company_member_id:
        row.error(
            C_ACCOUNT, gettext("La cuenta es de la propia empresa: no puede recibir el pago.")
        )
        return
    if (
        row.identification
        and not row.has_error(C_IDENTIFICATION)
        and owner_identification.strip().upper() != row.identification
    ):
        row.error(C_ACCOUNT, gettext("La cuenta no pertenece a la identificación indicada."))
        return
    row.account_id = pk
    kind = (
        PayrollRow.AccountType.CHECKING
        if product == Product.CHECKING
        else PayrollRow.AccountType.SAVINGS
    )
    if row.account_type and row.account_type != kind:
        row.warn(
            C_ACCOUNT_TYPE,
            gettext("La cuenta es de {kind}: se acreditará igual.").format(kind=kind.label.lower()),
        )


def validate_rows(
    rows: Iterable[tuple[int, dict]], *, company_member, chunk: int = 1000
) -> Iterator[ValidatedRow]:
    """The rows of ``rows`` (``(line, {header: value})``) checked, in order. ``company_member``
    is the paying company's Member: its own accounts cannot be paid."""
    company_member_id = getattr(company_member, "pk", company_member)
    institutions = _Institutions()
    seen: dict[str, int] = {}  # "identification|account|amount" → first line
    iterator = iter(rows)
    while True:
        block = [_row_own(line, data) for line, data in islice(iterator, chunk)]
        if not block:
            return
        wanted = {
            p.row.account_number
            for p in block
            if p.interbank_known and not p.row.interbank and not p.row.has_error(C_ACCOUNT)
        }
        accounts = _accounts_for(wanted)
        for p in block:
            row = p.row
            _institution(p, institutions)
            if row.account_number in wanted and p.interbank_known and not row.interbank:
                _member_account(row, accounts.get(row.account_number), company_member_id)
            if row.identification and row.account_number and row.amount is not None:
                key = f"{row.identification}|{row.account_number}|{row.amount}"
                first = seen.setdefault(key, row.line)
                if first != row.line:
                    row.error(
                        C_IDENTIFICATION,
                        gettext(
                            "Fila repetida: la fila {line} tiene la misma identificación, "
                            "cuenta y valor."
                        ).format(line=first),
                    )
            yield row
