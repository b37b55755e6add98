"""Payroll sheets: ``payroll validate 10k`` and ``payroll import 100k memory``.

Setup (not timed): a paying company, 200 members with a savings account each, and two sheets
written with openpyxl (write-only) the way a company fills the template: 10,000 and 100,000
rows, half paying those members (Cooprogreso accounts, resolved against the database), half
paying accounts of other banks, every row valid.

* **Validate:**
  ``payroll.services.validation.validate_rows(payroll.services.sheets.read_rows(path))`` over the
  10,000-row file, i.e. the zip checks, openpyxl's read-only parse of every cell with the
  formula and size checks, every rule of every row and one account query per chunk of 1,000,
  beside openpyxl's bare read-only parse of the same file (``load_workbook(read_only=True)``,
  every row of the first sheet with ``values_only=True``). In one fresh process (spawn), after
  a warm-up of both sides, in the order bare, project, project, bare with ``gc.collect()``
  before each; best of two per side.
* **Import memory:** ``payroll.services.importer.batch_import`` of the 100,000-row file (read,
  validate, ``bulk_create`` in chunks of 1,000, progress committed per chunk) in a fresh process
  with ``PAYROLL_MAX_ROWS=200000``: its peak RSS growth, measured as the settlement figures are
  (``VmHWM`` reset just before the step, minus ``VmRSS`` then).
"""

from __future__ import annotations

import gc
import os
import random
import shutil
import time
import traceback
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from tests.benchmarks.processes import in_fresh_process, peak_reset, peak_rss_mb, rss_mb

VALIDATE_ROWS = 10_000
IMPORT_ROWS = 100_000
MEMBERS = 200
RUNS = 2  # per side, in the order bare, project, project, bare
IMPORT_MAX_ROWS = 200_000
NAMES = [
    "MARÍA JOSÉ ÑÁÑEZ PÉREZ",
    "JOSE LUIS CHAVEZ MUNOZ",
    "ANDREA CAROLINA YEPEZ",
    "LUIS ALFONSO GUAMAN QUISHPE",
    "ROSA ELENA PILLAJO",
]


@dataclass
class PayrollSheets:
    company_member_id: int
    company_id: int
    user_id: int
    validate_path: Path
    import_path: Path
    validate_bytes: int
    import_bytes: int
    setup_s: float


@dataclass
class ValidateResult:
    project_s: float
    bare_s: float
    project_runs: list[float]
    bare_runs: list[float]
    rows: int
    invalid: int


@dataclass
class ImportResult:
    seconds: float
    cpu_s: float
    rss_before_mb: float
    peak_growth_mb: float
    outcome: str = ""


def _cedula(n: int) -> str:
    """A valid cédula of Pichincha (third digit below 6, as for a natural person)."""
    from stdnum.ec import ci

    base = f"17{n % 6_000_000:07d}"
    return next(base + str(d) for d in range(10) if ci.is_valid(base + str(d)))


