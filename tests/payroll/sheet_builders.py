"""Sheets the payroll tests write: well-formed ones through openpyxl, malformed ones by editing
the zip by hand."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook

from accounts.models import Account, Product
from payroll.services.sheets import HEADERS
from tests.factories import AccountFactory, MemberFactory

SHEET_XML = "xl/worksheets/sheet1.xml"


def xlsx_bytes(rows, *, headers=HEADERS, setup=None) -> bytes:
    """A workbook whose first sheet has ``headers`` and ``rows`` (lists or dicts by header)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Nómina"
    if headers is not None:
        ws.append(list(headers))
    for row in rows:
        ws.append([row.get(h) for h in HEADERS] if isinstance(row, dict) else list(row))
    if setup:
        setup(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def write_xlsx(path: Path, rows, **kwargs) -> Path:
    return write(path, xlsx_bytes(rows, **kwargs))


def rezip(data: bytes, *, replace=None, add=None, drop=()) -> bytes:
    """The same archive with members replaced, added or dropped."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            if info.filename in drop:
                continue
            body = replace.get(info.filename, None)
            dst.writestr(info.filename, src.read(info) if body is None else body)
        for name, body in add.items():
            dst.writestr(name, body)
    return out.getvalue()


def member_read(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name)


def sheet_xml_edit(data: bytes, pattern: str, replacement: str) -> bytes:
    xml = member_read(data, SHEET_XML).decode()
    edited, n = re.subn(pattern, replacement, xml, count=1)
    assert n == 1, pattern
    return rezip(data, replace={SHEET_XML: edited.encode()})


def payee(*, identification=None, product=Product.SAVINGS, status=Account.Status.ACTIVE):
    kwargs = {"identification": identification} if identification else {}
    member = MemberFactory(**kwargs)
    return AccountFactory(owner=member, product=product, status=status)


def internal_row(account, amount="125.50", **changes) -> dict:
    row = {
        "Identificación": account.owner.identification,
        "Tipo Identificación": "Cédula",
        "Nombres": "MARIA JOSE PEREZ",
        "Email": "maria@example.com",
        "# Cuenta": account.number,
        "Tipo de Cuenta": "Ahorros",
        "Valor": Decimal(amount),
        "Institución": None,
        "Cuenta interbancaria": "NO",
    }
    row.update(changes)
    return row


def interbank_row(identification, institution="BANCO PICHINCHA C.A.", **changes) -> dict:
    row = {
        "Identificación": identification,
        "Tipo Identificación": "Cédula",
        "Nombres": "LUIS ALFONSO GUAMAN",
        "Email": None,
        "# Cuenta": "2200123456",
        "Tipo de Cuenta": "Corriente",
        "Valor": Decimal("80.00"),
        "Institución": institution,
        "Cuenta interbancaria": "SI",
    }
    row.update(changes)
    return row


def reload(data: bytes, **kwargs):
    return load_workbook(io.BytesIO(data), **kwargs)
