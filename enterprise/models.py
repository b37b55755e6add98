from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.ec import ruc

from identity.models import Member


class Company(models.Model):
    """A company banking through the enterprise portal; its products belong to its Member."""

    member = models.OneToOneField(
        Member, verbose_name=_("socio"), on_delete=models.PROTECT, related_name="company"
    )
    name = models.CharField(_("razón social"), max_length=150)

    class Meta:
        verbose_name = _("empresa")
        verbose_name_plural = _("empresas")

    def __str__(self):
        return self.name

    @property
    def audit_scope(self) -> str:
        return f"company:{self.pk}"

    def clean(self):
        # A company banks under its RUC: the check digit is verified before it is enrolled.
        member = getattr(self, "member", None)
        if member is None:
            return
        if member.kind != Member.Kind.COMPANY:
            raise ValidationError({"member": _("El cliente debe ser una persona jurídica.")})
        if not ruc.is_valid(member.identification):
            raise ValidationError({"member": _("El RUC del cliente no es válido.")})


class CompanyRole(models.TextChoices):
    ADMIN = "ADMIN", _("ADMINISTRADOR")
    MAKER = "MAKER", _("INGRESADOR")
    APPROVER = "APPROVER", _("AUTORIZADOR")


class CompanyUser(models.Model):
    """A person who banks for a company; names and e-mail live on the User, the rest here."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVO", _("Activo")
        BLOCKED = "BLOQUEADO", _("Bloqueado")
        DELETED = "ELIMINADO", _("Eliminado")

    class Sex(models.TextChoices):
        FEMALE = "F", _("Femenino")
        MALE = "M", _("Masculino")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario"),
        on_delete=models.CASCADE,
        related_name="company_profile",
    )
    company = models.ForeignKey(
        Company, verbose_name=_("empresa"), on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(_("rol"), max_length=10, choices=CompanyRole.choices)
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    identification = models.CharField(_("identificación"), max_length=13, blank=True)
    sex = models.CharField(_("sexo"), max_length=1, choices=Sex.choices, blank=True)
    phone = models.CharField(_("teléfono"), max_length=15, blank=True)
    first_surname = models.CharField(_("primer apellido"), max_length=40, blank=True)
    second_surname = models.CharField(_("segundo apellido"), max_length=40, blank=True)
    # Empty: everything the role allows. Otherwise only these (codes of Service).
    services = models.JSONField(_("servicios"), default=list, blank=True)
    accounts = models.ManyToManyField(
        "accounts.Account", verbose_name=_("acceso a cuentas"), blank=True, related_name="+"
    )
    signature_level = models.ForeignKey(
        "SignatureLevel",
        verbose_name=_("nivel de firma"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("usuario de empresa")
        verbose_name_plural = _("usuarios de empresa")
        constraints = [
            # A person is one user per company (deleted ones stay for the audit trail).
            models.UniqueConstraint(
                fields=["company", "identification"],
                condition=~models.Q(status="ELIMINADO") & ~models.Q(identification=""),
                name="company_user_identification_once",
            )
        ]

    def __str__(self):
        return f"{self.user} {self.get_role_display()}"


class Service(models.TextChoices):
    """What a company user may see and do ("Editar servicios por rol")."""

    POSITION = "POSICION", _("Posición consolidada")
    TRANSFER_OWN = "TRANSF_PROPIAS", _("Transferencias entre cuentas propias")
    TRANSFER_MEMBER = "TRANSF_COOPROGRESO", _("Transferencias Cooprogreso")
    TRANSFER_INTERBANK = "TRANSF_INTERBANCARIAS", _("Transferencias interbancarias")
    CARD_PAYMENT = "PAGO_TARJETAS", _("Pago de tarjetas")
    SERVICE_PAYMENT = "PAGO_SERVICIOS", _("Pago de servicios")
    BENEFICIARIES_MEMBER = "BENEF_COOPROGRESO", _("Beneficiarios Cooprogreso")
    BENEFICIARIES_INTERBANK = "BENEF_OTROS_BANCOS", _("Beneficiarios otros bancos")
    BENEFICIARIES_CARDS = "BENEF_TARJETAS", _("Beneficiarios tarjetas")
    PAYROLL_REGISTER = "PAGO_MASIVO", _("Registrar pago masivo")
    AUTHORIZE = "AUTORIZAR", _("Autorizar operaciones")
    QUERIES_ALL = "CONSULTAS_TODAS", _("Consultas: todas")
    QUERIES_PENDING = "CONSULTAS_PENDIENTES", _("Consultas: pendientes")


class SignatureLevel(models.Model):
    """A company's signature levels, in order (A first)."""

    company = models.ForeignKey(
        Company, verbose_name=_("empresa"), on_delete=models.CASCADE, related_name="levels"
    )
    position = models.PositiveSmallIntegerField(_("orden"))
    letter = models.CharField(_("nivel"), max_length=2)

    class Meta:
        verbose_name = _("nivel de firma")
        verbose_name_plural = _("niveles de firma")
        ordering = ["company", "position"]
        constraints = [
            models.UniqueConstraint(fields=["company", "position"], name="level_position_once"),
            models.UniqueConstraint(fields=["company", "letter"], name="level_letter_once"),
        ]

    def __str__(self):
        return self.letter


