"""The back office (/backoffice/) reads in Spanish: every model of identity, credits, enterprise,
payroll and support names itself and each of its fields in Spanish, and no list column, form
label or filter of their admin pages shows a name Django made up in English from a field's
name ("Created at", "Member", "User"…)."""

from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from credits.models import Card, Loan
from identity.models import (
    AuditEvent,
    Consent,
    Enrolment,
    Notification,
    OtpChallenge,
    OtpFactor,
    SignIn,
    TermsDocument,
    TrustedDevice,
)
from support.models import ComplaintProduct
from support.services import complaint_submit

pytestmark = pytest.mark.django_db

APPS = ("identity", "credits", "enterprise", "payroll", "support")

#: what Django shows for a field without a verbose name (its name, spaced and capitalised)
ENGLISH = {
    "created at",
    "updated at",
    "member",
    "user",
    "company",
    "owner",
    "status",
    "kind",
    "amount",
    "reason",
    "name",
    "email",
}
#: field names that are Spanish words too, and may be a label as they are
ALSO_SPANISH = {"alias", "error", "total", "ip", "id"}


def models():
    return [m for label in APPS for m in apps.get_app_config(label).get_models()]


def declared_fields(model):
    # Reverse relations and the automatic primary key are Django's, not the model's.
    return [f for f in model._meta.get_fields() if not f.auto_created and f.concrete]


def derived_names() -> set[str]:
    """Every label Django would make up from a field name of these apps."""
    names = {f.name.replace("_", " ") for m in models() for f in declared_fields(m)}
    return (names | ENGLISH) - ALSO_SPANISH


@pytest.mark.parametrize("model", models(), ids=lambda m: m._meta.label)
def test_every_model_is_named_in_spanish(model):
    options = model._meta.original_attrs
    assert "verbose_name" in options and "verbose_name_plural" in options
    unnamed = [f.name for f in declared_fields(model) if f._verbose_name is None]
    assert unnamed == []


class Labels(HTMLParser):
    """The texts of column headers (``<th scope="col">``), form labels and list filters."""

    TAGS = {"th", "label", "summary"}

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._open: list[list[str] | None] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.TAGS:
            return
        wanted = tag != "th" or dict(attrs).get("scope") == "col"
        self._open.append([] if wanted else None)

    def handle_endtag(self, tag):
        if tag in self.TAGS and self._open:
            parts = self._open.pop()
            if parts is not None:
                self.texts.append(" ".join("".join(parts).split()))

    def handle_data(self, data):
        for parts in self._open:
            if parts is not None:
                parts.append(data)


def english_labels(html: str) -> list[str]:
    parser = Labels()
    parser.feed(html)
    english = derived_names()
    found = []
    for text in parser.texts:
        bare = text.rstrip(":").strip().lower().removeprefix("por ")
        if bare in english:
            found.append(text)
    return found


@pytest.fixture
def everything(member_user, company):
    """One row of every model the back office lists for these apps."""
    member = member_user.customer
    now = timezone.now()
    SignIn.objects.create(user=member_user, ip="10.0.0.1", user_agent="Firefox", device="PC")
    AuditEvent.objects.create(
        actor=member_user, action="profile.change", target_type="identity.user", target_id="1"
    )
    Notification.objects.create(
        user=member_user, channel=Notification.Channel.EMAIL, recipient="a@b.ec", body="Hola"
    )
    OtpChallenge.objects.create(
        user=member_user,
        purpose="transfer",
        digest="d" * 64,
        description="Transferencia",
        salt="s",
        code_hash="h",
        channel=OtpFactor.EMAIL,
        expires_at=now + timedelta(minutes=5),
    )
    Enrolment.objects.create(member=member, user=member_user)
    document = TermsDocument.objects.create(
        kind=TermsDocument.Kind.DATA_PROCESSING, version=99, title="Datos", body="Texto"
    )
    Consent.objects.create(member=member, user=member_user, document=document)
    TrustedDevice.objects.create(user=member_user, token_hash="t" * 64, alias="Mi PC")
    Loan.objects.create(
        number="L-1",
        owner=member,
        product_name="CONSUMO",
        amount=Decimal("1000"),
        outstanding=Decimal("900"),
        instalment=Decimal("100"),
        instalments=10,
        annual_rate=Decimal("15"),
        issued_on=now.date(),
    )
    Card.objects.create(owner=member, brand="VISA", masked_number="4111 XXXX XXXX 1111")
    complaint_submit(
        user=member_user,
        token="e" * 32,
        product=ComplaintProduct.ONLINE_BANKING,
        names="ANA PÉREZ",
        identification="1714307103",
        phone="0991234567",
        description="No recibo el código.",
        claimed_amount=Decimal("10.00"),
        data_consent=True,
    )


def registered():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in APPS
    ]


def test_every_back_office_page_of_these_apps_reads_in_spanish(
    admin_client, admin_user, everything
):
    request = RequestFactory().get("/backoffice/")
    request.user = admin_user
    assert {m._meta.app_label for m, _ in registered()} >= {"identity", "credits", "enterprise"}
    for model, model_admin in registered():
        info = (model._meta.app_label, model._meta.model_name)
        obj = model._default_manager.order_by("pk").last()
        assert obj is not None, f"no {model._meta.label} to open"
        urls = [
            reverse("admin:{}_{}_changelist".format(*info)),
            reverse("admin:{}_{}_change".format(*info), args=[obj.pk]),
        ]
        if model_admin.has_add_permission(request):
            urls.append(reverse("admin:{}_{}_add".format(*info)))
        for url in urls:
            response = admin_client.get(url)
            assert response.status_code == 200, url
            assert english_labels(response.content.decode()) == [], url


def test_the_labels_found_are_the_ones_staff_read(admin_client, everything):
    # The parser reads what it should: Spanish headers and labels are there to be read.
    listed = admin_client.get(reverse("admin:identity_signin_changelist")).content.decode()
    parser = Labels()
    parser.feed(listed)
    assert "Usuario" in parser.texts and "Fecha" in parser.texts
    assert english_labels('<th scope="col"><a>Created at</a></th><label>Member:</label>') == [
        "Created at",
        "Member:",
    ]


def test_the_payroll_account_number_keeps_the_sheet_header_apart():
    # The model's label is Spanish prose; the spreadsheet's "# Cuenta" column is parsed apart.
    from payroll.models import PayrollRow
    from payroll.services import sheets

    assert PayrollRow._meta.get_field("account_number").verbose_name == "número de cuenta"
    assert "# Cuenta" in sheets.HEADERS
