"""The bulk-payment template and the secure sheet reader: every malformed file is refused with a
clear Spanish message before anything of it is used."""

from __future__ import annotations

import io
import time
import zipfile
import zlib
from datetime import datetime
from decimal import Decimal

import defusedxml
import openpyxl
import pytest
from openpyxl.xml import functions as openpyxl_xml

from payroll.services import sheets
from payroll.services.sheets import HEADERS, SheetError, read_rows, template_workbook
from tests.payroll.sheet_builders import (
    SHEET_XML,
    member_read,
    reload,
    rezip,
    sheet_xml_edit,
    write,
    write_xlsx,
    xlsx_bytes,
)
from transfers.models import Institution

NOT_XLSX = "El archivo no es un .xlsx válido."
ROW = ["1710034065", "Cédula", "ANA PEREZ", "", "41020000001", "Ahorros", 10, "", "NO"]


def refusal(path, **kwargs) -> str:
    with pytest.raises(SheetError) as caught:
        list(read_rows(path, **kwargs))
    return caught.value.message


# --- defusedxml ------------------------------------------------------------------------------


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True
    assert openpyxl_xml.iterparse.__module__.startswith("defusedxml")


# --- The template ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_template_has_the_headers_bold_and_sized():
    wb = reload(template_workbook())
    assert wb.sheetnames == ["Nómina", "Instrucciones", "Listas"]
    ws = wb["Nómina"]
    assert [c.value for c in ws[1]] == HEADERS
    assert all(c.font.b for c in ws[1])
    assert ws.column_dimensions["C"].width >= 30
    assert ws.freeze_panes == "A2"


@pytest.mark.django_db
def test_template_has_drop_downs_for_the_closed_lists(settings):
    settings.PAYROLL_MAX_ROWS = 500
    Institution.objects.create(code="0999", name="BANCO CERRADO S.A.", active=False)
    wb = reload(template_workbook())
    validations = {
        str(dv.sqref): (dv.type, dv.formula1) for dv in wb["Nómina"].data_validations.dataValidation
    }
    assert validations["B2:B501"] == ("list", '"Cédula,RUC,Pasaporte"')
    assert validations["F2:F501"] == ("list", '"Ahorros,Corriente"')
    assert validations["I2:I501"] == ("list", '"SI,NO"')
    assert validations["G2:G501"] == ("decimal", "0")
    kind, source = validations["H2:H501"]
    expected = list(
        Institution.objects.filter(active=True, is_self=False)
        .order_by("name")
        .values_list("name", flat=True)
    )
    assert len(",".join(expected)) > 255  # why the list is a range and not inline
    assert (kind, source) == ("list", f"'Listas'!$A$2:$A${len(expected) + 1}")
    lists = wb["Listas"]
    assert lists.sheet_state == "hidden"
    assert lists.protection.sheet
    names = [c.value for (c,) in lists.iter_rows(min_row=2, max_col=1)]
    assert names == expected
    assert "BANCO CERRADO S.A." not in names
    assert not any("COOPROGRESO" in n for n in names)


@pytest.mark.django_db
def test_template_explains_each_column_and_the_limits():
    wb = reload(template_workbook())
    ws = wb["Instrucciones"]
    texts = [c.value or "" for row in ws.iter_rows() for c in row]
    for header in HEADERS:
        assert header in texts
    everything = "\n".join(texts)
    for phrase in ("10 MB", "50,000 filas", "NO UTILICES ñ NI TILDES", "2 decimales", "fórmulas"):
        assert phrase in everything


@pytest.mark.django_db
def test_template_escapes_text_that_would_become_a_formula():
    Institution.objects.create(code="0666", name='=HYPERLINK("http://x.example","y")')
    wb = reload(template_workbook())
    cells = [c for (c,) in wb["Listas"].iter_rows(min_row=2, max_col=1)]
    evil = next(c for c in cells if "HYPERLINK" in c.value)
    assert evil.data_type == "s"
    assert evil.value.startswith("'=")


