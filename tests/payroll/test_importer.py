"""The import task: a sheet becomes the batch's rows a chunk at a time, with its counts and state;
a bad file leaves nothing behind; the upload is always deleted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from payroll.models import PayrollBatch, PayrollRow
from payroll.services import importer
from payroll.tasks import payroll_import
from tests.factories import valid_cedula
from tests.payroll.sheet_builders import (
    interbank_row,
    internal_row,
    payee,
    write,
    write_xlsx,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db
Status = PayrollBatch.Status


def new_batch(company, path) -> PayrollBatch:
    return PayrollBatch.objects.create(
        company=company,
        name="PAGO ENERO",
        source_name="nomina.xlsx",
        source_path=str(path),
        created_by=company.maker,
    )


def fresh(batch) -> PayrollBatch:
    return PayrollBatch.objects.get(pk=batch.pk)


def many_rows(n: int, start: int = 0) -> list[dict]:
    return [
        interbank_row(valid_cedula(start + i), Valor=Decimal(i + 1).scaleb(-2) + 1)
        for i in range(n)
    ]


def test_a_valid_sheet_is_imported(company, tmp_path):
    account = payee()
    path = write_xlsx(
        tmp_path / "up.xlsx",
        [
            internal_row(account, amount="100.10", Nombres="Ana Peña"),
            interbank_row(valid_cedula(77), Valor=Decimal("50.00")),
        ],
    )
    batch = new_batch(company, path)
    importer.batch_import(batch_id=batch.pk)
    batch = fresh(batch)
    assert batch.status == Status.VALID
    assert (batch.rows_read, batch.rows_count, batch.invalid_count) == (2, 2, 0)
    assert batch.warnings_count == 1
    assert batch.total == Decimal("150.10")
    assert batch.error == ""
    first, second = batch.rows.order_by("line")
    assert (first.line, second.line) == (2, 3)
    assert first.account_id == account.pk
    assert first.name == "ANA PENA"
    assert first.warnings == [
        {"column": "Nombres", "message": "Se reemplazaron tildes o ñ: 'Ana Peña' → 'ANA PENA'"}
    ]
    assert first.errors == []
    assert second.interbank is True
    assert second.institution.name == "BANCO PICHINCHA C.A."
    assert not path.exists()


def test_a_sheet_with_row_errors_is_kept_with_them(company, tmp_path):
    rows = many_rows(3)
    rows[1] = dict(rows[1], Valor=Decimal("-1"), Email="x@")
    path = write_xlsx(tmp_path / "up.xlsx", rows)
    batch = new_batch(company, path)
    importer.batch_import(batch_id=batch.pk)
    batch = fresh(batch)
    assert batch.status == Status.INVALID
    assert (batch.rows_count, batch.invalid_count) == (3, 1)
    assert batch.total == rows[0]["Valor"] + rows[2]["Valor"]  # valid rows only
    bad = batch.rows.get(line=3)
    assert bad.amount is None
    assert bad.errors == [
        {"column": "Email", "message": "El email no es válido (ej. nombre@dominio.com)."},
        {"column": "Valor", "message": "El valor debe ser mayor que cero."},
    ]
    assert not path.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Identificacion,Nombres\n1,2\n", "El archivo no es un .xlsx válido."),
        (xlsx_bytes([], headers=["Nombre", "Valor"]), "Los encabezados no corresponden"),
        (xlsx_bytes([]), "La hoja no tiene filas con datos"),
    ],
)
def test_an_unreadable_file_fails_the_batch(company, tmp_path, data, message):
    path = write(tmp_path / "up.xlsx", data)
    batch = new_batch(company, path)
    importer.batch_import(batch_id=batch.pk)
    batch = fresh(batch)
    assert batch.status == Status.UNREADABLE
    assert batch.error.startswith(message)
    assert batch.rows.count() == 0
    assert (batch.rows_count, batch.rows_read, batch.total) == (0, 0, Decimal("0.00"))
    assert not path.exists()


def test_a_file_refused_after_some_chunks_leaves_no_rows(company, tmp_path):
    def setup(wb):
        wb.active["G2400"] = "=1+1"

    path = write_xlsx(tmp_path / "up.xlsx", many_rows(2500), setup=setup)
    batch = new_batch(company, path)
    importer.batch_import(batch_id=batch.pk)
    batch = fresh(batch)
    assert batch.status == Status.UNREADABLE
    assert batch.error == "Fila 2400, columna Valor: no se admiten fórmulas."
    assert PayrollRow.objects.filter(batch=batch).count() == 0
    assert not path.exists()


def test_the_row_limit_fails_the_batch(company, tmp_path, settings):
    settings.PAYROLL_MAX_ROWS = 2
    path = write_xlsx(tmp_path / "up.xlsx", many_rows(3))
    batch = new_batch(company, path)
    importer.batch_import(batch_id=batch.pk)
    batch = fresh(batch)
    assert batch.status == Status.UNREADABLE
    assert batch.error == "El archivo supera el máximo de 2 filas."


def test_rows_are_written_in_chunks_with_progress(company, tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "up.xlsx", many_rows(2500))
    batch = new_batch(company, path)
    seen = []
    original = PayrollRow.objects.bulk_create

    def spy(objs, *args, **kwargs):
        seen.append((len(objs), fresh(batch).rows_read))
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(PayrollRow.objects, "bulk_create", spy)
    importer.batch_import(batch_id=batch.pk)
    assert seen == [(1000, 0), (1000, 1000), (500, 2000)]
    batch = fresh(batch)
    assert (batch.status, batch.rows_count, batch.rows_read) == (Status.VALID, 2500, 2500)


@pytest.mark.django_db(transaction=True)
def test_each_chunk_is_committed_on_its_own(company, tmp_path, monkeypatch):
    # Outside any test transaction: each chunk's atomic block is the outermost one, so its rows
    # and rows_read are committed (another request polling the progress sees them).
    path = write_xlsx(tmp_path / "up.xlsx", many_rows(1500))
    batch = new_batch(company, path)
    depths = []
    original = PayrollRow.objects.bulk_create

    def spy(objs, *args, **kwargs):
        depths.append(len(connection.atomic_blocks))
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(PayrollRow.objects, "bulk_create", spy)
    assert not connection.in_atomic_block
    importer.batch_import(batch_id=batch.pk)
    assert depths == [1, 1]
    assert fresh(batch).rows.count() == 1500


def test_the_file_is_read_as_a_stream(company, tmp_path, monkeypatch):
    # No more than a chunk is pulled from the reader before rows are written.
    pulled = []
    written = []

    def endless_reader(path):
        for n in range(2, 3502):
            pulled.append(n)
            yield n, interbank_row(valid_cedula(n), Valor=Decimal(n))

    original = PayrollRow.objects.bulk_create

    def spy(objs, *args, **kwargs):
        written.append(len(pulled))
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(importer, "read_rows", endless_reader)
    monkeypatch.setattr(PayrollRow.objects, "bulk_create", spy)
    batch = new_batch(company, tmp_path / "up.xlsx")
    importer.batch_import(batch_id=batch.pk)
    assert written == [1000, 2000, 3000, 3500]
    assert fresh(batch).rows_count == 3500


def test_running_it_again_starts_over(company, tmp_path):
    # A worker died midway: the batch is still IMPORTANDO, some rows are there, the file too.
    path = write_xlsx(tmp_path / "up.xlsx", many_rows(3))
    batch = new_batch(company, path)
    PayrollRow.objects.create(batch=batch, line=2, name="DE LA VEZ ANTERIOR")
    PayrollBatch.objects.filter(pk=batch.pk).update(rows_read=1000)
    importer.batch_import(batch_id=batch.pk)
    batch = fresh(batch)
    assert batch.status == Status.VALID
    assert list(batch.rows.values_list("line", flat=True).order_by("line")) == [2, 3, 4]
    assert not batch.rows.filter(name="DE LA VEZ ANTERIOR").exists()
    assert batch.rows_read == 3


def test_a_finished_import_is_not_undone_by_a_redelivery(company, tmp_path):
    path = write_xlsx(tmp_path / "up.xlsx", many_rows(3))
    batch = new_batch(company, path)
    importer.batch_import(batch_id=batch.pk)
    assert not path.exists()
    importer.batch_import(batch_id=batch.pk)  # the file is gone: it must not fail the batch
    batch = fresh(batch)
    assert batch.status == Status.VALID
    assert batch.rows.count() == 3


def test_a_vanished_upload_fails_the_batch(company, tmp_path):
    batch = new_batch(company, tmp_path / "gone.xlsx")
    importer.batch_import(batch_id=batch.pk)
    batch = fresh(batch)
    assert batch.status == Status.UNREADABLE
    assert batch.error == "El archivo ya no está disponible: vuelve a cargarlo."


def test_an_unexpected_error_fails_the_batch_and_is_raised(company, tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "up.xlsx", many_rows(3))
    batch = new_batch(company, path)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(PayrollRow.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        importer.batch_import(batch_id=batch.pk)
    batch = fresh(batch)
    assert batch.status == Status.UNREADABLE
    assert batch.error == "No se pudo procesar el archivo: vuelve a cargarlo."
    assert not path.exists()


def test_a_deleted_or_unknown_batch_is_ignored(company, tmp_path):
    import uuid

    importer.batch_import(batch_id=uuid.uuid4())
    path = write_xlsx(tmp_path / "up.xlsx", many_rows(1))
    batch = new_batch(company, path)
    PayrollBatch.objects.filter(pk=batch.pk).update(deleted_at="2026-01-01T00:00:00Z")
    importer.batch_import(batch_id=batch.pk)
    assert fresh(batch).status == Status.IMPORTING
    assert fresh(batch).rows.count() == 0


def test_the_task_imports_the_batch(company, tmp_path):
    path = write_xlsx(tmp_path / "up.xlsx", many_rows(2))
    batch = new_batch(company, path)
    payroll_import.delay(str(batch.pk))
    batch = fresh(batch)
    assert batch.status == Status.VALID
    assert batch.rows_count == 2
    assert not path.exists()
