"""The bulk-payment sheet: the template the project hands out and the secure reader of what
comes back.

The reader trusts nothing in the file. Before openpyxl sees it, the zip is opened and every
member is decompressed once while the bytes that really come out are counted (the sizes a zip
declares are the attacker's to choose), with caps on the member count, each member, the total
and the compression ratio; macro-enabled workbooks and XML with a DOCTYPE or entities are
refused there. openpyxl then parses with defusedxml (installed, so it uses it), in read-only
streaming mode, and the rows are counted while they are read (the dimension a sheet declares
lies as easily as the zip's sizes).
"""

from __future__ import annotations

import os
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from defusedxml import DefusedXmlException
from django.conf import settings
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from common.refusal import Refusal
from common.spreadsheets import safe_cell, workbook_bytes

HEADERS = [
    "Identificación",
    "Tipo Identificación",
    "Nombres",
    "Email",
    "# Cuenta",
    "Tipo de Cuenta",
    "Valor",
    "Institución",
    "Cuenta interbancaria",
]
ID_TYPES = ["Cédula", "RUC", "Pasaporte"]
ACCOUNT_TYPES = ["Ahorros", "Corriente"]
YES_NO = ["SI", "NO"]
DATA_SHEET = "Nómina"
INSTRUCTIONS_SHEET = "Instrucciones"
# The template's drop-down lists live here, hidden; the only hidden sheet a file may have.
LISTS_SHEET = "Listas"

# What the archive may hold. A real payroll workbook has a dozen members, its sheet at 50,000
# rows is some 20 MB of XML and compresses 5-20 times.
MAX_MEMBERS = 200
MAX_MEMBER_BYTES = 200 * 1024 * 1024
MAX_TOTAL_BYTES = 300 * 1024 * 1024
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024  # below this many bytes out, a member's ratio is not judged
READ_CHUNK = 64 * 1024
MAX_TEXT = 300
# An xlsx never needs a DTD: these in any XML part mean an entity attack (billion laughs,
# external entities). defusedxml refuses them too; this refuses them before any parser runs.
FORBIDDEN_XML = (b"<!DOCTYPE", b"<!ENTITY")
XML_SUFFIXES = (".xml", ".rels", ".vml")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, or an .xlsx encrypted with a password


class SheetError(Refusal):
    """The file as a whole cannot be read; ``message`` says why, in Spanish, for the user."""


# --- The template ---------------------------------------------------------------------------


def _put(ws, row: int, column: int, value, *, bold: bool = False):
    """A text cell of a normal (not write-only) sheet, escaped like every text we write."""
    cell = ws.cell(row=row, column=column)
    cell.value = safe_cell(value)
    cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def _list_validation(values_formula: str, title: str, message: str) -> DataValidation:
    return DataValidation(
        type="list",
        formula1=values_formula,
        allow_blank=True,
        showDropDown=False,  # (sic) False shows the arrow
        showErrorMessage=True,
        errorTitle=title,
        error=message,
        showInputMessage=True,
        promptTitle=title,
        prompt=gettext("Elige un valor de la lista."),
    )


