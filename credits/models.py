from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from identity.models import Member


class Loan(models.Model):
    """A loan's summary as the position shows it; the schedule comes with the credits work."""

    class Status(models.TextChoices):
        ACTIVE = "VIGENTE", _("VIGENTE")
        OVERDUE = "VENCIDO", _("VENCIDO")
        PAID = "CANCELADO", _("CANCELADO")

    number = models.CharField(_("número"), max_length=20, unique=True)
    owner = models.ForeignKey(
        Member, verbose_name=_("socio"), on_delete=models.PROTECT, related_name="loans"
    )
    product_name = models.CharField(_("descripción"), max_length=80)
    amount = models.DecimalField(_("monto"), max_digits=18, decimal_places=2)
    outstanding = models.DecimalField(_("saldo de capital"), max_digits=18, decimal_places=2)
    instalment = models.DecimalField(_("cuota"), max_digits=18, decimal_places=2)
    instalments = models.PositiveSmallIntegerField(_("número de cuotas"))
    instalments_paid = models.PositiveSmallIntegerField(_("cuotas pagadas"), default=0)
    annual_rate = models.DecimalField(_("tasa (%)"), max_digits=6, decimal_places=3)
    issued_on = models.DateField(_("fecha de emisión"))
    next_due_on = models.DateField(_("fecha próxima cuota"), null=True, blank=True)
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )

    class Meta:
        verbose_name = _("crédito")
        verbose_name_plural = _("créditos")
        ordering = ["-issued_on"]

    def __str__(self):
        return f"{self.number} {self.product_name}"

    def is_overdue(self, today) -> bool:
        """An instalment whose date has passed without being paid: the loan is in arrears,
        whatever its stored status still says."""
        if self.status == self.Status.OVERDUE:
            return True
        return self.status == self.Status.ACTIVE and bool(
            self.next_due_on and self.next_due_on < today
        )


class Card(models.Model):
    """A card of the cooperative. A credit card with a ledger ``account`` (product TARJETA,
    opened by ``credits.services.card_account_open``) keeps its credit there: the account's
    balance is the credit still available, so a payment or a purchase posted through the ledger
    shows on the position at once. A card without one shows the amounts staff typed."""

    class Kind(models.TextChoices):
        CREDIT = "CREDITO", _("Crédito")
        DEBIT = "DEBITO", _("Débito")

    owner = models.ForeignKey(
        Member, verbose_name=_("socio"), on_delete=models.PROTECT, related_name="cards"
    )
    kind = models.CharField(_("tipo"), max_length=10, choices=Kind.choices, default=Kind.CREDIT)
    brand = models.CharField(_("marca"), max_length=30)
    masked_number = models.CharField(_("número"), max_length=19)
    credit_limit = models.DecimalField(
        _("cupo total"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    used_revolving = models.DecimalField(
        _("utilizado rotativo"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    used_deferred = models.DecimalField(
        _("utilizado diferido"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    minimum_payment = models.DecimalField(
        _("pago mínimo"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    payment_due_on = models.DateField(_("fecha máxima de pago"), null=True, blank=True)
    account = models.OneToOneField(
        Account,
        verbose_name=_("cuenta contable"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="card",
    )
    # The keyed hash of the number (``common.cards.card_token``): how a payment finds the card.
    number_token = models.CharField(_("token del número"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("tarjeta")
        verbose_name_plural = _("tarjetas")
        constraints = [
            models.UniqueConstraint(
                fields=["number_token"], condition=~Q(number_token=""), name="card_token_once"
            )
        ]

    def __str__(self):
        return f"{self.brand} {self.masked_number}"

    @property
    def available_credit(self) -> Decimal:
        if self.account_id is not None:
            return self.account.balance
        return self.credit_limit - self.used_revolving - self.used_deferred

    @property
    def used_total(self) -> Decimal:
        """Everything owed on the card: what its owner pays with «Pago total»."""
        return max(self.credit_limit - self.available_credit, Decimal("0.00"))

    @property
    def revolving(self) -> Decimal:
        """Used outside deferred purchases (with a ledger account: the total owed less what is
        deferred)."""
        if self.account_id is not None:
            return max(self.used_total - self.used_deferred, Decimal("0.00"))
        return self.used_revolving

    @property
    def minimum_due(self) -> Decimal:
        """«Pago mínimo»: the statement's minimum, never more than what is owed."""
        return min(self.minimum_payment, self.used_total)
