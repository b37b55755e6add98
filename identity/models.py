from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class IdType(models.TextChoices):
    CEDULA = "CEDULA", _("Cédula")
    RUC = "RUC", _("RUC")
    PASSPORT = "PASSPORT", _("Pasaporte")


class Member(models.Model):
    """A customer of the cooperative (socio): a person or a company (legal person with a RUC).

    Products are owned by a Member; users sign in to operate one Member's products.
    """

    class Kind(models.TextChoices):
        PERSON = "PERSON", _("Persona natural")
        COMPANY = "COMPANY", _("Persona jurídica")

    kind = models.CharField(_("tipo"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    id_type = models.CharField(_("tipo de identificación"), max_length=10, choices=IdType.choices)
    identification = models.CharField(_("identificación"), max_length=20, unique=True)
    first_names = models.CharField(_("nombres"), max_length=120)
    last_names = models.CharField(_("apellidos"), max_length=120, blank=True)
    address = models.CharField(_("dirección"), max_length=200, blank=True)
    phone = models.CharField(_("teléfono"), max_length=20, blank=True)
    email = models.EmailField(_("correo electrónico"), blank=True)
    created_at = models.DateTimeField(_("registrado"), auto_now_add=True)
    # Bumped in the same database transaction as any change to the member's products, so a
    # page cached under the old number can never be served after the change commits.
    products_version = models.PositiveBigIntegerField(
        _("versión de los productos"), default=0, editable=False
    )

    class Meta:
        verbose_name = _("socio")
        verbose_name_plural = _("socios")
        ordering = ["last_names", "first_names"]

    def __str__(self):
        return f"{self.full_name} ({self.identification})"

    def save(self, *args, **kwargs):
        # A guard, not a bump: products_version is only ever incremented in SQL (the services'
        # member_products_changed, the ledger's posting), and an instance read before such a
        # change (a form, the admin) holds an older number, and writing it back would make
        # pages cached before the change current again: a save leaves the field out.
        if (
            self.pk is not None
            and not kwargs.get("force_insert")
            and kwargs.get("update_fields") is None
        ):
            kwargs["update_fields"] = [
                f.attname
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "products_version"
            ]
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_names} {self.last_names}".strip()


class OtpFactor(models.TextChoices):
    EMAIL = "EMAIL", _("Correo electrónico")
    SMS = "SMS", _("Mensaje de texto (SMS)")
    TOTP = "TOTP", _("Aplicación autenticadora")
    PASSKEY = "PASSKEY", _("Llave de acceso (biometría)")


class SecurityImage(models.TextChoices):
    # The ten pictures of the phone app's "Recuperar contraseña" screen.
    BILLETE = "billete", _("Billete")
    SOMBRERO = "sombrero", _("Sombrero")
    MAPA = "mapa", _("Mapa")
    ENCHUFE = "enchufe", _("Enchufe")
    CAFE = "cafe", _("Café")
    LAPIZ = "lapiz", _("Lápiz")
    GUITARRA = "guitarra", _("Guitarra")
    MUNDO = "mundo", _("Mundo")
    ESTRELLA = "estrella", _("Estrella")
    DELFIN = "delfin", _("Delfín")


class User(AbstractUser):
    """A login. ``customer`` is the Member whose products this login operates: the person
    themself for retail users, the company for enterprise users."""

    customer = models.ForeignKey(
        Member,
        verbose_name=_("socio que opera"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    hide_amounts = models.BooleanField(_("ocultar montos"), default=False)
    # Temporary credentials (enrolment, staff-created users): the first sign-in must choose a
    # username, a password and, for members, the security image and questions.
    needs_setup = models.BooleanField(_("debe configurar credenciales"), default=False)
    # A temporary password from "Olvidé mi contraseña": the next sign-in must replace it.
    must_change_password = models.BooleanField(_("debe cambiar la contraseña"), default=False)
    temporary_expires_at = models.DateTimeField(
        _("credenciales temporales vencen"), null=True, blank=True
    )
    otp_factor = models.CharField(
        _("factor de seguridad predeterminado"),
        max_length=10,
        choices=OtpFactor.choices,
        default=OtpFactor.EMAIL,
    )
    security_image = models.CharField(
        _("imagen de seguridad"), max_length=20, choices=SecurityImage.choices, blank=True
    )
    # Part of the session hash: raising it ends every other session of this user at once.
    session_epoch = models.PositiveIntegerField(
        _("generación de sesiones"), default=0, editable=False
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("usuario")
        verbose_name_plural = _("usuarios")

    def get_session_auth_hash(self):
        # Django's hash covers the password; the epoch adds "cerrar otras sesiones" after a
        # factor or security change that leaves the password as it was.
        return salted_hmac(
            "identity.User.session",
            f"{self.password}:{self.session_epoch}",
            algorithm="sha256",
        ).hexdigest()

    @property
    def is_company_user(self) -> bool:
        return self.customer_id is not None and self.customer.kind == Member.Kind.COMPANY


class SignIn(models.Model):
    """One successful sign-in, shown to the user as "Última conexión" next time."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario"),
        on_delete=models.CASCADE,
        related_name="sign_ins",
    )
    at = models.DateTimeField(_("fecha"), auto_now_add=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    user_agent = models.CharField(_("navegador (agente de usuario)"), max_length=300, blank=True)
    device = models.CharField(_("dispositivo"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("inicio de sesión")
        verbose_name_plural = _("inicios de sesión")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self):
        return f"{self.user} {self.at:%Y-%m-%d %H:%M}"


class AuditEvent(models.Model):
    """Who changed what, from what to what, and why. Written by services, never edited."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("realizado por"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("acción"), max_length=60, db_index=True)
    target_type = models.CharField(_("tipo de registro"), max_length=60)
    target_id = models.CharField(_("N.º de registro"), max_length=60)
    before = models.JSONField(_("antes"), null=True, blank=True)
    after = models.JSONField(_("después"), null=True, blank=True)
    reason = models.TextField(_("motivo"), blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    at = models.DateTimeField(_("fecha"), auto_now_add=True, db_index=True)
    # Whose records these are beyond the actor's (e.g. "company:12"), so a company's
    # administrators can read every change made in their company.
    scope = models.CharField(_("ámbito"), max_length=40, blank=True, db_index=True)

    class Meta:
        verbose_name = _("evento de auditoría")
        verbose_name_plural = _("auditoría")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.action} {self.target_type}:{self.target_id}"


class Notification(models.Model):
    """The outbox: every e-mail and SMS the portal sends is a row first, written in the same
    transaction as what it tells about, and delivered by a worker after commit."""

    class Channel(models.TextChoices):
        EMAIL = "EMAIL", _("Correo electrónico")
        SMS = "SMS", _("SMS")

    class Status(models.TextChoices):
        PENDING = "PENDIENTE", _("Pendiente")
        SENDING = "ENVIANDO", _("Enviando")
        SENT = "ENVIADA", _("Enviada")
        FAILED = "FALLIDA", _("Fallida")
        # Never delivered: a code for data that matched nobody, or one over a recovery budget.
        # The row is written anyway so both cases cost a request the same work.
        SUPPRESSED = "SUPRIMIDA", _("No enviada")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("destinatario"), max_length=254)
    subject = models.CharField(_("asunto"), max_length=200, blank=True)
    body = models.TextField(_("mensaje"))
    # Codes and credentials: erased after delivery and never shown in the back office.
    sensitive = models.BooleanField(_("confidencial"), default=False)
    # Messages that anonymous flows (recovery, enrolment) send count against this budget of
    # the recipient's (``identity.services.otp``: BUDGET_RECOVERY…); empty for everything else.
    budget = models.CharField(_("cupo de mensajes"), max_length=20, blank=True)
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("intentos"), default=0)
    last_error = models.CharField(_("último error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("creada"), auto_now_add=True, db_index=True)
    claimed_at = models.DateTimeField(_("tomada para enviar"), null=True, blank=True)
    sent_at = models.DateTimeField(_("enviada"), null=True, blank=True)

    class Meta:
        verbose_name = _("notificación")
        verbose_name_plural = _("notificaciones")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="notification_due"),
            models.Index(fields=["recipient", "budget", "created_at"], name="notification_budget"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {self.recipient} {self.status}"


class OtpChallenge(models.Model):
    """A one-time code that approves one exact operation, once, within a few minutes."""

    class Status(models.TextChoices):
        PENDING = "PENDIENTE", _("Pendiente")
        USED = "USADO", _("Usado")
        EXPIRED = "EXPIRADO", _("Expirado")
        BLOCKED = "BLOQUEADO", _("Bloqueado")
        CANCELLED = "ANULADO", _("Anulado")

    # Enrolment codes go to a member who has no user yet.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("socio"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    purpose = models.CharField(_("operación"), max_length=60)
    # What the code approves: the operation kind plus a digest of its amount, payee, account.
    digest = models.CharField(_("resumen de la operación"), max_length=64)
    description = models.CharField(_("descripción"), max_length=200)
    salt = models.CharField(_("sal"), max_length=32)
    code_hash = models.CharField(_("código (hash)"), max_length=128)
    channel = models.CharField(_("canal"), max_length=10, choices=OtpFactor.choices)
    destination = models.CharField(_("enviado a"), max_length=254, blank=True)
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # Passkeys sign this instead of typing a code: random, and derived from the digest, so the
    # signature too approves only this operation.
    webauthn_challenge = models.CharField(
        _("desafío de la llave de acceso"), max_length=100, blank=True
    )
    attempts = models.PositiveSmallIntegerField(_("intentos fallidos"), default=0)
    resends = models.PositiveSmallIntegerField(_("reenvíos"), default=0)
    # The recipient's message budget its codes and alerts count against (Notification.budget).
    budget = models.CharField(_("cupo de mensajes"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    expires_at = models.DateTimeField(_("vence"))
    used_at = models.DateTimeField(_("usado"), null=True, blank=True)
    # A confirmation sent again (double click, resubmit) gets the first one's result instead of
    # a refusal, only from the session that confirmed it and with the same code: a keyed digest
    # of both (services/otp.py, challenge_repeated), and where the first confirmation ended.
    repeat_digest = models.CharField(_("confirmación (hash)"), max_length=64, blank=True)
    result_url = models.CharField(_("resultado"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("código de verificación")
        verbose_name_plural = _("códigos de verificación")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "purpose", "status"], name="otp_live")]

    def __str__(self):
        return f"{self.user} {self.purpose} {self.status}"


class RecoveryRequest(models.Model):
    """A request to a flow before sign-in (recovery, enrolment). The budgets that keep these
    anonymous flows from being scripted against a member count these rows (see
    identity/recovery_limits.py); the address and identification are keyed hashes, since the
    rows are for counting, not for reading."""

    flow = models.CharField(_("trámite"), max_length=30)
    ip = models.CharField(_("IP (hash)"), max_length=64)
    identification = models.CharField(_("identificación (hash)"), max_length=64)
    # From a browser the person registered: counted apart, so strangers cannot spend it.
    device = models.BooleanField(_("desde un dispositivo registrado"), default=False)
    created_at = models.DateTimeField(_("fecha"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("solicitud de recuperación")
        verbose_name_plural = _("solicitudes de recuperación")
        indexes = [
            models.Index(fields=["ip", "created_at"], name="recovery_by_ip"),
            models.Index(fields=["identification", "created_at"], name="recovery_by_id"),
        ]

    def __str__(self):
        return f"{self.flow} {self.created_at:%Y-%m-%d %H:%M}"


class TermsDocument(models.Model):
    """A published version of a text the user must accept. A new version makes every user
    accept it again at their next sign-in."""

    class Kind(models.TextChoices):
        DIGITAL_CHANNELS = "CANALES", _("Términos y Condiciones Canales Digitales")
        DATA_PROCESSING = "DATOS", _("Tratamiento de datos")

    kind = models.CharField(_("documento"), max_length=10, choices=Kind.choices)
    version = models.PositiveSmallIntegerField(_("versión"))
    title = models.CharField(_("título"), max_length=200)
    body = models.TextField(_("texto"))
    published_at = models.DateTimeField(_("publicado"), auto_now_add=True)

    class Meta:
        verbose_name = _("texto legal")
        verbose_name_plural = _("textos legales")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="terms_kind_version")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version}"


class Consent(models.Model):
    """Who accepted which version of which text, when and from where. Never edited."""

    member = models.ForeignKey(
        Member, verbose_name=_("socio"), on_delete=models.PROTECT, related_name="consents"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents",
    )
    document = models.ForeignKey(
        TermsDocument, verbose_name=_("documento"), on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(_("aceptado"), auto_now_add=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    user_agent = models.CharField(_("navegador (agente de usuario)"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("aceptación")
        verbose_name_plural = _("aceptaciones")
        ordering = ["-accepted_at", "-id"]

    def __str__(self):
        return f"{self.member} {self.document} {self.accepted_at:%Y-%m-%d %H:%M}"


class Enrolment(models.Model):
    """A member's self-enrolment. When the cooperative requires it, the credentials go out only
    after staff approve it."""

    class Status(models.TextChoices):
        PENDING = "PENDIENTE", _("Pendiente de aprobación")
        APPROVED = "APROBADA", _("Aprobada")
        REJECTED = "RECHAZADA", _("Rechazada")

    member = models.ForeignKey(
        Member, verbose_name=_("socio"), on_delete=models.PROTECT, related_name="enrolments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_at = models.DateTimeField(_("solicitada"), auto_now_add=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resuelta por"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("resuelta"), null=True, blank=True)

    class Meta:
        verbose_name = _("afiliación")
        verbose_name_plural = _("afiliaciones")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per member: a second "Regístrate" cannot queue two users.
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(status="PENDIENTE"),
                name="enrolment_one_pending",
            )
        ]

    def __str__(self):
        return f"{self.member} {self.get_status_display()}"


class PasswordHistory(models.Model):
    """Hashes of a user's recent passwords: a new one may not repeat the last five."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario"),
        on_delete=models.CASCADE,
        related_name="password_history",
    )
    password = models.CharField(_("contraseña (hash)"), max_length=128)
    created_at = models.DateTimeField(_("fecha"), auto_now_add=True)

    class Meta:
        verbose_name = _("contraseña anterior")
        verbose_name_plural = _("contraseñas anteriores")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d}"


class SecurityAnswer(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario"),
        on_delete=models.CASCADE,
        related_name="security_answers",
    )
    question = models.CharField(_("pregunta"), max_length=20)
    # Hashed like a password, over the normalized answer: staff never see the answers.
    answer = models.CharField(_("respuesta (hash)"), max_length=128)
    created_at = models.DateTimeField(_("registrada"), auto_now_add=True)

    class Meta:
        verbose_name = _("pregunta de seguridad")
        verbose_name_plural = _("preguntas de seguridad")
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="answer_per_question")
        ]

    def __str__(self):
        return f"{self.user} {self.question}"


class TrustedDevice(models.Model):
    """A browser the user chose to register ("Sí, guardar"). The browser holds a random token
    in a cookie; only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario"),
        on_delete=models.CASCADE,
        related_name="devices",
    )
    token_hash = models.CharField(_("token (hash)"), max_length=64)
    alias = models.CharField(_("alias"), max_length=40)
    browser = models.CharField(_("marca"), max_length=60, blank=True)
    device_type = models.CharField(_("modelo"), max_length=60, blank=True)
    os_name = models.CharField(_("sistema operativo"), max_length=60, blank=True)
    os_version = models.CharField(_("versión sistema operativo"), max_length=30, blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("registrado"), auto_now_add=True)
    last_active_at = models.DateTimeField(_("fecha activo"), null=True, blank=True)
    removed_at = models.DateTimeField(_("eliminado"), null=True, blank=True)
    removal_reason = models.CharField(_("motivo"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("dispositivo")
        verbose_name_plural = _("dispositivos")
        ordering = ["-last_active_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "token_hash"],
                condition=models.Q(removed_at__isnull=True),
                name="device_active_token",
            )
        ]

    def __str__(self):
        return f"{self.user} {self.alias}"


class Passkey(models.Model):
    """A WebAuthn credential (platform biometrics or a security key): the web form of the
    phone app's "Registro biométrico"."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario"),
        on_delete=models.CASCADE,
        related_name="passkeys",
    )
    credential_id = models.CharField(
        _("identificador de la credencial"), max_length=1400, unique=True
    )
    public_key = models.BinaryField(_("llave pública"))
    sign_count = models.PositiveBigIntegerField(_("firmas realizadas"), default=0)
    name = models.CharField(_("nombre"), max_length=40)
    created_at = models.DateTimeField(_("registrada"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("último uso"), null=True, blank=True)

    class Meta:
        verbose_name = _("llave de acceso")
        verbose_name_plural = _("llaves de acceso")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.user} {self.name}"