def template_instructions() -> list[tuple[str, str]]:
    max_rows = settings.PAYROLL_MAX_ROWS
    max_mb = settings.PAYROLL_MAX_BYTES / (1024 * 1024)
    return [
        (
            "Identificación",
            gettext(
                "Número de identificación del beneficiario: cédula (10 dígitos), RUC "
                "(13 dígitos) o pasaporte (5 a 20 letras o números). Escríbelo como texto para "
                "no perder el cero inicial."
            ),
        ),
        ("Tipo Identificación", gettext("Elige de la lista: Cédula, RUC o Pasaporte.")),
        (
            "Nombres",
            gettext(
                "Nombres y apellidos completos, solo letras y espacios. NO UTILICES ñ NI "
                "TILDES: si las escribes se reemplazan automáticamente (Peña → PENA) y verás "
                "un aviso."
            ),
        ),
        ("Email", gettext("Correo electrónico del beneficiario (opcional): recibe el aviso.")),
        (
            "# Cuenta",
            gettext(
                "Número de la cuenta a acreditar, de 5 a 20 dígitos. Si es de Cooprogreso, debe "
                "estar activa y ser del beneficiario de la identificación indicada."
            ),
        ),
        ("Tipo de Cuenta", gettext("Elige de la lista: Ahorros o Corriente.")),
        (
            "Valor",
            gettext(
                "Monto a acreditar, mayor que cero, con máximo 2 decimales y punto decimal "
                "(ej. 1250.50)."
            ),
        ),
        (
            "Institución",
            gettext(
                "Elige de la lista la institución financiera del beneficiario. Obligatoria "
                "solo para cuentas de otras instituciones (Cuenta interbancaria = SI)."
            ),
        ),
        (
            "Cuenta interbancaria",
            gettext("SI si la cuenta es de otra institución; NO (o vacío) si es de Cooprogreso."),
        ),
        ("", ""),
        (gettext("Límites"), ""),
        (
            gettext("Archivo"),
            gettext("Solo .xlsx (sin macros), de máximo {mb:g} MB.").format(mb=max_mb),
        ),
        (
            gettext("Filas"),
            gettext(
                "Máximo {rows} filas de beneficiarios, desde la fila 2 de la hoja {sheet}."
            ).format(rows=f"{max_rows:,}", sheet=DATA_SHEET),
        ),
        (
            gettext("Contenido"),
            gettext(
                "No cambies ni muevas los encabezados. No se admiten fórmulas, hojas ocultas "
                "ni textos de más de {n} caracteres por celda."
            ).format(n=MAX_TEXT),
        ),
        (
            gettext("Revisión"),
            gettext(
                "Al cargar el archivo verás cada fila con sus errores (fila y columna). Si el "
                "archivo se encuentra incorrecto no se podrá cargar."
            ),
        ),
    ]


def template_workbook() -> bytes:
    """The "Descargar plantilla" file: the headers, drop-downs for the closed lists and the
    instructions. The institutions are the active ones, other than the cooperative itself."""
    institutions = _template_institutions()
    wb = Workbook()
    ws = wb.active
    _template_data_sheet(ws)
    _template_lists_sheet(wb, institutions)
    _template_validations(ws, institutions)
    _template_instructions_sheet(wb)
    wb.active = 0
    return workbook_bytes(wb)


def _template_institutions() -> list[str]:
    from transfers.models import Institution

    return list(
        Institution.objects.filter(active=True, is_self=False)
        .order_by("name")
        .values_list("name", flat=True)
    )


def _template_data_sheet(ws) -> None:
    """The sheet the company fills: the headers, its column widths and formats."""
    ws.title = DATA_SHEET
    widths = [18, 20, 40, 32, 20, 16, 14, 44, 22]
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for column, (title, width) in enumerate(zip(HEADERS, widths, strict=True), start=1):
        cell = _put(ws, 1, column, title, bold=True)
        cell.fill = header_fill
        ws.column_dimensions[get_column_letter(column)].width = width
    # Identification and account numbers as text: Excel would drop a cédula's leading zero.
    for letter in ("A", "E"):
        ws.column_dimensions[letter].number_format = "@"
    ws.column_dimensions["G"].number_format = "0.00"
    ws.freeze_panes = "A2"


def _template_lists_sheet(wb, institutions: list[str]) -> None:
    """The hidden, protected sheet the institutions' drop-down reads."""
    lists = wb.create_sheet(LISTS_SHEET)
    _put(lists, 1, 1, "Institución", bold=True)
    for row, name in enumerate(institutions, start=2):
        _put(lists, row, 1, name)
    lists.column_dimensions["A"].width = 60
    lists.sheet_state = "hidden"
    lists.protection.sheet = True


def _template_validations(ws, institutions: list[str]) -> None:
    """The drop-downs of the closed lists and the amount's check, on every data row."""
    last_row = settings.PAYROLL_MAX_ROWS + 1
    column = {title: get_column_letter(i) for i, title in enumerate(HEADERS, start=1)}
    for validation, title in _template_checks(institutions):
        ws.add_data_validation(validation)
        validation.add(f"{column[title]}2:{column[title]}{last_row}")


