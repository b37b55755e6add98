"""Bulk payments (nómina, proveedores): an uploaded sheet becomes a batch of rows; selected rows
are paid through one approval order, each row keeping its own fate."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 18, "decimal_places": 2}


#: the approval-order kind (and operation code) of a bulk payment
PAYROLL_KIND = "PAGO_MASIVO"


class PayrollBatch(models.Model):
    class Status(models.TextChoices):
        IMPORTING = "IMPORTANDO", _("Importando")
        INVALID = "CON_ERRORES", _("Con errores")
        VALID = "VALIDADO", _("Validado")
        SAVED = "GUARDADO", _("Guardado")
        UNREADABLE = "FALLIDO", _("Archivo no válido")

    id = models.UUIDField(_("identificador"), primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey(
        "enterprise.Company",
        verbose_name=_("empresa"),
        on_delete=models.PROTECT,
        related_name="payroll_batches",
    )
    name = models.CharField(_("nombre"), max_length=80)
    status = models.CharField(
        _("estado"), max_length=12, choices=Status.choices, default=Status.IMPORTING
    )
    source_name = models.CharField(_("archivo"), max_length=200, blank=True)
    # Where the uploaded file waits for the import task (outside the web root); erased after.
    source_path = models.CharField(_("ruta del archivo"), max_length=400, blank=True)
    rows_read = models.PositiveIntegerField(_("filas leídas"), default=0)
    rows_count = models.PositiveIntegerField(_("filas"), default=0)
    invalid_count = models.PositiveIntegerField(_("filas con errores"), default=0)
    warnings_count = models.PositiveIntegerField(_("advertencias"), default=0)
    total = models.DecimalField(_("total"), default=0, **MONEY)
    # A problem with the whole file (not a row): shown instead of the rows.
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrado por"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("fecha"), auto_now_add=True)
    saved_at = models.DateTimeField(_("guardado"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("eliminado"), null=True, blank=True)

    class Meta:
        verbose_name = _("lote de pago masivo")
        verbose_name_plural = _("lotes de pago masivo")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["company", "status", "created_at"], name="batch_list")]

    def __str__(self):
        return f"{self.name} ({self.pk})"


class PayrollRow(models.Model):
    class IdType(models.TextChoices):
        CEDULA = "CEDULA", _("Cédula")
        RUC = "RUC", _("RUC")
        PASSPORT = "PASAPORTE", _("Pasaporte")

    class AccountType(models.TextChoices):
        SAVINGS = "AHORROS", _("Ahorros")
        CHECKING = "CORRIENTE", _("Corriente")

    class Payment(models.TextChoices):
        NONE = "", _("Sin pagar")
        PENDING = "PENDIENTE", _("Pendiente")
        PAID = "PAGADO", _("Pagado")
        SENT = "ENVIADO", _("Enviado a otra institución")
        REJECTED = "RECHAZADO", _("Rechazado")
        RETURNED = "DEVUELTO", _("Devuelto")

    batch = models.ForeignKey(
        PayrollBatch, verbose_name=_("lote"), on_delete=models.CASCADE, related_name="rows"
    )
    line = models.PositiveIntegerField(_("fila"))
    identification = models.CharField(_("identificación"), max_length=20, blank=True)
    id_type = models.CharField(_("tipo de identificación"), max_length=10, blank=True)
    name = models.CharField(_("nombres"), max_length=120, blank=True)
    email = models.CharField(_("correo electrónico"), max_length=254, blank=True)
    account_number = models.CharField(_("número de cuenta"), max_length=20, blank=True)
    account_type = models.CharField(_("tipo de cuenta"), max_length=10, blank=True)
    amount = models.DecimalField(_("valor"), null=True, blank=True, **MONEY)
    institution = models.ForeignKey(
        "transfers.Institution",
        verbose_name=_("institución"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    interbank = models.BooleanField(_("cuenta interbancaria"), default=False)
    # The member's account a Cooprogreso row credits (resolved when validated).
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("cuenta en Cooprogreso"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # [{"column": …, "message": …}]
    errors = models.JSONField(_("errores"), default=list, blank=True)
    warnings = models.JSONField(_("advertencias"), default=list, blank=True)
    payment = models.CharField(
        _("estado del pago"), max_length=10, choices=Payment.choices, default="", blank=True
    )
    payment_reason = models.CharField(_("motivo"), max_length=200, blank=True)
    order = models.ForeignKey(
        "enterprise.ApprovalOrder",
        verbose_name=_("orden"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payroll_rows",
    )
    transaction = models.ForeignKey(
        "accounts.Transaction",
        verbose_name=_("transacción"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    transfer = models.OneToOneField(
        "transfers.Transfer",
        verbose_name=_("transferencia"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payroll_row",
    )

    class Meta:
        verbose_name = _("fila de pago masivo")
        verbose_name_plural = _("filas de pago masivo")
        ordering = ["batch", "line"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "line"], name="payroll_row_line_once")
        ]
        indexes = [models.Index(fields=["order", "payment"], name="payroll_row_payment")]

    def __str__(self):
        return f"{self.batch_id}:{self.line}"
