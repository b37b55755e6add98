"""Service payments: the catalogue the back office keeps (categories, billers and what each
asks for), the payments members and companies make, the services they save, the payments they
schedule, and what the billers' daily reconciliation said.

The money of a payment moves through the ledger (``accounts``): the member's debit goes to
payments in transit with the fee and VAT, and on to biller settlement once the biller confirms
it. These rows say where each payment stands; the ledger says where the money is.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Channel, Transaction
from identity.models import Member

MONEY = {"max_digits": 18, "decimal_places": 2}


class Category(models.Model):
    """A group of billers ("Agua", "Luz", "Recargas"…), in the order the catalogue shows."""

    code = models.SlugField(_("código"), max_length=30, unique=True)
    name = models.CharField(_("nombre"), max_length=60)
    position = models.PositiveSmallIntegerField(_("orden"), default=0)
    active = models.BooleanField(_("activa"), default=True)

    class Meta:
        verbose_name = _("categoría de servicios")
        verbose_name_plural = _("categorías de servicios")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Biller(models.Model):
    """A company whose bills the cooperative collects ("AGUA EPMAPA PEDERNALES", "CNEL EP").

    ``fields`` lists what identifies a bill, each a dict: ``name`` (key of the reference),
    ``label`` ("NUMERO CELULAR"), ``kind`` ("digits" or "text"), ``min_length``, ``max_length``
    and ``message``, the manual's sentence when it is not met ("NUMERO CELULAR debe tener 10
    caracteres números"). The first field is the reference a payment is known by."""

    class Inquiry(models.TextChoices):
        REQUIRED = "OBLIGATORIA", _("Obligatoria: se paga una factura consultada")
        OPTIONAL = "OPCIONAL", _("Opcional: se consulta o se escribe el monto")
        NONE = "NO_SOPORTA", _("No soporta consulta: se escribe el monto")

    class AmountRule(models.TextChoices):
        EXACT = "EXACTO", _("El valor exacto de la factura")
        PARTIAL = "PARCIAL", _("Hasta el valor de la factura (abono)")
        TYPED = "LIBRE", _("Monto escrito entre el mínimo y el máximo")
        LISTED = "LISTA", _("Uno de los montos permitidos")

    code = models.SlugField(_("código"), max_length=40, unique=True)
    name = models.CharField(_("nombre"), max_length=80)
    category = models.ForeignKey(
        Category, verbose_name=_("categoría"), on_delete=models.PROTECT, related_name="billers"
    )
    fields = models.JSONField(_("campos de referencia"), default=list)
    inquiry = models.CharField(
        _("consulta de factura"), max_length=12, choices=Inquiry.choices, default=Inquiry.REQUIRED
    )
    amount_rule = models.CharField(
        _("regla del monto"), max_length=10, choices=AmountRule.choices, default=AmountRule.EXACT
    )
    #: the values a recharge may take, as text ("3.00", "5.00"…), when ``amount_rule`` is LISTA
    allowed_amounts = models.JSONField(_("montos permitidos"), default=list, blank=True)
    min_amount = models.DecimalField(_("monto mínimo"), default="0.01", **MONEY)
    max_amount = models.DecimalField(_("monto máximo"), null=True, blank=True, **MONEY)
    #: the cooperative's fee before VAT (VAT_RATE is added on top, its own movement)
    fee = models.DecimalField(_("comisión"), default=0, **MONEY)
    #: which gateway answers for it (``payments.services.gateway.GATEWAYS``)
    gateway = models.CharField(_("pasarela"), max_length=30, default="simulador")
    active = models.BooleanField(_("activo"), default=True)

    class Meta:
        verbose_name = _("empresa de servicios")
        verbose_name_plural = _("empresas de servicios")
        ordering = ["category__position", "name"]

    def __str__(self):
        return self.name


