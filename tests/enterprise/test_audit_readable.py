"""Auditoría in words: every action code the project records has a Spanish label (one map),
the page never shows a code, a key or a uuid, it filters by dates, user and kind of action,
and the XLSX carries real dates, amounts as numbers and the same words."""

import io
import re
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from accounts.services.backoffice import OPERATIONS
from enterprise.models import CompanyUser
from enterprise.selectors.audit import AUDIT_ACTIONS, audit_entries, company_audit_events
from identity.models import AuditEvent
from tests.auth import sign_in
from tests.enterprise.test_views import _pending_order

pytestmark = pytest.mark.django_db

AUDIT = "/empresa/auditoria/"
XLSX = "/empresa/auditoria/descargar/xlsx/"
APPS = ("accounts", "common", "credits", "enterprise", "identity", "payments", "payroll")
APPS += ("support", "transfers", "cooperativa")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def admin(company):
    client = Client()
    sign_in(client, company.admin.username)
    return client


def profile(user):
    return CompanyUser.objects.get(user=user)


def event(company, action, target_type, target_id, *, actor=None, days_ago=0, **data):
    row = AuditEvent.objects.create(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=data.get("before"),
        after=data.get("after"),
        reason=data.get("reason", ""),
        scope=company.audit_scope,
    )
    if days_ago:
        AuditEvent.objects.filter(pk=row.pk).update(at=timezone.now() - timedelta(days=days_ago))
    return row


def table_of(page: str) -> str:
    """The visible rows (the filter's option values are codes, never shown)."""
    return "".join(re.findall(r'<table data-testid="audit-events">.*?</table>', page, re.S))


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


# --- One map for every code --------------------------------------------------------------------


def recorded_codes() -> set[str]:
    """Every action code the sources record, read from them."""
    codes: set[str] = set()
    root = Path(settings.BASE_DIR)
    for app in APPS:
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            source = path.read_text()
            codes |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', source))
            codes |= set(re.findall(r'_audit\(\s*\w+,\s*"([a-z_]+\.[a-z_]+)"', source))
            prefixes = set(re.findall(r'action=f"([a-z_]+)\.\{', source))
            assert prefixes <= {"company_user", "ledger"}, (path, prefixes)  # read below
    users = (root / "enterprise" / "services" / "users.py").read_text()
    verbs = set(re.findall(r'_audit\(\s*"(\w+)"', users)) | set(re.findall(r'verb="(\w+)"', users))
    codes |= {f"company_user.{verb}" for verb in verbs}
    codes |= {f"ledger.{operation}" for operation in OPERATIONS}
    return codes


def test_every_code_the_project_records_has_spanish_words():
    codes = recorded_codes()
    assert len(codes) >= 50
    assert {"payroll.save", "company_user.block", "order.expire", "ledger.deposit"} <= codes
    assert codes - set(AUDIT_ACTIONS) == set()
    for code, words in AUDIT_ACTIONS.items():
        assert code not in str(words.label) and code not in str(words.sentence)