@pytest.mark.django_db
def test_template_reloaded_reads_back_as_headers_only(tmp_path):
    path = write(tmp_path / "plantilla.xlsx", template_workbook())
    # No rows yet: the template itself is an empty sheet, not a malformed one.
    assert "no tiene filas con datos" in refusal(path)


# --- Reading ---------------------------------------------------------------------------------


def test_it_reads_rows_with_their_sheet_lines_and_typed_values(tmp_path):
    when = datetime(2026, 1, 31, 0, 0)
    path = write_xlsx(
        tmp_path / "n.xlsx",
        [
            ["  1710034065 ", "Cédula", " Ana  ", None, 41020000001, "Ahorros", 10.1, None, "NO"],
            [None] * 9,  # an empty row is skipped, the next keeps its line number
            ["", "", "", "", "", "", "", "", "   "],
            ["0912345678", "RUC", "B", "b@x.ec", "5", "Corriente", 7, "X", True],
            ["1", "", "", "", "", "", when, "", ""],
        ],
    )
    rows = list(read_rows(path))
    assert [line for line, _ in rows] == [2, 5, 6]
    first = rows[0][1]
    assert first["Identificación"] == "1710034065"
    assert first["Nombres"] == "Ana"
    assert first["# Cuenta"] == Decimal("41020000001")
    assert first["Valor"] == Decimal("10.1")
    assert isinstance(first["Valor"], Decimal)
    assert first["Email"] is None
    assert rows[1][1]["Valor"] == Decimal(7)
    assert rows[1][1]["Cuenta interbancaria"] is True
    assert rows[2][1]["Valor"] == when  # kept: validation refuses a date as an amount
    assert list(rows[0][1]) == HEADERS


def test_headers_ignore_surrounding_spaces_and_case(tmp_path):
    headers = [f"  {h.upper()} " for h in HEADERS]
    path = write_xlsx(tmp_path / "n.xlsx", [ROW], headers=headers)
    assert len(list(read_rows(path))) == 1


def test_the_reader_is_a_stream(tmp_path):
    path = write_xlsx(tmp_path / "n.xlsx", [ROW] * 50)
    rows = read_rows(path)
    assert next(rows)[0] == 2
    rows.close()  # the workbook is closed with the generator


def test_a_file_not_ending_in_xlsx_is_still_read(tmp_path):
    # The upload is stored under a name of the project's; openpyxl alone would refuse it.
    path = write_xlsx(tmp_path / "upload.bin", [ROW])
    assert len(list(read_rows(path))) == 1


# --- Not an xlsx -----------------------------------------------------------------------------


def test_a_renamed_csv_is_refused(tmp_path):
    path = write(
        tmp_path / "nomina.xlsx", ("\n".join(",".join(HEADERS) for _ in range(3))).encode()
    )
    assert refusal(path) == NOT_XLSX


