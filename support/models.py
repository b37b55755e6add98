from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from identity.models import Member


class ComplaintProduct(models.TextChoices):
    SAVINGS = "CUENTA_AHORROS", _("Cuenta de ahorros")
    CREDIT_CARD = "TARJETA_CREDITO", _("Tarjeta de crédito")
    DEBIT_CARD = "TARJETA_DEBITO", _("Tarjeta de débito")
    LOAN = "CREDITO", _("Crédito")
    TERM_DEPOSIT = "DEPOSITO_PLAZO", _("Depósito a plazo")
    ONLINE_BANKING = "BANCA_EN_LINEA", _("Banca en línea")
    OTHER = "OTRO", _("Otro")


CARD_PRODUCTS = (ComplaintProduct.CREDIT_CARD, ComplaintProduct.DEBIT_CARD)


class Complaint(models.Model):
    """A complaint (queja o reclamo) as the member filed it: the contact data are a copy taken at
    filing time, so later changes to the member's record do not rewrite what was claimed."""

    class Status(models.TextChoices):
        RECEIVED = "RECIBIDO", _("Recibido")
        IN_PROGRESS = "EN_TRAMITE", _("En trámite")
        RESOLVED = "RESUELTO", _("Resuelto")

    # PROTECT: a complaint is a regulatory record and outlives the login that filed it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("socio"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    # Set right after the insert, in the same transaction, because it is derived from the pk.
    # NULL until then, not "": two filings at once would collide on a unique empty string.
    tracking_number = models.CharField(  # noqa: DJ001
        _("número de reclamo"), max_length=20, unique=True, null=True, editable=False
    )
    # The random token of the form that created it: a second post of the same form finds this
    # row instead of filing the complaint again.
    idempotency_key = models.CharField(
        _("clave de idempotencia"), max_length=64, unique=True, editable=False
    )
    product = models.CharField(_("producto"), max_length=20, choices=ComplaintProduct.choices)
    product_number = models.CharField(_("número de cuenta o tarjeta"), max_length=20, blank=True)
    names = models.CharField(_("nombres y apellidos"), max_length=250)
    identification = models.CharField(_("identificación"), max_length=20)
    phone = models.CharField(_("teléfono"), max_length=20)
    # The registered address the acknowledgement went to, copied by the service; never typed in
    # the form. Empty when the filer had none, and then nothing was sent.
    email = models.EmailField(_("correo electrónico"), blank=True, editable=False)
    description = models.TextField(_("descripción"))
    claimed_amount = models.DecimalField(
        _("monto reclamado"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    returned_amount = models.DecimalField(
        _("monto devuelto"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    data_consent = models.BooleanField(_("autoriza el tratamiento de datos"), default=False)
    # Name inside the private attachments storage (random); never a path under a public URL.
    attachment_name = models.CharField(_("adjunto"), max_length=100, blank=True, editable=False)
    attachment_original_name = models.CharField(
        _("nombre original del adjunto"), max_length=255, blank=True, editable=False
    )
    attachment_content_type = models.CharField(
        _("tipo del adjunto"), max_length=40, blank=True, editable=False
    )
    attachment_size = models.PositiveIntegerField(
        _("tamaño del adjunto (bytes)"), null=True, blank=True, editable=False
    )
    status = models.CharField(
        _("estado"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    created_at = models.DateTimeField(_("recibido"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("reclamo")
        verbose_name_plural = _("quejas y reclamos")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.tracking_number or f"#{self.pk}"

    def get_absolute_url(self):
        return reverse("support:complaint_done", args=[self.tracking_number])
