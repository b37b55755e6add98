"""Two members paid by one bulk payment (one posting credits both) each open the receipt linked
from their own movement, on the page and as PDF, and read only their own amount and account."""

import io
from decimal import Decimal

from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import Account
from enterprise.models import Company, CompanyUser
from payroll.models import PayrollBatch, PayrollRow
from payroll.services.batches import batch_pay
from payroll.services.execution import rows_pay
from tests.browser.test_enterprise_journey import sign_out

# sociodemo2 and sociodemo3 of the demo data: cédula, name, savings account, amount paid.
MARIA = ("1713175071", "MARIA FERNANDA ONTANEDA RUIZ", "410101047711", Decimal("111.11"))
HERMEL = ("0923456701", "HERMEL ANTONIO CRETIANA BAJANA", "410101052203", Decimal("222.22"))


def pay_both() -> None:
    company = Company.objects.get(name="COMERCIAL ANDINA S.A.")
    admin = CompanyUser.objects.get(user__username="empadmin01").user
    batch = PayrollBatch.objects.create(
        company=company, name="Bonos", status=PayrollBatch.Status.SAVED, created_by=admin
    )
    for line, (cedula, name, number, amount) in enumerate((MARIA, HERMEL), start=2):
        PayrollRow.objects.create(
            batch=batch,
            line=line,
            identification=cedula,
            id_type="CEDULA",
            name=name,
            account_number=number,
            account_type="AHORROS",
            amount=amount,
            account=Account.objects.get(number=number),
        )
    order = batch_pay(
        user=admin,
        batch=batch,
        row_ids=None,
        debit_account=Account.objects.get(number="410201000017"),
        memo="Bonos",
        key="browser-receipts",
    )
    rows_pay(order_id=order.pk)  # an administrator's order executes at once
    assert batch.rows.filter(payment=PayrollRow.Payment.PAID).count() == 2


def pdf_text(path) -> str:
    with open(path, "rb") as handle:
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages)


def open_salary_receipt(page, number: str):
    page.get_by_role("row", name=number).get_by_role("link", name="Ver movimientos").click()
    expect(page.get_by_role("heading", name="Movimientos")).to_be_visible()
    row = page.get_by_test_id("movements").get_by_role("row", name="ACREDITACIÓN PAGO MASIVO")
    row.get_by_role("link").click()
    receipt = page.get_by_test_id("receipt")
    expect(receipt).to_be_visible()
    return receipt


def test_each_payee_reads_only_their_own_credit(page, sign_in):
    pay_both()
    for me, other, username in ((MARIA, HERMEL, "sociodemo2"), (HERMEL, MARIA, "sociodemo3")):
        sign_in(username)
        receipt = open_salary_receipt(page, me[2])
        expect(receipt).to_contain_text(f"$ {me[3]:,.2f}")
        expect(receipt).to_contain_text("*****" + me[2][-4:])
        expect(receipt).to_contain_text("COMERCIAL ANDINA S.A.")
        text = receipt.inner_text()
        assert f"$ {other[3]:,.2f}" not in text and other[2][-4:] not in text
        assert other[1].split()[2] not in text  # the other payee's surname
        with page.expect_download() as download:
            receipt.get_by_test_id("print-receipt").click()
        pdf = pdf_text(download.value.path())
        assert f"$ {me[3]:,.2f}" in pdf and "*****" + me[2][-4:] in pdf
        assert f"$ {other[3]:,.2f}" not in pdf and other[2][-4:] not in pdf
        page.keyboard.press("Escape")
        sign_out(page)
