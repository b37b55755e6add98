from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from identity.models import Member

ZERO = Decimal("0.00")


def money_field(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name, max_digits=18, decimal_places=2, default=ZERO, **kwargs
    )


class Product(models.TextChoices):
    SAVINGS = "AHORROS", _("CUENTA DE AHORROS")
    SHARES = "APORTACIONES", _("CERTIFICADOS DE APORTACIÓN")
    PROGRESAR = "PROGRESAR", _("CUENTA PROGRESAR CLIENTES")
    CHECKING = "CORRIENTE", _("CUENTA CORRIENTE")
    TERM_DEPOSIT = "PLAZO_FIJO", _("DEPÓSITO A PLAZO FIJO")
    #: a credit card of the cooperative: its balance is the credit still available
    CREDIT_CARD = "TARJETA", _("TARJETA DE CRÉDITO")
    INTERNAL = "INTERNA", _("CUENTA INTERNA")


#: Products a member sees (and moves money with) under "Cuentas".
DEPOSIT_PRODUCTS = (Product.SAVINGS, Product.SHARES, Product.PROGRESAR, Product.CHECKING)


class InternalAccount(models.TextChoices):
    """The cooperative's own accounts: the other side of every customer movement."""

    CASH = "CASH", _("Caja")
    INTERBANK_CLEARING = "INTERBANK_CLEARING", _("Compensación interbancaria (SPI)")
    FEE_INCOME = "FEE_INCOME", _("Ingresos por comisiones")
    VAT_PAYABLE = "VAT_PAYABLE", _("IVA por pagar")
    BILLER_SETTLEMENT = "BILLER_SETTLEMENT", _("Liquidación de recaudaciones")
    LOAN_PORTFOLIO = "LOAN_PORTFOLIO", _("Cartera de créditos")
    CARD_PORTFOLIO = "CARD_PORTFOLIO", _("Cartera de tarjetas")
    INTEREST_EXPENSE = "INTEREST_EXPENSE", _("Gasto de intereses")
    PAYROLL_CLEARING = "PAYROLL_CLEARING", _("Transitoria de pagos masivos")
    PAYMENTS_IN_TRANSIT = "PAYMENTS_IN_TRANSIT", _("Pagos de servicios en tránsito")