def test_each_action_reads_in_words_and_never_shows_a_code_or_a_uuid(company, admin):
    order = _pending_order(company, company.account, "150.00", "Repuestos")
    batch = uuid.uuid4()
    maker = profile(company.maker)
    targets = {
        "company_user": ("enterprise.companyuser", maker.pk),
        "company": ("enterprise.company", company.pk),
        "order": ("enterprise.approvalorder", order.pk),
        "beneficiary": ("transfers.beneficiary", 7),
        "payroll": ("payroll.payrollbatch", batch),
    }
    data = {
        "payroll.save": {"after": {"nombre": "Nómina enero", "filas": 25}},
        "payroll.rename": {"before": {"nombre": "Nómina"}, "after": {"nombre": "Nómina enero"}},
        "order.execute": {"after": {"batch": str(batch), "receipt": "000123", "rows": 25}},
        "company.bands": {
            "before": {"operacion": "TRANSFERENCIA", "reglas": ["≤ 1000.00: B", "resto: A+B"]},
            "after": {"operacion": "TRANSFERENCIA", "reglas": ["resto: A"]},
        },
        "beneficiary.add": {"after": {"alias": "Proveedor", "account": "*****3456"}},
    }
    for code in AUDIT_ACTIONS:
        target_type, target_id = targets.get(code.split(".")[0], ("identity.user", 0))
        event(company, code, target_type, target_id, actor=company.admin, **data.get(code, {}))
    entries = audit_entries(company_audit_events(company=company), company=company)
    assert {entry.code for entry in entries} >= set(AUDIT_ACTIONS)
    for entry in entries:
        assert entry.action == str(AUDIT_ACTIONS[entry.code].label)
        shown = " ".join([entry.action, entry.description, *entry.details, entry.subject])
        assert entry.code not in shown and not UUID.search(shown), shown
        assert "%(" not in shown and "TRANSF_" not in shown and "batch" not in shown

    by_code = {entry.code: entry for entry in entries}
    assert by_code["payroll.save"].description == (
        "Guardó el pago masivo «Nómina enero» (25 filas)"
    )
    assert by_code["payroll.rename"].description == (
        "Renombró el pago masivo «Nómina» como «Nómina enero»"
    )
    assert by_code["order.create"].description == (
        f"Registró la orden N.º {order.pk} (Transferencia Cooprogreso por $ 150.00)"
    )
    assert by_code["order.create"].amount == Decimal("150.00")
    assert by_code["order.create"].subject == f"Orden N.º {order.pk}"
    assert by_code["order.execute"].details == ["Comprobante: 000123", "Filas: 25"]
    assert by_code["company_user.block"].description.startswith("Bloqueó a ")
    assert by_code["company.bands"].description == "Cambió las reglas de firmas de Transferencias"
    assert by_code["company.bands"].details == [
        "Reglas: hasta $ 1,000.00: B; el resto: A+B → el resto: A"
    ]
    assert by_code["beneficiary.add"].description == (
        "Agregó el beneficiario «Proveedor» (cuenta *****3456)"
    )

    pages = admin.get(AUDIT).content.decode() + admin.get(AUDIT, {"page": 2}).content.decode()
    rows = text_of(table_of(pages))
    assert "Guardó el pago masivo «Nómina enero» (25 filas)" in rows
    assert f"la orden N.º {order.pk} (Transferencia Cooprogreso por $ 150.00)" in rows
    for code in AUDIT_ACTIONS:
        assert code not in rows
    assert not UUID.search(rows) and "TRANSF_" not in rows


def test_an_order_gone_or_unknown_kinds_and_codes_still_read_in_words(company):
    event(
        company,
        "order.create",
        "enterprise.approvalorder",
        999,
        after={"kind": "TRANSF_INTERBANCARIA", "amount": "150.00", "account": "4102"},
    )
    event(company, "order.create", "enterprise.approvalorder", 998, after={"kind": "OTRA_COSA"})
    event(company, "algo.nuevo", "enterprise.company", company.pk)
    event(company, "order.algo_nuevo", "enterprise.approvalorder", 999)
    event(company, "order.expire", "enterprise.approvalorder", 999)
    entries = audit_entries(company_audit_events(company=company), company=company)
    expire, unknown_order, unknown, vague, known = entries
    assert (
        known.description == "Registró la orden N.º 999 (Transferencia interbancaria por $ 150.00)"
    )
    assert known.details == ["Cuenta: 4102"]
    assert vague.description == "Registró la orden N.º 998" and vague.details == ["Tipo: Operación"]
    assert (unknown.action, unknown.description) == ("Otra acción", "Otra acción registrada")
    assert unknown_order.description == "Otra acción sobre la orden N.º 999"
    assert expire.actor == "Sistema"


# --- Filters -----------------------------------------------------------------------------------


@pytest.fixture
def history(company):
    maker = profile(company.maker)
    return {
        "old": event(
            company,
            "company_user.block",
            "enterprise.companyuser",
            maker.pk,
            actor=company.admin,
            days_ago=45,
            reason="Hace mes y medio",
        ),
        "recent": event(
            company,
            "payroll.save",
            "payroll.payrollbatch",
            uuid.uuid4(),
            actor=company.maker,
            days_ago=3,
            after={"nombre": "Nómina enero", "filas": 25},
            reason="Reciente del ingresador",
        ),
        "today": event(
            company,
            "company.level_add",
            "enterprise.company",
            company.pk,
            actor=company.admin,
            after={"nivel": "C"},
            reason="Hoy del administrador",
        ),
        "system": event(company, "order.expire", "enterprise.approvalorder", 5),
    }


def rows_of(client, **params) -> str:
    return text_of(table_of(client.get(AUDIT, params).content.decode()))