def _template_checks(institutions: list[str]) -> list[tuple[DataValidation, str]]:
    checks = [
        (
            _list_validation(
                '"' + ",".join(ID_TYPES) + '"',
                gettext("Tipo Identificación"),
                gettext("Elige Cédula, RUC o Pasaporte."),
            ),
            "Tipo Identificación",
        ),
        (
            _list_validation(
                '"' + ",".join(ACCOUNT_TYPES) + '"',
                gettext("Tipo de Cuenta"),
                gettext("Elige Ahorros o Corriente."),
            ),
            "Tipo de Cuenta",
        ),
        (
            _list_validation(
                '"' + ",".join(YES_NO) + '"',
                gettext("Cuenta interbancaria"),
                gettext("Escribe SI o NO."),
            ),
            "Cuenta interbancaria",
        ),
    ]
    if institutions:
        # Inline lists are capped at 255 characters: the institutions are a range of "Listas".
        checks.append(
            (
                _list_validation(
                    f"'{LISTS_SHEET}'!$A$2:$A${len(institutions) + 1}",
                    gettext("Institución"),
                    gettext("Elige la institución de la lista."),
                ),
                "Institución",
            )
        )
    amount = DataValidation(
        type="decimal",
        operator="greaterThan",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=gettext("Valor"),
        error=gettext("El valor debe ser un número mayor que cero, con máximo 2 decimales."),
    )
    checks.append((amount, "Valor"))
    return checks


