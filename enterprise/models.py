from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from identity.models import Member


class Company(models.Model):
    """A company banking through the enterprise portal; its products belong to its Member."""

    member = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="company")
    name = models.CharField(_("razón social"), max_length=150)

    class Meta:
        verbose_name = _("empresa")
        verbose_name_plural = _("empresas")

    def __str__(self):
        return self.name


class CompanyRole(models.TextChoices):
    ADMIN = "ADMIN", _("ADMINISTRADOR")
    MAKER = "MAKER", _("INGRESADOR")
    APPROVER = "APPROVER", _("AUTORIZADOR")


class CompanyUser(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="company_profile"
    )
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="users")
    role = models.CharField(_("rol"), max_length=10, choices=CompanyRole.choices)

    class Meta:
        verbose_name = _("usuario de empresa")
        verbose_name_plural = _("usuarios de empresa")

    def __str__(self):
        return f"{self.user} {self.get_role_display()}"