def test_the_filters_narrow_by_dates_user_and_kind_of_action(company, admin, history):
    rows = rows_of(admin)  # the last 30 days unless told
    assert "Reciente del ingresador" in rows and "Hoy del administrador" in rows
    assert "Hace mes y medio" not in rows

    today = timezone.localdate()
    custom = {
        "periodo": "personalizado",
        "desde": (today - timedelta(days=50)).isoformat(),
        "hasta": (today - timedelta(days=40)).isoformat(),
    }
    rows = rows_of(admin, **custom)
    assert "Hace mes y medio" in rows and "Reciente" not in rows and "Hoy del" not in rows
    assert "Bloqueó a " in rows

    rows = rows_of(admin, usuario=company.maker.pk)
    assert "Reciente del ingresador" in rows and "Hoy del administrador" not in rows
    rows = rows_of(admin, usuario="sistema")
    assert "Venció la orden N.º 5" in rows and "Hoy del administrador" not in rows
    rows = rows_of(admin, accion="company.level_add")
    assert "Agregó el nivel de firma C" in rows and "Reciente" not in rows
    rows = rows_of(admin, periodo="hoy", usuario=company.admin.pk, accion="payroll.save")
    assert rows == ""

    page = admin.get(AUDIT, {"periodo": "personalizado", "desde": "2099-01-01"}).content.decode()
    assert "Indica la fecha desde y la fecha hasta." in page
    page = admin.get(AUDIT, {"accion": "payroll.save"}).content.decode()
    assert 'data-testid="audit-summary"' in page and "Acción: Guardar pago masivo" in page
    # The filter's options are words; the user list names the company's people.
    options = admin.get(AUDIT).context["form"].fields["accion"].choices
    labels = [label for _group, choices in options[1:] for _code, label in choices]
    assert "Guardar pago masivo" in labels and "Registrar orden" in labels
    users = dict(admin.get(AUDIT).context["form"].fields["usuario"].choices)
    assert str(company.maker.pk) in users and "sistema" in users
    assert admin.get(AUDIT, {"usuario": "999999"}).context["form"].errors


def test_the_pager_keeps_the_filter(company, admin):
    maker = profile(company.maker)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=company.admin,
            action="company_user.services",
            target_type="enterprise.companyuser",
            target_id=str(maker.pk),
            reason=f"motivo {n}",
            scope=company.audit_scope,
        )
        for n in range(55)
    )
    page = admin.get(AUDIT, {"accion": "company_user.services"}).content.decode()
    assert "Página 1 de 2" in page
    assert 'href="?accion=company_user.services&page=2"' in page


# --- The download ------------------------------------------------------------------------------


def test_the_xlsx_has_real_dates_numbers_and_the_same_words(company, admin, history):
    order = _pending_order(company, company.account, "1234.50", "Equipos")
    response = admin.get(XLSX, {"periodo": "recientes"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="auditoria_' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows())
    header = next(i for i, row in enumerate(rows) if row[0].value == "Fecha")
    assert [c.value for c in rows[header]] == [
        "Fecha",
        "Tipo de acción",
        "Acción",
        "Usuario",
        "Monto",
        "Detalle",
        "Motivo",
    ]
    data = [row for row in rows[header + 1 :] if isinstance(row[0].value, datetime)]
    assert len(data) == 4  # the order's creation, today's, the recent one, the expiry
    for row in data:
        assert row[0].number_format == "dd/mm/yyyy hh:mm"
        values = " ".join(str(c.value or "") for c in row)
        assert not UUID.search(values) and "TRANSF_" not in values
        assert not any(code in values for code in AUDIT_ACTIONS)
    created = next(row for row in data if row[1].value == "Registrar orden")
    assert created[2].value == (
        f"Registró la orden N.º {order.pk} (Transferencia Cooprogreso por $ 1,234.50)"
    )
    assert created[4].value == Decimal("1234.50") or created[4].value == 1234.5
    assert created[4].number_format == "#,##0.00"
    saved = next(row for row in data if row[1].value == "Guardar pago masivo")
    assert saved[2].value == "Guardó el pago masivo «Nómina enero» (25 filas)"
    assert saved[6].value == "Reciente del ingresador"
    assert any(str(c.value).startswith("Desde ") for row in rows[:header] for c in row)

    one = load_workbook(io.BytesIO(admin.get(XLSX, {"accion": "order.expire"}).content)).active
    assert sum(1 for row in one.iter_rows() if isinstance(row[0].value, datetime)) == 1


def test_the_download_refuses_a_bad_filter_and_is_for_administrators(company, admin):
    response = admin.get(XLSX, {"periodo": "personalizado"})
    assert response.status_code == 302 and response["Location"].startswith(AUDIT)
    for user in (company.maker, company.approver_a):
        client = Client()
        sign_in(client, user.username)
        assert client.get(XLSX).status_code == 403
        assert client.get(AUDIT).status_code == 403
    assert admin.post(XLSX).status_code == 405