def test_a_truncated_xlsx_is_refused(tmp_path):
    data = xlsx_bytes([ROW])
    assert refusal(write(tmp_path / "n.xlsx", data[: len(data) // 2])) == NOT_XLSX


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("hola.txt", "hola")
    assert refusal(write(tmp_path / "n.xlsx", buffer.getvalue())) == NOT_XLSX


def test_an_old_xls_or_password_protected_file_is_refused(tmp_path):
    path = write(tmp_path / "n.xlsx", sheets.OLE_MAGIC + b"\0" * 600)
    assert "protegido con contraseña" in refusal(path)


def test_a_missing_file_is_reported(tmp_path):
    assert "ya no está disponible" in refusal(tmp_path / "gone.xlsx")


def test_a_file_over_the_size_limit_is_refused(tmp_path, settings):
    settings.PAYROLL_MAX_BYTES = 1024 * 1024
    path = write(tmp_path / "n.xlsx", b"x" * (1024 * 1024 + 1))
    assert refusal(path) == "El archivo supera el tamaño máximo de 1 MB."


def test_the_size_limit_message_states_megabytes(tmp_path):
    path = write(tmp_path / "n.xlsx", b"x" * (2 * 1024 * 1024 + 1))
    assert refusal(path, max_bytes=2 * 1024 * 1024) == (
        "El archivo supera el tamaño máximo de 2 MB."
    )


# --- Macros ----------------------------------------------------------------------------------

MACROS = "El archivo contiene macros"


def test_an_xlsm_is_refused_by_its_name(tmp_path):
    path = write_xlsx(tmp_path / "nomina.xlsm", [ROW])
    assert refusal(path).startswith(MACROS)


def test_a_workbook_with_a_vba_project_is_refused(tmp_path):
    data = rezip(xlsx_bytes([ROW]), add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})
    assert refusal(write(tmp_path / "nomina.xlsx", data)).startswith(MACROS)


def test_a_macro_enabled_content_type_is_refused(tmp_path):
    data = xlsx_bytes([ROW])
    types = member_read(data, "[Content_Types].xml").replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    assert b"macroEnabled" in types
    data = rezip(data, replace={"[Content_Types].xml": types})
    assert refusal(write(tmp_path / "nomina.xlsx", data)).startswith(MACROS)


# --- Zip bombs -------------------------------------------------------------------------------

TOO_BIG = "El archivo es demasiado grande al descomprimirlo o su compresión es sospechosa"


def _with_zeros(data: bytes, name: str, size: int, *, declare: int | None = None, crc=None):
    """``data`` plus a member of ``size`` zero bytes (deflated: about a thousandth of that).
    ``declare`` lies about its uncompressed size in the central directory."""
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as zf:
        with zf.open(name, "w") as member:
            block = bytes(1024 * 1024)
            for _ in range(size // len(block)):
                member.write(block)
        if declare is not None:
            info = zf.getinfo(name)
            info.file_size = declare
            if crc is not None:
                info.CRC = crc
    return buffer.getvalue()


def test_a_zip_bomb_is_stopped_by_its_compression_ratio(tmp_path):
    data = _with_zeros(xlsx_bytes([ROW]), "xl/media/pad.bin", 256 * 1024 * 1024)
    assert len(data) < 1024 * 1024  # a quarter of a gigabyte in under a megabyte
    path = write(tmp_path / "bomb.xlsx", data)
    started = time.monotonic()
    assert refusal(path).startswith(TOO_BIG)
    assert time.monotonic() - started < 5  # stopped long before the 256 MB came out


def test_a_member_over_its_size_cap_is_stopped_while_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(sheets, "MAX_RATIO", 10**9)  # only the size cap can stop it
    monkeypatch.setattr(sheets, "MAX_MEMBER_BYTES", 4 * 1024 * 1024)
    data = _with_zeros(xlsx_bytes([ROW]), "xl/media/pad.bin", 6 * 1024 * 1024)
    assert refusal(write(tmp_path / "bomb.xlsx", data)).startswith(TOO_BIG)


def test_the_total_uncompressed_size_is_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(sheets, "MAX_RATIO", 10**9)
    monkeypatch.setattr(sheets, "MAX_TOTAL_BYTES", 5 * 1024 * 1024)
    data = _with_zeros(xlsx_bytes([ROW]), "xl/media/a.bin", 3 * 1024 * 1024)
    data = _with_zeros(data, "xl/media/b.bin", 3 * 1024 * 1024)
    assert refusal(write(tmp_path / "bomb.xlsx", data)).startswith(TOO_BIG)


def test_a_bomb_declaring_a_small_size_is_refused(tmp_path):
    # The central directory says 1,000 bytes; the deflated stream holds 64 MB of zeros and the
    # CRC of all of them. What comes out is counted, not declared: it stops at the declared size
    # and the CRC no longer matches.
    data = _with_zeros(xlsx_bytes([ROW]), "xl/media/pad.bin", 64 * 1024 * 1024, declare=1000)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/media/pad.bin").file_size == 1000
    assert refusal(write(tmp_path / "bomb.xlsx", data)) == NOT_XLSX


def test_a_bomb_declaring_a_small_size_is_never_expanded(tmp_path, monkeypatch):
    # Same lie with a CRC that matches the first 1,000 bytes: nothing past them is ever read
    # (by the checks or by openpyxl), so the file is just a workbook with a small extra part.
    data = _with_zeros(
        xlsx_bytes([ROW]),
        "xl/media/pad.bin",
        64 * 1024 * 1024,
        declare=1000,
        crc=zlib.crc32(bytes(1000)),
    )
    seen = {}
    original = sheets._member_check

    def spy(zf, info, total):
        read, kept = original(zf, info, total)
        seen[info.filename] = read
        return read, kept

    monkeypatch.setattr(sheets, "_member_check", spy)
    assert len(list(read_rows(write(tmp_path / "bomb.xlsx", data)))) == 1
    assert seen["xl/media/pad.bin"] == 1000


def test_too_many_members_are_refused(tmp_path):
    data = rezip(xlsx_bytes([ROW]), add={f"xl/media/p{i}.png": b"x" for i in range(250)})
    assert "demasiadas partes internas" in refusal(write(tmp_path / "n.xlsx", data))


# --- XML entity attacks ----------------------------------------------------------------------

ENTITIES = "El archivo contiene definiciones XML no permitidas (DOCTYPE o entidades)."
LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
)
SST = (
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="9" '
    'uniqueCount="9">' + "<si><t>&lol9;</t></si>" * 9 + "</sst>"
)


SST_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)


def _laughing_shared_strings() -> bytes:
    """A workbook whose shared strings (the table Excel keeps every text in) are the attack.
    openpyxl writes inline strings, so the part and its content type are added."""
    data = xlsx_bytes([ROW])
    types = (
        member_read(data, "[Content_Types].xml").decode().replace("</Types>", SST_TYPE + "</Types>")
    )
    return rezip(
        data,
        replace={"[Content_Types].xml": types.encode()},
        add={"xl/sharedStrings.xml": (LAUGHS + SST).encode()},
    )


def test_billion_laughs_in_shared_strings_is_refused(tmp_path):
    path = write(tmp_path / "lol.xlsx", _laughing_shared_strings())
    assert refusal(path) == ENTITIES


def test_billion_laughs_is_refused_by_defusedxml_too(tmp_path, monkeypatch):
    # Without the project's own check, openpyxl's parser (defusedxml) still refuses the DTD:
    # nothing is expanded, and the user gets the same message.
    monkeypatch.setattr(sheets, "FORBIDDEN_XML", ())
    path = write(tmp_path / "lol.xlsx", _laughing_shared_strings())
    with pytest.raises(ValueError) as caught:  # openpyxl wraps what its parser raised
        openpyxl.load_workbook(path, read_only=True)
    assert isinstance(caught.value.__cause__, defusedxml.EntitiesForbidden)
    started = time.monotonic()
    assert refusal(path) == ENTITIES
    assert time.monotonic() - started < 2


def test_an_entity_in_the_sheet_xml_is_refused(tmp_path, monkeypatch):
    data = xlsx_bytes([ROW])
    xml = member_read(data, SHEET_XML).decode()
    body = xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml
    attack = (
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + body
    )
    attack = attack.replace("<v>10</v>", "<v>&xxe;</v>")
    data = rezip(data, replace={SHEET_XML: attack.encode()})
    path = write(tmp_path / "xxe.xlsx", data)
    assert refusal(path) == ENTITIES
    monkeypatch.setattr(sheets, "FORBIDDEN_XML", ())
    assert refusal(path) == ENTITIES  # the sheet is parsed while streaming: still defused


def test_a_doctype_split_across_read_chunks_is_found(tmp_path, monkeypatch):
    monkeypatch.setattr(sheets, "READ_CHUNK", 7)
    path = write(tmp_path / "lol.xlsx", _laughing_shared_strings())
    assert refusal(path) == ENTITIES


# --- Headers and empty sheets ----------------------------------------------------------------


def test_wrong_headers_are_named(tmp_path):
    headers = [*HEADERS[:4], "Cuenta", *HEADERS[5:], "Observaciones"]
    path = write_xlsx(tmp_path / "n.xlsx", [ROW], headers=headers)
    assert refusal(path) == (
        "Los encabezados no corresponden a la plantilla: faltan «# Cuenta»; "
        "sobran «Cuenta», «Observaciones»."
    )


def test_missing_headers_are_named(tmp_path):
    path = write_xlsx(tmp_path / "n.xlsx", [ROW[:7]], headers=HEADERS[:7])
    assert refusal(path) == (
        "Los encabezados no corresponden a la plantilla: faltan «Institución», "
        "«Cuenta interbancaria»."
    )


def test_headers_in_another_order_are_refused(tmp_path):
    headers = [HEADERS[1], HEADERS[0], *HEADERS[2:]]
    path = write_xlsx(tmp_path / "n.xlsx", [ROW], headers=headers)
    assert refusal(path).startswith(
        "Los encabezados no corresponden a la plantilla: deben ir en este orden"
    )


def test_a_sheet_without_a_header_row_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "n.xlsx", [[None] * 9, HEADERS, ROW], headers=None)
    assert refusal(path).startswith("Los encabezados no corresponden a la plantilla: faltan")


