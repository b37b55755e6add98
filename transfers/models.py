from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Channel, Transaction
from identity.models import IdType, Member

MONEY = {"max_digits": 18, "decimal_places": 2}


class AccountType(models.TextChoices):
    SAVINGS = "AHORROS", _("Ahorros")
    CHECKING = "CORRIENTE", _("Corriente")


class Institution(models.Model):
    """A bank, cooperative or mutualista of the central bank's interbank system (SPI). The
    list is data: the back office keeps it."""

    class Kind(models.TextChoices):
        BANK = "BANCO", _("Banco")
        COOPERATIVE = "COOPERATIVA", _("Cooperativa")
        MUTUALISTA = "MUTUALISTA", _("Mutualista")
        OTHER = "OTRA", _("Otra entidad")

    class Settlement(models.TextChoices):
        BATCH = "LOTE", _("En ciclos del SPI")
        IMMEDIATE = "INMEDIATA", _("Inmediata")

    code = models.CharField(_("código SPI"), max_length=10, unique=True)
    name = models.CharField(_("nombre"), max_length=120)
    kind = models.CharField(_("tipo"), max_length=12, choices=Kind.choices, default=Kind.BANK)
    settlement = models.CharField(
        _("acreditación"), max_length=10, choices=Settlement.choices, default=Settlement.BATCH
    )
    # Immediate transfers above this go by batch (the central bank's initial cap).
    immediate_max_amount = models.DecimalField(
        _("monto máximo inmediato"), null=True, blank=True, **MONEY
    )
    is_self = models.BooleanField(_("es la cooperativa"), default=False)
    active = models.BooleanField(_("activa"), default=True)

    class Meta:
        verbose_name = _("institución financiera")
        verbose_name_plural = _("instituciones financieras")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Beneficiary(models.Model):
    """A saved payee of one member ("Administrar beneficiarios")."""

    class Kind(models.TextChoices):
        MEMBER = "COOPROGRESO", _("Cooprogreso")
        INTERBANK = "OTROS_BANCOS", _("Otros bancos")
        CARD = "TARJETA", _("Tarjetas")

    owner = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="beneficiaries")
    kind = models.CharField(_("tipo"), max_length=12, choices=Kind.choices)
    alias = models.CharField(_("alias"), max_length=40, blank=True)
    institution = models.ForeignKey(
        Institution, verbose_name=_("institución"), on_delete=models.PROTECT, null=True, blank=True
    )
    # Cooprogreso accounts are linked (the holder's name comes from the account itself).
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    account_number = models.CharField(_("número de cuenta"), max_length=20)
    account_type = models.CharField(
        _("tipo de cuenta"), max_length=10, choices=AccountType.choices, blank=True
    )
    holder_name = models.CharField(_("titular"), max_length=120)
    id_type = models.CharField(
        _("tipo de identificación"), max_length=10, choices=IdType.choices, blank=True
    )
    identification = models.CharField(_("identificación"), max_length=20, blank=True)
    email = models.EmailField(_("correo electrónico"), blank=True)
    # A card payee: ``account_number`` holds the masked number, this the keyed hash of the
    # number (``common.cards.card_token``); the number itself is never stored.
    card_token = models.CharField(_("token de la tarjeta"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Empty while a company's authorizer has not approved a payee an ingresador added; from
    # then on the cooling period counts.
    approved_at = models.DateTimeField(_("aprobado"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("beneficiario")
        verbose_name_plural = _("beneficiarios")
        ordering = ["alias", "holder_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "kind", "institution", "account_number"],
                condition=Q(deleted_at__isnull=True),
                name="beneficiary_once",
            )
        ]

    def __str__(self):
        return self.alias or self.holder_name

    @property
    def masked_number(self) -> str:
        return "****" + self.account_number[-4:]


class Transfer(models.Model):
    """One transfer a member ordered. Its money moves through the ledger (``transaction``);
    interbank ones then go through settlement."""

    class Kind(models.TextChoices):
        OWN = "PROPIA", _("Transferencia a mis cuentas")
        MEMBER = "COOPROGRESO", _("Transferencia Cooprogreso")
        INTERBANK = "INTERBANCARIA", _("Transferencia interbancaria")
        CARD = "TARJETA", _("Pago de tarjeta Cooprogreso")
        CARD_INTERBANK = "TARJETA_SPI", _("Pago de tarjeta de otra institución")

    class Status(models.TextChoices):
        DONE = "EXITOSA", _("Exitosa")
        PENDING = "PENDIENTE", _("Pendiente de envío")
        SENT = "ENVIADA", _("Enviada")
        CREDITED = "ACREDITADA", _("Acreditada")
        RETURNED = "DEVUELTA", _("Devuelta")

    kind = models.CharField(_("tipo"), max_length=14, choices=Kind.choices)
    status = models.CharField(_("estado"), max_length=10, choices=Status.choices)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="transfers")
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    channel = models.CharField(_("canal"), max_length=12, choices=Channel.choices)
    origin = models.ForeignKey(
        Account, verbose_name=_("cuenta origen"), on_delete=models.PROTECT, related_name="+"
    )
    destination = models.ForeignKey(
        Account,
        verbose_name=_("cuenta destino"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.SET_NULL, null=True, blank=True, related_name="transfers"
    )
    # The payee as it was when ordered (a beneficiary may be edited or deleted later).
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_account_number = models.CharField(_("cuenta destino"), max_length=20)
    to_account_type = models.CharField(max_length=10, choices=AccountType.choices, blank=True)
    to_name = models.CharField(_("beneficiario"), max_length=120)
    to_id_type = models.CharField(max_length=10, choices=IdType.choices, blank=True)
    to_identification = models.CharField(max_length=20, blank=True)
    to_email = models.EmailField(blank=True)
    # A card payment: the card's keyed hash (``to_account_number`` holds it masked).
    card_token = models.CharField(max_length=64, blank=True)
    amount = models.DecimalField(_("monto"), **MONEY)
    fee = models.DecimalField(_("comisión"), default=0, **MONEY)
    vat = models.DecimalField(_("IVA"), default=0, **MONEY)
    memo = models.CharField(_("descripción"), max_length=100, blank=True)
    # One row of a company's bulk payment: the company's limits counted it (its approval
    # order), so the member limits of its transfers do not count it again.
    bulk = models.BooleanField(_("pago masivo"), default=False)
    funds_origin = models.CharField(_("origen de los fondos"), max_length=200, blank=True)
    funds_purpose = models.CharField(_("destino de los fondos"), max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, related_name="transfer"
    )
    settlement = models.CharField(
        _("acreditación"), max_length=10, choices=Institution.Settlement.choices, blank=True
    )
    # The business day the central bank will process it (after the cut-off: the next one).
    process_date = models.DateField(_("fecha de proceso"), null=True, blank=True)
    batch = models.ForeignKey(
        "SettlementBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="transfers"
    )
    return_reason = models.CharField(_("motivo de devolución"), max_length=120, blank=True)
    return_transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="returned"
    )
    created_at = models.DateTimeField(_("fecha"), auto_now_add=True, db_index=True)
    # When it was last handed to the gateway: a sender that claims it sets this, so only one
    # asks the gateway at a time.
    sent_at = models.DateTimeField(_("enviada"), null=True, blank=True)
    settled_at = models.DateTimeField(_("acreditada"), null=True, blank=True)

    class Meta:
        verbose_name = _("transferencia")
        verbose_name_plural = _("transferencias")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["member", "kind", "created_at"], name="transfer_limits"),
            models.Index(fields=["status", "process_date"], name="transfer_due"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} {self.get_status_display()}"

    @property
    def total(self):
        return self.amount + self.fee + self.vat


#: the kinds that go to other institutions through the central bank's settlement (SPI)
SPI_KINDS = (Transfer.Kind.INTERBANK, Transfer.Kind.CARD_INTERBANK)
#: card payments (``transfers.services.cards``)
CARD_KINDS = (Transfer.Kind.CARD, Transfer.Kind.CARD_INTERBANK)


class LimitCategory(models.TextChoices):
    MEMBER = "COOPROGRESO", _("Transferencias a otros socios")
    INTERBANK = "INTERBANCARIA", _("Transferencias a otros bancos")


class CooperativeLimit(models.Model):
    """The cooperative's maximums per category; members choose theirs within them."""

    category = models.CharField(
        _("tipo"), max_length=14, choices=LimitCategory.choices, unique=True
    )
    daily = models.DecimalField(_("diario"), **MONEY)
    weekly = models.DecimalField(_("semanal"), **MONEY)
    monthly = models.DecimalField(_("mensual"), **MONEY)

    class Meta:
        verbose_name = _("cupo máximo de la cooperativa")
        verbose_name_plural = _("cupos máximos de la cooperativa")

    def __str__(self):
        return self.get_category_display()


class MemberLimit(models.Model):
    """A member's own limits ("Personalización de cupos"). Its row is also the lock that keeps
    concurrent transfers of one member from passing a limit together."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfer_limits")
    category = models.CharField(_("tipo"), max_length=14, choices=LimitCategory.choices)
    # Empty: the cooperative's maximum. Either way the lower of the two applies.
    daily = models.DecimalField(_("diario"), null=True, blank=True, **MONEY)
    weekly = models.DecimalField(_("semanal"), null=True, blank=True, **MONEY)
    monthly = models.DecimalField(_("mensual"), null=True, blank=True, **MONEY)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cupo del socio")
        verbose_name_plural = _("cupos de los socios")
        constraints = [
            models.UniqueConstraint(fields=["member", "category"], name="member_limit_once")
        ]

    def __str__(self):
        return f"{self.member} {self.get_category_display()}"


class ClosedDay(models.Model):
    """A day without interbank processing that the holiday calendar does not know (a local
    holiday, a decreed day off)."""

    date = models.DateField(_("fecha"), unique=True)
    reason = models.CharField(_("motivo"), max_length=120)

    class Meta:
        verbose_name = _("día no laborable")
        verbose_name_plural = _("días no laborables")
        ordering = ["-date"]

    def __str__(self):
        return f"{self.date} {self.reason}"


class SettlementBatch(models.Model):
    """One settlement cycle's file for the central bank."""

    class Status(models.TextChoices):
        PREPARED = "PREPARADO", _("Preparado")
        SENT = "ENVIADO", _("Enviado")
        ANSWERED = "RESPONDIDO", _("Respondido")

    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.PREPARED
    )
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    sent_at = models.DateTimeField(_("enviado"), null=True, blank=True)
    answered_at = models.DateTimeField(_("respondido"), null=True, blank=True)
    file_name = models.CharField(_("archivo"), max_length=80)
    content = models.TextField(_("contenido"))
    count = models.PositiveIntegerField(_("transferencias"))
    total = models.DecimalField(_("total"), **MONEY)
    checksum = models.CharField(_("control"), max_length=64)
    gateway_reference = models.CharField(_("referencia del BCE"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("lote SPI")
        verbose_name_plural = _("lotes SPI")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.file_name


class SettlementCycle(models.Model):
    """A settlement cycle time that has been run: one row per slot (e.g. today 11:00), so the
    scheduled run and the catch-up after an outage run each slot once."""

    slot = models.DateTimeField(_("hora del ciclo"), unique=True)
    run_at = models.DateTimeField(_("ejecutado"), auto_now_add=True)

    class Meta:
        verbose_name = _("ciclo de compensación")
        verbose_name_plural = _("ciclos de compensación")
        ordering = ["-slot"]

    def __str__(self):
        return f"{self.slot:%Y-%m-%d %H:%M}"


class IncomingCredit(models.Model):
    """A transfer another institution sent to a member (from the gateway's incoming file)."""

    class Status(models.TextChoices):
        CREDITED = "ACREDITADA", _("Acreditada")
        RETURNED = "DEVUELTA", _("Devuelta")

    reference = models.CharField(_("referencia"), max_length=60, unique=True)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    account_number = models.CharField(_("cuenta"), max_length=20)
    amount = models.DecimalField(_("monto"), **MONEY)
    sender_name = models.CharField(_("ordenante"), max_length=120)
    memo = models.CharField(_("descripción"), max_length=100, blank=True)
    status = models.CharField(_("estado"), max_length=10, choices=Status.choices)
    return_reason = models.CharField(_("motivo"), max_length=120, blank=True)
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(_("recibida"), auto_now_add=True)

    class Meta:
        verbose_name = _("transferencia recibida")
        verbose_name_plural = _("transferencias recibidas")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.reference} {self.amount}"