class Operation(models.TextChoices):
    TRANSFER = "TRANSFERENCIA", _("Transferencias")
    PAYROLL = "PAGO_MASIVO", _("Pagos masivos")
    PAYMENT = "PAGO", _("Pagos de tarjetas y servicios")


class ApprovalBand(models.Model):
    """Up to ``up_to`` (or above every other band when empty), an operation of this type needs
    these signatures, e.g. ["A"] or ["A", "B"]."""

    company = models.ForeignKey(
        Company, verbose_name=_("empresa"), on_delete=models.CASCADE, related_name="bands"
    )
    operation = models.CharField(_("operación"), max_length=14, choices=Operation.choices)
    up_to = models.DecimalField(_("hasta"), max_digits=18, decimal_places=2, null=True, blank=True)
    signatures = models.JSONField(_("firmas"), default=list)

    class Meta:
        verbose_name = _("regla de firmas")
        verbose_name_plural = _("reglas de firmas")
        ordering = ["company", "operation", models.F("up_to").asc(nulls_last=True)]

    def __str__(self):
        return f"{self.get_operation_display()} ≤ {self.up_to or '∞'}: {'+'.join(self.signatures)}"


class CompanyLimit(models.Model):
    company = models.OneToOneField(
        Company, verbose_name=_("empresa"), on_delete=models.CASCADE, related_name="limit"
    )
    daily = models.DecimalField(_("monto máximo diario"), max_digits=18, decimal_places=2)
    weekly = models.DecimalField(_("monto máximo semanal"), max_digits=18, decimal_places=2)
    monthly = models.DecimalField(_("monto máximo mensual"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("cupo de empresa")
        verbose_name_plural = _("cupos de empresa")

    def __str__(self):
        return str(self.company)


class CompanyLimitCeiling(models.Model):
    """The cooperative's maximums for companies: no company may set its limits above them.
    One row; the back office edits it."""

    daily = models.DecimalField(_("máximo diario"), max_digits=18, decimal_places=2)
    weekly = models.DecimalField(_("máximo semanal"), max_digits=18, decimal_places=2)
    monthly = models.DecimalField(_("máximo mensual"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("cupo máximo para empresas")
        verbose_name_plural = _("cupos máximos para empresas")

    def __str__(self):
        return str(self._meta.verbose_name)


class ApprovalOrder(models.Model):
    """An enterprise operation waiting for signatures, then executed once."""

    class Status(models.TextChoices):
        PENDING = "PENDIENTE", _("Pendiente")
        EXECUTED = "APROBADA", _("Aprobada")
        REJECTED = "RECHAZADA", _("Rechazada")
        EXPIRED = "EXPIRADA", _("Expirada")
        WITHDRAWN = "RETIRADA", _("Retirada")
        FAILED = "FALLIDA", _("Fallida")

    company = models.ForeignKey(
        Company, verbose_name=_("empresa"), on_delete=models.PROTECT, related_name="orders"
    )
    operation = models.CharField(_("operación"), max_length=14, choices=Operation.choices)
    kind = models.CharField(_("tipo"), max_length=30)
    concept = models.CharField(_("concepto"), max_length=120, blank=True)
    amount = models.DecimalField(_("monto"), max_digits=18, decimal_places=2)
    charges = models.DecimalField(_("comisiones"), max_digits=18, decimal_places=2, default=0)
    debit_account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("cuenta de débito"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What executes when the signatures are complete (the service's arguments, by id).
    payload = models.JSONField(_("datos de la operación"), default=dict)
    # The signatures the rule asked for when the order was registered: changing the rule later
    # does not change what an order already waiting needs.
    required = models.JSONField(_("firmas requeridas"), default=list, blank=True)
    # The registering form's key: a confirm sent twice registers one order.
    key = models.CharField(_("clave del formulario"), max_length=80, blank=True)
    hold = models.OneToOneField(
        "accounts.Hold",
        verbose_name=_("retención"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order",
    )
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrada por"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("fecha de creación"), auto_now_add=True)
    expires_at = models.DateTimeField(_("vence"))
    decided_at = models.DateTimeField(_("fecha de autorización"), null=True, blank=True)
    result = models.JSONField(_("resultado"), default=dict, blank=True)
    failure_reason = models.CharField(_("motivo de la falla"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("orden por autorizar")
        verbose_name_plural = _("órdenes por autorizar")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "status", "created_at"], name="order_list")]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "key"], condition=~models.Q(key=""), name="order_key_once"
            ),
        ]

    def __str__(self):
        return f"{self.pk} {self.kind} {self.amount} {self.status}"


class Approval(models.Model):
    class Decision(models.TextChoices):
        APPROVE = "APROBADA", _("Aprobó")
        REJECT = "RECHAZADA", _("Rechazó")

    order = models.ForeignKey(
        ApprovalOrder, verbose_name=_("orden"), on_delete=models.CASCADE, related_name="approvals"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    level = models.CharField(_("nivel"), max_length=2, blank=True)
    decision = models.CharField(_("decisión"), max_length=10, choices=Decision.choices)
    reason = models.CharField(_("motivo"), max_length=200, blank=True)
    at = models.DateTimeField(_("fecha"), auto_now_add=True)

    class Meta:
        verbose_name = _("firma")
        verbose_name_plural = _("firmas")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "user"], name="one_signature_per_user")
        ]

    def __str__(self):
        return f"{self.order_id} {self.user} {self.decision}"