def test_a_sheet_with_only_headers_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "n.xlsx", [[None] * 9, [""] * 9])
    assert refusal(path) == "La hoja no tiene filas con datos: llena la plantilla desde la fila 2."


def test_an_empty_sheet_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "n.xlsx", [], headers=None)
    assert refusal(path) == "La hoja no tiene filas con datos: llena la plantilla desde la fila 2."


# --- Hidden sheets ---------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_hidden_sheets_are_refused(tmp_path, state):
    def setup(wb):
        secret = wb.create_sheet("Secreta")
        secret.append(["1"])
        secret.sheet_state = state

    path = write_xlsx(tmp_path / "n.xlsx", [ROW], setup=setup)
    assert refusal(path) == (
        "El archivo tiene hojas ocultas («Secreta»): muéstralas o elimínalas y vuelve a cargarlo."
    )


def test_a_hidden_first_sheet_is_refused_not_skipped(tmp_path):
    def setup(wb):
        wb.active.sheet_state = "hidden"
        visible = wb.create_sheet("Otra")
        visible.append(HEADERS)
        wb.active = 1

    path = write_xlsx(tmp_path / "n.xlsx", [ROW], setup=setup)
    assert "hojas ocultas («Nómina»)" in refusal(path)


def test_the_first_visible_sheet_is_read(tmp_path):
    def setup(wb):
        other = wb.create_sheet("Notas")
        other.append(["esto no se lee"])

    path = write_xlsx(tmp_path / "n.xlsx", [ROW], setup=setup)
    assert [line for line, _ in read_rows(path)] == [2]


