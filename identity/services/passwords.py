"""The cooperative's password rules, as Django password validators: every place that sets a
password (the wizard, "Cambiar contraseña", the back office, ``changepassword``) applies them."""

from __future__ import annotations

import re

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

SPECIALS = "$@#!%*?&"
MIN_LENGTH = 8
MAX_LENGTH = 15

RULES_TEXT = (
    "La contraseña debe contener letras mayúsculas y minúsculas, números y caracteres "
    "especiales como: $@#!%*?&, ej.: Password11$"
)
LENGTH_TEXT = "La longitud permitida es de 8 a 15 caracteres"


class CompositionValidator:
    def validate(self, password, user=None):
        problems = []
        if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
            problems.append(gettext("La longitud permitida es de 8 a 15 caracteres."))
        if not (
            re.search(r"[A-ZÑ]", password)
            and re.search(r"[a-zñ]", password)
            and re.search(r"\d", password)
            and any(c in SPECIALS for c in password)
        ):
            problems.append(
                gettext(
                    "La contraseña debe contener letras mayúsculas y minúsculas, números y un "
                    "carácter especial como $@#!%*?&."
                )
            )
        if any(c.isspace() for c in password):
            problems.append(gettext("La contraseña no puede contener espacios."))
        if problems:
            raise ValidationError(problems, code="password_composition")

    def get_help_text(self):
        return gettext(RULES_TEXT)


class NotUsernameValidator:
    def validate(self, password, user=None):
        username = (getattr(user, "username", "") or "").lower()
        if username and username in password.lower():
            raise ValidationError(
                gettext("La contraseña no puede contener tu nombre de usuario."),
                code="password_has_username",
            )

    def get_help_text(self):
        return gettext("La contraseña no puede contener tu nombre de usuario.")


class HistoryValidator:
    """Refuses the current password and the previous ones; records each new one."""

    def __init__(self, remember: int = 5):
        self.remember = remember

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        from ..models import PasswordHistory

        hashes = list(
            PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[
                : self.remember
            ]
        )
        if user.password:
            hashes.append(user.password)
        if any(check_password(password, encoded) for encoded in hashes if encoded):
            raise ValidationError(
                gettext("No puedes repetir ninguna de tus últimas %(n)s contraseñas.")
                % {"n": self.remember},
                code="password_reused",
            )

    def password_changed(self, password, user=None):
        if user is None or user.pk is None:
            return
        from ..models import PasswordHistory

        PasswordHistory.objects.create(user=user, password=user.password)
        stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[
            self.remember :
        ]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self):
        return gettext("No puedes repetir ninguna de tus últimas %(n)s contraseñas.") % {
            "n": self.remember
        }