def _template_instructions_sheet(wb) -> None:
    """The "Instrucciones" sheet, second: what to write in each column and the file's limits."""
    help_ws = wb.create_sheet(INSTRUCTIONS_SHEET, index=1)
    _put(help_ws, 1, 1, gettext("Cómo llenar la plantilla de pago masivo"), bold=True)
    _put(help_ws, 2, 1, gettext("Columna"), bold=True)
    _put(help_ws, 2, 2, gettext("Qué escribir"), bold=True)
    for row, (title, text) in enumerate(template_instructions(), start=3):
        _put(help_ws, row, 1, title, bold=not text)
        cell = _put(help_ws, row, 2, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    help_ws.column_dimensions["A"].width = 24
    help_ws.column_dimensions["B"].width = 100


# --- The reader -----------------------------------------------------------------------------


def _not_xlsx() -> SheetError:
    return SheetError(gettext("El archivo no es un .xlsx válido."))


def _too_big() -> SheetError:
    return SheetError(
        gettext(
            "El archivo es demasiado grande al descomprimirlo o su compresión es sospechosa: "
            "no se procesó."
        )
    )


def _entities() -> SheetError:
    return SheetError(
        gettext("El archivo contiene definiciones XML no permitidas (DOCTYPE o entidades).")
    )


def _macros() -> SheetError:
    return SheetError(
        gettext(
            "El archivo contiene macros: guárdalo como «Libro de Excel (.xlsx)» sin macros y "
            "vuelve a cargarlo."
        )
    )


def _member_check(zf: zipfile.ZipFile, info: zipfile.ZipInfo, total: int) -> tuple[int, bytes]:
    """Decompress one member, counting what really comes out. Returns the bytes read and, for
    the content-types part, its text (small)."""
    name = info.filename
    sniff = name.lower().endswith(XML_SUFFIXES)
    keep = name == "[Content_Types].xml"
    kept = b""
    read = 0
    tail = b""
    ratio_base = max(info.compress_size, 1)
    with zf.open(info) as member:
        while True:
            chunk = member.read(READ_CHUNK)
            if not chunk:
                break
            read += len(chunk)
            if read > MAX_MEMBER_BYTES or total + read > MAX_TOTAL_BYTES:
                raise _too_big()
            if read > RATIO_FLOOR and read > MAX_RATIO * ratio_base:
                raise _too_big()
            if sniff:
                window = tail + chunk
                if any(marker in window for marker in FORBIDDEN_XML):
                    raise _entities()
                tail = window[-16:]
            if keep and len(kept) < 1024 * 1024:
                kept += chunk
    return read, kept


def archive_check(handle) -> None:
    """Open ``handle`` (a binary file) as a zip and refuse what no payroll sheet needs, before
    any XML parser touches it. Raises ``SheetError``."""
    _legacy_format_check(handle)
    try:
        zf = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _not_xlsx() from None
    with zf:
        infos = zf.infolist()
        _members_listed_check(infos)
        _members_content_check(zf, infos)


def _legacy_format_check(handle) -> None:
    handle.seek(0)
    magic = handle.read(8)
    handle.seek(0)
    if magic == OLE_MAGIC:
        raise SheetError(
            gettext(
                "El archivo es un .xls antiguo o está protegido con contraseña: guárdalo como "
                "«Libro de Excel (.xlsx)» sin contraseña."
            )
        )


def _members_listed_check(infos: list[zipfile.ZipInfo]) -> None:
    """What the zip's directory alone gives away: too many parts, no workbook, macros, a
    password."""
    if len(infos) > MAX_MEMBERS:
        raise SheetError(
            gettext("El archivo tiene demasiadas partes internas para ser una plantilla.")
        )
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _not_xlsx()
    for info in infos:
        base = info.filename.rsplit("/", 1)[-1].lower()
        if base.startswith("vbaproject") or (base.endswith(".bin") and "vba" in base):
            raise _macros()
        if info.flag_bits & 0x1:
            raise SheetError(
                gettext("El archivo está protegido con contraseña: guárdalo sin contraseña.")
            )


def _members_content_check(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Every member decompressed once, the bytes that come out counted against the caps."""
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        try:
            read, kept = _member_check(zf, info, total)
        except SheetError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
            # A bad CRC among them: what came out is not what the zip declared.
            raise _not_xlsx() from None
        except (NotImplementedError, RuntimeError):  # unknown compression, encryption
            raise _not_xlsx() from None
        total += read
        if kept and b"macroenabled" in kept.lower():
            raise _macros()


def _defused(error: BaseException | None) -> bool:
    """Whether defusedxml refused the XML behind ``error`` (openpyxl wraps what it meets)."""
    for _ in range(10):
        if error is None:
            return False
        if isinstance(error, DefusedXmlException):
            return True
        error = error.__cause__ or error.__context__
    return False


def _column_name(index: int) -> str:
    return HEADERS[index] if index < len(HEADERS) else get_column_letter(index + 1)


def _fold(text: str) -> str:
    """For comparing headers: no surrounding spaces, no case, no accents."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


HEADER_KEYS = [_fold(h) for h in HEADERS]


def _headers_check(values: list) -> None:
    found = [("" if v is None else str(v)).strip() for v in values]
    while found and not found[-1]:
        found.pop()
    keys = [_fold(v) for v in found]
    if keys == HEADER_KEYS:
        return
    missing = [h for h, k in zip(HEADERS, HEADER_KEYS, strict=True) if k not in keys]
    unexpected = [v for v, k in zip(found, keys, strict=True) if k and k not in HEADER_KEYS]
    parts = []
    if missing:
        parts.append(gettext("faltan {names}").format(names=", ".join(f"«{h}»" for h in missing)))
    if unexpected:
        parts.append(
            gettext("sobran {names}").format(names=", ".join(f"«{v[:40]}»" for v in unexpected))
        )
    if not parts:
        parts.append(
            gettext("deben ir en este orden, desde la columna A: {names}").format(
                names=", ".join(HEADERS)
            )
        )
    raise SheetError(
        gettext("Los encabezados no corresponden a la plantilla: {detail}.").format(
            detail="; ".join(parts)
        )
    )


def _value(value):
    """What a row holds: text stripped, numbers as Decimal, dates and booleans as they are."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, datetime | date | time | timedelta):
        return value
    return str(value).strip()


def read_rows(
    path, *, max_rows: int | None = None, max_bytes: int | None = None
) -> Iterator[tuple[int, dict]]:
    """Yield ``(line, {header: value})`` for each non-empty data row of the first visible sheet,
    ``line`` being the sheet's row number (2 for the first data row). Raises ``SheetError``,
    possibly after some rows (the file is streamed): a caller keeps nothing of a file that
    raised."""
    if max_rows is None:
        max_rows = settings.PAYROLL_MAX_ROWS
    if max_bytes is None:
        max_bytes = settings.PAYROLL_MAX_BYTES
    path = Path(path)
    if path.suffix.lower() in (".xlsm", ".xltm", ".xlam"):
        raise _macros()
    try:
        handle = path.open("rb")
    except OSError:
        raise SheetError(gettext("El archivo ya no está disponible: vuelve a cargarlo.")) from None
    with handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise SheetError(
                gettext("El archivo supera el tamaño máximo de {mb:g} MB.").format(
                    mb=max_bytes / (1024 * 1024)
                )
            )
        archive_check(handle)
        handle.seek(0)
        try:
            # A file object, not the path: openpyxl would refuse a name without .xlsx, and this
            # is the very file the checks above read.
            wb = load_workbook(handle, read_only=True, data_only=False, keep_links=False)
        except SheetError:
            raise
        except Exception as error:  # openpyxl raises whatever its parsers meet, often wrapped
            raise _entities() if _defused(error) else _not_xlsx() from None
        try:
            yield from _rows(wb, max_rows)
        finally:
            wb.close()


def _rows(wb, max_rows: int) -> Iterator[tuple[int, dict]]:
    ws = _data_sheet_of(wb)
    # The declared dimension (<dimension ref="A1:I10"/>) would cut rows and columns off.
    ws.reset_dimensions()
    data_rows = 0
    try:
        for line, cells in enumerate(ws.iter_rows(min_row=1), start=1):
            values = _cell_values(line, cells)
            if line == 1:
                _headers_check(values)
                continue
            if not any(v is not None and v != "" for v in values):
                continue
            _outside_columns_check(line, values)
            data_rows += 1
            if data_rows > max_rows:
                raise SheetError(
                    gettext("El archivo supera el máximo de {n} filas.").format(n=f"{max_rows:,}")
                )
            yield line, _row_dict(values)
    except SheetError:
        raise
    except DefusedXmlException:
        raise _entities() from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise _not_xlsx() from None
    except (InvalidFileException, KeyError, IndexError, ValueError, SyntaxError):
        # SyntaxError covers xml.etree's ParseError: a sheet that is not well-formed XML.
        raise _not_xlsx() from None
    if not data_rows:
        raise SheetError(
            gettext("La hoja no tiene filas con datos: llena la plantilla desde la fila 2.")
        )


def _data_sheet_of(wb):
    """The first visible sheet; a hidden one other than the template's lists is refused."""
    hidden = [
        ws.title
        for ws in [*wb.worksheets, *wb.chartsheets]
        if ws.sheet_state != "visible" and ws.title != LISTS_SHEET
    ]
    if hidden:
        raise SheetError(
            gettext(
                "El archivo tiene hojas ocultas ({names}): muéstralas o elimínalas y vuelve a "
                "cargarlo."
            ).format(names=", ".join(f"«{t[:31]}»" for t in hidden))
        )
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    if not visible:
        raise SheetError(gettext("El archivo no tiene ninguna hoja visible."))
    return visible[0]


def _cell_values(line: int, cells) -> list:
    """One sheet row's values (``_value``); a formula or an over-long text refuses the file."""
    values = []
    for index, cell in enumerate(cells):
        value = cell.value
        if value is None:
            values.append(None)
            continue
        if cell.data_type == "f":
            raise SheetError(
                gettext("Fila {line}, columna {column}: no se admiten fórmulas.").format(
                    line=line, column=_column_name(index)
                )
            )
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise SheetError(
                gettext(
                    "Fila {line}, columna {column}: el texto supera los {n} caracteres."
                ).format(line=line, column=_column_name(index), n=MAX_TEXT)
            )
        values.append(_value(value))
    return values


def _outside_columns_check(line: int, values: list) -> None:
    for index in range(len(HEADERS), len(values)):
        if values[index] is not None and values[index] != "":
            raise SheetError(
                gettext(
                    "Fila {line}, columna {column}: hay datos fuera de las columnas de la "
                    "plantilla."
                ).format(line=line, column=get_column_letter(index + 1))
            )


def _row_dict(values: list) -> dict:
    """``{header: value}``, a short row padded with ``None``."""
    width = len(HEADERS)
    if len(values) < width:
        values.extend([None] * (width - len(values)))
    return dict(zip(HEADERS, values[:width], strict=True))