# --- Formulas, huge strings, stray data ------------------------------------------------------


def test_a_formula_in_an_amount_is_refused_with_row_and_column(tmp_path):
    def setup(wb):
        wb.active["G3"] = "=SUM(1,2)"

    path = write_xlsx(tmp_path / "n.xlsx", [ROW, ROW], setup=setup)
    assert refusal(path) == "Fila 3, columna Valor: no se admiten fórmulas."


def test_a_formula_in_an_account_is_refused(tmp_path):
    def setup(wb):
        wb.active["E2"] = '=HYPERLINK("http://x.example","41020000001")'

    path = write_xlsx(tmp_path / "n.xlsx", [ROW], setup=setup)
    assert refusal(path) == "Fila 2, columna # Cuenta: no se admiten fórmulas."


def test_a_formula_anywhere_is_refused(tmp_path):
    def setup(wb):
        wb.active["L2"] = "=1+1"
        wb.active["C1"] = '="Nom"&"bres"'

    path = write_xlsx(tmp_path / "n.xlsx", [ROW], setup=setup)
    assert refusal(path) == "Fila 1, columna Nombres: no se admiten fórmulas."


def test_a_formula_with_a_cached_text_value_is_still_refused(tmp_path):
    # Excel stores the last result beside the formula: it is the formula that is refused.
    data = sheet_xml_edit(
        xlsx_bytes([ROW]),
        r'<c r="G2"([^>]*)><v>10</v></c>',
        r'<c r="G2"\1><f>A2*0+10</f><v>10</v></c>',
    )
    path = write(tmp_path / "n.xlsx", data)
    assert refusal(path) == "Fila 2, columna Valor: no se admiten fórmulas."