def _write_sheet(path: Path, rows: int, accounts, banks, rng: random.Random) -> int:
    from openpyxl import Workbook

    from payroll.services.sheets import HEADERS

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Nómina")
    ws.append(HEADERS)
    for n in range(rows):
        # $1,000-3,500: rows paying the same account (every 200th) differ by n // 200, so no
        # row is a duplicate of another.
        amount = Decimal(100_000 + (n // len(accounts)) * 500 + rng.randint(0, 499)).scaleb(-2)
        name = NAMES[n % len(NAMES)]
        if n % 2:
            number, identification = accounts[n % len(accounts)]
            ws.append([identification, "Cédula", name, "", number, "Ahorros", amount, "", "NO"])
        else:
            ws.append(
                [
                    _cedula(3_000_000 + n),
                    "Cédula",
                    name,
                    f"empleado{n}@example.com",
                    f"22{rng.randint(10**7, 10**8 - 1)}",
                    "Corriente" if n % 3 else "Ahorros",
                    amount,
                    banks[n % len(banks)],
                    "SI",
                ]
            )
    wb.save(path)
    return path.stat().st_size


def build(*, tag: str, directory: Path) -> PayrollSheets:
    """The company, the members and both sheets (Django set up)."""
    from accounts.models import Account, Product
    from enterprise.models import Company
    from identity.models import IdType, Member, User
    from transfers.models import Institution

    started = time.perf_counter()
    rng = random.Random(20261126)
    company_member = Member.objects.create(
        kind=Member.Kind.COMPANY,
        id_type=IdType.RUC,
        identification=f"6{tag}001",
        first_names="PLANILLAS BENCH S.A.",
    )
    company = Company.objects.create(member=company_member, name="PLANILLAS BENCH S.A.")
    user = User(username=f"bench{tag}planillas", customer=company_member)
    user.set_unusable_password()
    user.save()
    members = Member.objects.bulk_create(
        Member(
            id_type=IdType.CEDULA,
            identification=_cedula(1_000_000 + i),
            first_names=f"EMPLEADA {i}",
            last_names="CARGA NOMINA",
        )
        for i in range(MEMBERS)
    )
    created = Account.objects.bulk_create(
        Account(number=f"55{tag}{i:04d}", product=Product.SAVINGS, owner=member)
        for i, member in enumerate(members)
    )
    accounts = [(a.number, a.owner.identification) for a in created]
    banks = list(
        Institution.objects.filter(active=True, is_self=False)
        .order_by("code")
        .values_list("name", flat=True)
    )
    directory.mkdir(parents=True, exist_ok=True)
    validate_path = directory / "nomina-10k.xlsx"
    import_path = directory / "nomina-100k.xlsx"
    validate_bytes = _write_sheet(validate_path, VALIDATE_ROWS, accounts, banks, rng)
    import_bytes = _write_sheet(import_path, IMPORT_ROWS, accounts, banks, rng)
    return PayrollSheets(
        company_member_id=company_member.pk,
        company_id=company.pk,
        user_id=user.pk,
        validate_path=validate_path,
        import_path=import_path,
        validate_bytes=validate_bytes,
        import_bytes=import_bytes,
        setup_s=time.perf_counter() - started,
    )


def _bare(path: Path) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        return sum(1 for _ in wb.worksheets[0].iter_rows(min_row=2, values_only=True))
    finally:
        wb.close()


def _project(path: Path, company_member_id: int) -> tuple[int, int]:
    from payroll.services.sheets import read_rows
    from payroll.services.validation import validate_rows

    rows = invalid = 0
    for row in validate_rows(read_rows(path), company_member=company_member_id):
        rows += 1
        invalid += bool(row.errors)
    return rows, invalid


def _validate_worker(env, path, company_member_id, results) -> None:
    os.environ.update(env)
    try:
        import django

        django.setup()
        from django.db import connection

        connection.ensure_connection()
        # Warm-up outside the timings: imports, the first query, openpyxl's and stdnum's
        # modules, whichever side runs first.
        _bare(path)
        _project(path, company_member_id)
        runs: dict[str, list[float]] = {"bare": [], "project": []}
        counted = (0, 0)
        for side in ("bare", "project", "project", "bare"):
            gc.collect()
            t0 = time.perf_counter()
            if side == "bare":
                _bare(path)
            else:
                counted = _project(path, company_member_id)
            runs[side].append(time.perf_counter() - t0)
        results.put(
            (
                "ok",
                ValidateResult(
                    project_s=min(runs["project"]),
                    bare_s=min(runs["bare"]),
                    project_runs=runs["project"],
                    bare_runs=runs["bare"],
                    rows=counted[0],
                    invalid=counted[1],
                ),
            )
        )
    except BaseException:
        results.put(("error", traceback.format_exc()))
    finally:
        from django.db import connections

        connections.close_all()


def _import_worker(env, batch_id, results) -> None:
    os.environ.update(env)
    try:
        import django

        django.setup()
        from django.db import connection

        from payroll.services.importer import batch_import

        connection.ensure_connection()
        gc.collect()
        reset = peak_reset()
        before = rss_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        batch_import(batch_id=batch_id)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        peak = peak_rss_mb(reset=reset)
        results.put(
            (
                "ok",
                ImportResult(
                    seconds=seconds,
                    cpu_s=cpu,
                    rss_before_mb=before,
                    peak_growth_mb=max(peak - before, 0.0),
                ),
            )
        )
    except BaseException:
        results.put(("error", traceback.format_exc()))
    finally:
        from django.db import connections

        connections.close_all()


def run_validate(*, env: dict, data: PayrollSheets) -> ValidateResult:
    result = in_fresh_process(
        _validate_worker,
        (env, str(data.validate_path), data.company_member_id),
        "bench-payroll-validate",
    )
    if result.rows != VALIDATE_ROWS or result.invalid:
        raise RuntimeError(
            f"payroll validate: {result.rows} rows, {result.invalid} invalid; expected "
            f"{VALIDATE_ROWS:,} valid rows"
        )
    return result


def run_import(*, env: dict, data: PayrollSheets) -> ImportResult:
    """A batch for a copy of the 100k sheet (the import deletes its file), imported in a fresh
    process (Django set up here too)."""
    from payroll.models import PayrollBatch

    upload = data.import_path.with_name("upload-100k.xlsx")
    shutil.copyfile(data.import_path, upload)
    batch = PayrollBatch.objects.create(
        company_id=data.company_id,
        name="BENCH 100K",
        source_name=upload.name,
        source_path=str(upload),
        created_by_id=data.user_id,
    )
    from django.db import connections

    connections.close_all()
    result = in_fresh_process(
        _import_worker,
        (env | {"PAYROLL_MAX_ROWS": str(IMPORT_MAX_ROWS)}, str(batch.pk)),
        "bench-payroll-import",
    )
    batch.refresh_from_db()
    if (
        batch.status != PayrollBatch.Status.VALID
        or batch.rows_count != IMPORT_ROWS
        or batch.rows.count() != IMPORT_ROWS
        or upload.exists()
    ):
        raise RuntimeError(
            f"payroll import: batch {batch.status} with {batch.rows_count} rows "
            f"({batch.invalid_count} invalid, error {batch.error!r}); expected {IMPORT_ROWS:,} "
            "valid rows and the upload deleted"
        )
    result.outcome = f"{batch.rows_count:,} rows VALIDADO, total {batch.total:,} USD"
    return result