class SavedService(models.Model):
    """A service a member saved to pay again ("Guardar servicio", "Pagos frecuentes")."""

    owner = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="saved_services")
    biller = models.ForeignKey(Biller, verbose_name=_("servicio"), on_delete=models.PROTECT)
    reference = models.CharField(_("referencia"), max_length=40)
    #: every reference field as typed ({name: value}); ``reference`` is the first one
    reference_fields = models.JSONField(default=dict, blank=True)
    alias = models.CharField(_("alias"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("servicio guardado")
        verbose_name_plural = _("servicios guardados")
        ordering = ["alias", "biller__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "biller", "reference"],
                condition=Q(deleted_at__isnull=True),
                name="saved_service_once",
            )
        ]

    def __str__(self):
        return self.alias or f"{self.biller} {self.reference}"


class Schedule(models.Model):
    """A payment that pays itself when a bill appears, up to ``max_amount`` ("Programar
    pagos"). For a company it is the approval order's object: approved once, then each
    occurrence pays up to the maximum."""

    class Frequency(models.TextChoices):
        AVAILABLE = "DISPONIBLE", _("Siempre que se encuentre disponible")
        MONTHLY = "MENSUAL", _("Un día del mes")

    class Status(models.TextChoices):
        WAITING = "POR_APROBAR", _("Por aprobar")
        ACTIVE = "ACTIVO", _("Activo")
        PAUSED = "PAUSADO", _("Pausado")
        FINISHED = "FINALIZADO", _("Finalizado")
        CANCELLED = "CANCELADO", _("Cancelado")

    owner = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="payment_schedules")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    origin = models.ForeignKey(
        Account, verbose_name=_("cuenta de débito"), on_delete=models.PROTECT, related_name="+"
    )
    biller = models.ForeignKey(Biller, verbose_name=_("servicio"), on_delete=models.PROTECT)
    reference = models.CharField(_("referencia"), max_length=40)
    reference_fields = models.JSONField(default=dict, blank=True)
    max_amount = models.DecimalField(_("monto máximo"), **MONEY)
    frequency = models.CharField(
        _("frecuencia"), max_length=10, choices=Frequency.choices, default=Frequency.AVAILABLE
    )
    #: for MENSUAL: the day of the month it looks for the bill (1–28)
    day_of_month = models.PositiveSmallIntegerField(_("día del mes"), null=True, blank=True)
    starts_on = models.DateField(_("fecha de inicio"))
    #: empty: "Fecha indefinida"
    ends_on = models.DateField(_("fecha de finalización"), null=True, blank=True)
    status = models.CharField(
        _("estado"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    #: when the beat task looks at it next; it claims a due schedule by moving this forward
    next_run_at = models.DateTimeField(_("próxima ejecución"), null=True, blank=True)
    terms_accepted_at = models.DateTimeField(_("términos aceptados"), null=True, blank=True)
    #: the company's approval order that approved it (its signatures cover every occurrence)
    order_reference = models.PositiveBigIntegerField(null=True, blank=True)
    #: the schedule this one replaced when it was edited
    replaces = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("canal"), max_length=12, choices=Channel.choices)
    #: the confirmed submission that created it ("order-<id>" for a company's order): a
    #: confirmation sent twice creates one schedule
    idempotency_key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("pago programado")
        verbose_name_plural = _("pagos programados")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_run_at"], name="schedule_due")]

    def __str__(self):
        return f"{self.biller} {self.reference}"


class Payment(models.Model):
    """One bill payment. A bill is paid at most once: (biller, reference, bill number) is
    unique while the payment is pending or paid."""

    class Status(models.TextChoices):
        PENDING = "PENDIENTE", _("En proceso")
        PAID = "PAGADO", _("Pagado")
        FAILED = "FALLIDO", _("Fallido")
        REFUNDED = "DEVUELTO", _("Devuelto")

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="bill_payments")
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    channel = models.CharField(_("canal"), max_length=12, choices=Channel.choices)
    origin = models.ForeignKey(
        Account, verbose_name=_("cuenta de origen"), on_delete=models.PROTECT, related_name="+"
    )
    biller = models.ForeignKey(Biller, verbose_name=_("servicio"), on_delete=models.PROTECT)
    reference = models.CharField(_("referencia"), max_length=40)
    reference_fields = models.JSONField(default=dict, blank=True)
    #: the bill paid, as the biller's inquiry named it; empty for a typed amount (recharges)
    bill_number = models.CharField(_("factura"), max_length=40, blank=True)
    bill_period = models.CharField(_("periodo"), max_length=40, blank=True)
    bill_due_on = models.DateField(_("vencimiento"), null=True, blank=True)
    description = models.CharField(_("descripción"), max_length=100, blank=True)
    amount = models.DecimalField(_("valor pagado"), **MONEY)
    fee = models.DecimalField(_("comisión"), default=0, **MONEY)
    vat = models.DecimalField(_("IVA"), default=0, **MONEY)
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    #: the biller's authorization number once it confirmed the payment
    authorization = models.CharField(_("autorización"), max_length=40, blank=True)
    failure_reason = models.CharField(_("motivo"), max_length=160, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    #: debit of the member, to payments in transit (with fee and VAT)
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, related_name="bill_payment"
    )
    #: in transit → biller settlement: the biller's confirmed payments are moved together,
    #: one posting per biller per pass of the settlement sweep (``bills.payments_settle``)
    settlement_transaction = models.ForeignKey(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: in transit → the member, once the biller said it failed (or never listed it)
    refund_transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    schedule = models.ForeignKey(
        Schedule, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    #: the company's approval order that ran it, if any
    order_reference = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("fecha"), auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(_("resuelto"), null=True, blank=True)
    #: status queries asked of the biller while it stays pending, and when to ask next
    status_checks = models.PositiveSmallIntegerField(default=0)
    next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pago de servicio")
        verbose_name_plural = _("pagos de servicios")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["biller", "reference", "bill_number"],
                condition=Q(status__in=["PENDIENTE", "PAGADO"]) & ~Q(bill_number=""),
                name="bill_paid_once",
            )
        ]
        indexes = [
            models.Index(fields=["member", "created_at"], name="payment_history"),
            models.Index(fields=["status", "next_check_at"], name="payment_unknown"),
        ]

    def __str__(self):
        return f"{self.biller} {self.reference} {self.amount}"

    @property
    def total(self):
        return self.amount + self.fee + self.vat