def test_a_huge_string_is_refused_with_row_and_column(tmp_path):
    row = list(ROW)
    row[2] = "A" * 301
    path = write_xlsx(tmp_path / "n.xlsx", [ROW, row])
    assert refusal(path) == "Fila 3, columna Nombres: el texto supera los 300 caracteres."


def test_three_hundred_characters_are_accepted(tmp_path):
    row = list(ROW)
    row[2] = "A" * 300
    path = write_xlsx(tmp_path / "n.xlsx", [row])
    ((_line, values),) = read_rows(path)
    assert len(values["Nombres"]) == 300


def test_data_beyond_the_template_columns_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "n.xlsx", [[*ROW, "", "extra"]])
    assert refusal(path) == ("Fila 2, columna K: hay datos fuera de las columnas de la plantilla.")


# --- Row limit -------------------------------------------------------------------------------


def test_the_row_limit_is_enforced_while_reading(tmp_path):
    path = write_xlsx(tmp_path / "n.xlsx", [ROW] * 4)
    assert len(list(read_rows(path, max_rows=4))) == 4
    assert refusal(path, max_rows=3) == "El archivo supera el máximo de 3 filas."


def test_the_row_limit_comes_from_the_settings(tmp_path, settings):
    settings.PAYROLL_MAX_ROWS = 2
    path = write_xlsx(tmp_path / "n.xlsx", [ROW] * 3)
    assert refusal(path) == "El archivo supera el máximo de 2 filas."


def test_the_row_limit_message_uses_thousands_separators(tmp_path):
    path = write_xlsx(tmp_path / "n.xlsx", [ROW] * 1001)
    assert refusal(path, max_rows=1000) == "El archivo supera el máximo de 1,000 filas."


def test_a_lying_dimension_does_not_hide_rows(tmp_path):
    # The sheet declares A1:I2 (one data row) and holds five: all are read and counted.
    data = sheet_xml_edit(
        xlsx_bytes([ROW] * 5), r'<dimension ref="[^"]*" ?/>', '<dimension ref="A1:I2"/>'
    )
    path = write(tmp_path / "n.xlsx", data)
    assert [line for line, _ in read_rows(path)] == [2, 3, 4, 5, 6]
    assert refusal(path, max_rows=3) == "El archivo supera el máximo de 3 filas."


def test_a_lying_dimension_does_not_hide_columns(tmp_path):
    def setup(wb):
        wb.active["M2"] = "=1+1"

    data = sheet_xml_edit(
        xlsx_bytes([ROW], setup=setup), r'<dimension ref="[^"]*" ?/>', '<dimension ref="A1:B2"/>'
    )
    path = write(tmp_path / "n.xlsx", data)
    assert refusal(path) == "Fila 2, columna M: no se admiten fórmulas."


def test_malformed_sheet_xml_is_refused(tmp_path):
    data = sheet_xml_edit(xlsx_bytes([ROW] * 3), r"</sheetData>", "<row><c>")
    assert refusal(write(tmp_path / "n.xlsx", data)) == NOT_XLSX