class Account(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "ACTIVA", _("ACTIVA")
        INACTIVE = "INACTIVA", _("INACTIVA")
        CLOSED = "CERRADA", _("CERRADA")

    number = models.CharField(_("número"), max_length=20, unique=True)
    product = models.CharField(_("producto"), max_length=20, choices=Product.choices)
    owner = models.ForeignKey(
        Member,
        verbose_name=_("titular"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
    )
    internal_code = models.CharField(
        _("cuenta interna"),
        max_length=30,
        choices=InternalAccount.choices,
        null=True,
        blank=True,
        unique=True,
    )
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    balance = money_field(_("saldo contable"))
    available = money_field(_("saldo disponible"))
    opened_at = models.DateTimeField(_("apertura"), auto_now_add=True)
    last_posted_at = models.DateTimeField(
        _("último movimiento"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("cuenta")
        verbose_name_plural = _("cuentas")
        ordering = ["number"]
        constraints = [
            # Customer money never goes below zero, and holds never exceed it.
            models.CheckConstraint(
                condition=Q(internal_code__isnull=False)
                | Q(balance__gte=0, available__gte=0, available__lte=models.F("balance")),
                name="customer_account_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(internal_code__isnull=True, owner__isnull=False)
                | Q(internal_code__isnull=False, owner__isnull=True),
                name="account_is_customer_xor_internal",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.get_product_display()}"

    @property
    def is_internal(self) -> bool:
        return self.internal_code is not None

    @property
    def held(self) -> Decimal:
        return self.balance - self.available

    @property
    def masked_number(self) -> str:
        return "*****" + self.number[-4:]


class Channel(models.TextChoices):
    WEB = "WEB", _("Banca Web")
    MOBILE = "MOVIL", _("Banca Móvil")
    ENTERPRISE = "EMPRESAS", _("Banca Empresas")
    BRANCH = "VENTANILLA", _("Ventanilla")
    SYSTEM = "SISTEMA", _("Proceso automático")


class TransactionKind(models.TextChoices):
    DEPOSIT = "DEPOSITO", _("Depósito")
    WITHDRAWAL = "RETIRO", _("Retiro")
    INTEREST = "INTERES", _("Capitalización de intereses")
    OWN_TRANSFER = "TRANSF_PROPIA", _("Transferencia entre cuentas propias")
    INTERNAL_TRANSFER = "TRANSF_INTERNA", _("Transferencia interna")
    INTERBANK_TRANSFER = "TRANSF_INTERBANCARIA", _("Transferencia interbancaria")
    INTERBANK_RETURN = "DEVOLUCION_SPI", _("Devolución interbancaria")
    SALARY = "NOMINA", _("Acreditación de nómina")
    BILL_PAYMENT = "PAGO_SERVICIO", _("Pago de servicios")
    CARD_PAYMENT = "PAGO_TARJETA", _("Pago de tarjeta")
    LOAN_DISBURSEMENT = "DESEMBOLSO", _("Desembolso de crédito")
    LOAN_PAYMENT = "PAGO_CREDITO", _("Pago de crédito")
    TERM_DEPOSIT_OPENING = "APERTURA_PLAZO", _("Apertura de inversión")
    ADJUSTMENT = "AJUSTE", _("Ajuste")


class Transaction(models.Model):
    """One business event. Its entries always sum to zero."""

    kind = models.CharField(_("tipo"), max_length=30, choices=TransactionKind.choices)
    channel = models.CharField(_("canal"), max_length=12, choices=Channel.choices)
    memo = models.CharField(_("motivo"), max_length=200, blank=True)
    reason = models.TextField(_("justificación"), blank=True)
    idempotency_key = models.CharField(_("clave de idempotencia"), max_length=120, unique=True)
    fingerprint = models.CharField(_("huella"), max_length=64)
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("realizada por"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("fecha"), db_index=True)
    details = models.JSONField(_("detalle"), default=dict, blank=True)

    class Meta:
        verbose_name = _("transacción")
        verbose_name_plural = _("transacciones")
        ordering = ["-posted_at", "-id"]

    def __str__(self):
        return f"{self.receipt_number} {self.get_kind_display()}"

    @property
    def receipt_number(self) -> str:
        """Comprobante N.º: the id, zero-padded. Unique and gap-free enough for people to quote."""
        return f"{self.pk:08d}"


class Entry(models.Model):
    """One line of a transaction on one account. Append-only: never updated or deleted."""

    class Role(models.TextChoices):
        PRINCIPAL = "PRINCIPAL", _("Valor")
        FEE = "FEE", _("Comisión")
        VAT = "VAT", _("IVA")

    transaction = models.ForeignKey(
        Transaction,
        verbose_name=_("transacción"),
        on_delete=models.PROTECT,
        related_name="entries",
    )
    account = models.ForeignKey(
        Account, verbose_name=_("cuenta"), on_delete=models.PROTECT, related_name="entries"
    )
    amount = models.DecimalField(_("monto"), max_digits=18, decimal_places=2)
    balance_after = models.DecimalField(_("saldo"), max_digits=18, decimal_places=2)
    description = models.CharField(_("concepto"), max_length=120)
    role = models.CharField(
        _("tipo de valor"), max_length=10, choices=Role.choices, default=Role.PRINCIPAL
    )
    posted_at = models.DateTimeField(_("fecha"))

    class Meta:
        verbose_name = _("movimiento")
        verbose_name_plural = _("movimientos")
        ordering = ["-posted_at", "-id"]
        indexes = [models.Index(fields=["account", "-posted_at", "-id"], name="entry_account_time")]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_not_zero")]

    def __str__(self):
        return f"{self.account.number} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Los movimientos contables no se modifican.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Los movimientos contables no se eliminan.")

    @property
    def is_credit(self) -> bool:
        return self.amount > 0

    @property
    def note_type(self) -> str:
        """The manuals' movement type: deposits in cash, otherwise credit or debit notes. The
        one name of a movement's type: the movements page, its PDF and its XLSX all show it."""
        if self.transaction.kind == TransactionKind.DEPOSIT and self.amount > 0:
            return gettext("DEPÓSITO")
        if self.transaction.kind == TransactionKind.WITHDRAWAL and self.amount < 0:
            return gettext("RETIRO")
        return gettext("NOTA DE CRÉDITO") if self.amount > 0 else gettext("NOTA DE DÉBITO")


class Hold(models.Model):
    """Funds reserved on an account for an operation awaiting approval or settlement."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVA", _("Activa")
        RELEASED = "LIBERADA", _("Liberada")
        CONSUMED = "APLICADA", _("Aplicada")

    account = models.ForeignKey(
        Account, verbose_name=_("cuenta"), on_delete=models.PROTECT, related_name="holds"
    )
    amount = models.DecimalField(_("monto"), max_digits=18, decimal_places=2)
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    reason = models.CharField(_("motivo"), max_length=200)
    reference = models.CharField(_("referencia"), max_length=120, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrada por"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registrada"), auto_now_add=True)
    expires_at = models.DateTimeField(_("vence"), null=True, blank=True)
    closed_at = models.DateTimeField(_("cerrada"), null=True, blank=True)

    class Meta:
        verbose_name = _("retención")
        verbose_name_plural = _("retenciones")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="hold_amount_positive")
        ]

    def __str__(self):
        return f"{self.account.number} {self.amount} {self.status}"


class TermDeposit(models.Model):
    """An investment (póliza / plazo fijo). Its capital sits in its own ledger account."""

    class Status(models.TextChoices):
        ACTIVE = "VIGENTE", _("VIGENTE")
        MATURED = "VENCIDA", _("VENCIDA")
        PAID = "PAGADA", _("PAGADA")

    number = models.CharField(_("número"), max_length=20, unique=True)
    owner = models.ForeignKey(
        Member, verbose_name=_("socio"), on_delete=models.PROTECT, related_name="term_deposits"
    )
    account = models.OneToOneField(
        Account,
        verbose_name=_("cuenta de la inversión"),
        on_delete=models.PROTECT,
        related_name="term_deposit",
    )
    payout_account = models.ForeignKey(
        Account,
        verbose_name=_("cuenta de acreditación"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    capital = models.DecimalField(_("capital"), max_digits=18, decimal_places=2)
    term_days = models.PositiveIntegerField(_("plazo (días)"))
    annual_rate = models.DecimalField(_("tasa de interés (%)"), max_digits=6, decimal_places=3)
    issued_on = models.DateField(_("fecha de emisión"))
    matures_on = models.DateField(_("fecha de vencimiento"))
    interest_paid = money_field(_("interés pagado"))
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )

    class Meta:
        verbose_name = _("inversión")
        verbose_name_plural = _("inversiones")
        ordering = ["-issued_on"]

    def __str__(self):
        return self.number


class ExportJob(models.Model):
    """A statement or movements download built in the background, with its progress."""

    class Status(models.TextChoices):
        PENDING = "PENDIENTE", _("En cola")
        RUNNING = "PROCESANDO", _("Procesando")
        DONE = "LISTO", _("Listo")
        FAILED = "ERROR", _("Error")

    class Kind(models.TextChoices):
        STATEMENT_PDF = "statement_pdf", _("Estado de cuenta (PDF)")
        MOVEMENTS_PDF = "movements_pdf", _("Movimientos (PDF)")
        MOVEMENTS_XLSX = "movements_xlsx", _("Movimientos (XLSX)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    account = models.ForeignKey(
        Account, verbose_name=_("cuenta"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("documento"), max_length=20, choices=Kind.choices)
    params = models.JSONField(_("filtros"), default=dict)
    status = models.CharField(
        _("estado"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("avance (%)"), default=0)
    total_rows = models.PositiveIntegerField(_("filas"), default=0)
    file_name = models.CharField(_("archivo"), max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("solicitada"), auto_now_add=True)
    # Set by the UPDATE that moves the job to PROCESANDO: a worker killed mid-build leaves
    # it there, and the sweep knows by this when no live worker can still be on it.
    claimed_at = models.DateTimeField(_("tomada por un proceso"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("intentos"), default=0)
    finished_at = models.DateTimeField(_("terminada"), null=True, blank=True)

    class Meta:
        verbose_name = _("descarga")
        verbose_name_plural = _("descargas")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} {self.status}"