class ScheduleRun(models.Model):
    """One occurrence of a schedule: what the beat task found and did ("historial" of the
    schedule). ``due_on`` is the occurrence's day: at most one run per schedule and day, so a
    task run twice, or by two workers, does the day's work once."""

    class Outcome(models.TextChoices):
        RUNNING = "EN_CURSO", _("En curso")
        PAID = "PAGADO", _("Pagado")
        PENDING = "PENDIENTE", _("Pago en proceso")
        NO_BILL = "SIN_DEUDA", _("Sin factura pendiente")
        ABOVE_MAX = "SUPERA_MAXIMO", _("Factura mayor al monto máximo")
        NO_FUNDS = "SIN_FONDOS", _("Fondos insuficientes")
        FAILED = "FALLIDO", _("Fallido")
        BILLER_DOWN = "SIN_RESPUESTA", _("El servicio no respondió")

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="runs")
    due_on = models.DateField(_("fecha"))
    attempt = models.PositiveSmallIntegerField(_("intento"), default=1)
    outcome = models.CharField(
        _("resultado"), max_length=14, choices=Outcome.choices, default=Outcome.RUNNING
    )
    bill_number = models.CharField(_("factura"), max_length=40, blank=True)
    bill_amount = models.DecimalField(_("valor de la factura"), null=True, blank=True, **MONEY)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    message = models.CharField(_("detalle"), max_length=200, blank=True)
    #: this attempt will be tried again (funds lacking, the biller down): the next run is the
    #: same occurrence's next attempt
    retries = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ejecución programada")
        verbose_name_plural = _("ejecuciones programadas")
        ordering = ["-due_on", "-attempt", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "due_on", "attempt"], name="schedule_run_once"
            )
        ]

    def __str__(self):
        return f"{self.schedule} {self.due_on} {self.get_outcome_display()}"


class Reconciliation(models.Model):
    """A biller's list of the payments it received on one day, checked against ours."""

    biller = models.ForeignKey(Biller, on_delete=models.PROTECT, related_name="reconciliations")
    day = models.DateField(_("día"))
    listed = models.PositiveIntegerField(_("listados por la empresa"), default=0)
    matched = models.PositiveIntegerField(_("coinciden"), default=0)
    confirmed = models.PositiveIntegerField(_("confirmados al conciliar"), default=0)
    refunded = models.PositiveIntegerField(_("devueltos al conciliar"), default=0)
    #: listed by the biller but unknown or failed here: for the back office to look into
    unexpected = models.JSONField(_("no reconocidos"), default=list, blank=True)
    ran_at = models.DateTimeField(_("conciliado"), auto_now=True)

    class Meta:
        verbose_name = _("conciliación diaria")
        verbose_name_plural = _("conciliaciones diarias")
        ordering = ["-day", "biller__name"]
        constraints = [
            models.UniqueConstraint(fields=["biller", "day"], name="reconciliation_once")
        ]

    def __str__(self):
        return f"{self.biller} {self.day}"
