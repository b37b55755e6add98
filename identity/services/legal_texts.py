# ruff: noqa: E501 - prose, one paragraph a line
"""The first published versions of the texts every user accepts. Later versions are
published from the back office (Textos legales); these only fill an empty table (a fresh
database, or one a test emptied: ``terms.terms_ensure``). Never edit them: people accepted
exactly these words."""

CHANNELS = """Estos términos rigen el uso de Cooprogreso en Línea (web y aplicación móvil) por parte del socio de la Cooperativa de Ahorro y Crédito Cooprogreso Ltda.

1. Credenciales. El usuario, la contraseña, la imagen y las preguntas de seguridad son personales e intransferibles. El socio se obliga a no compartirlas y a cambiarlas si sospecha que otra persona las conoce.
2. Factor de seguridad. Cada transacción y cada cambio de seguridad se confirma con un código de un solo uso enviado a los medios de notificación registrados o generado por la aplicación autenticadora. El código aprueba solo la operación indicada en el mensaje y vence a los 3 minutos.
3. Bloqueo. Tres contraseñas incorrectas seguidas bloquean el usuario; el socio puede desbloquearlo con la opción «Desbloquear tu usuario» o en las oficinas.
4. Dispositivos. El socio puede registrar los dispositivos que usa y eliminarlos en cualquier momento desde «Perfil · Dispositivos».
5. Registro. Las operaciones quedan registradas con fecha, hora, dispositivo y dirección IP, y sus comprobantes son prueba de las instrucciones del socio.
6. Horarios y límites. Las transferencias interbancarias se procesan en días hábiles según los horarios del Banco Central del Ecuador; los montos máximos diarios se informan en el portal.
7. Reclamos. El socio puede presentar quejas y reclamos desde «Perfil · Soporte» o en cualquier oficina."""

DATA = """De acuerdo con la Ley Orgánica de Protección de Datos Personales, autorizo a la Cooperativa de Ahorro y Crédito Cooprogreso Ltda. a tratar mis datos personales (identificación, contacto, datos de mis productos y de mis operaciones, dispositivos y direcciones IP desde los que ingreso) con las finalidades de prestarme los servicios de banca en línea, verificar mi identidad, prevenir fraudes y cumplir obligaciones legales.

Mis datos no se cederán a terceros salvo obligación legal o para la prestación de los servicios contratados. Puedo ejercer mis derechos de acceso, rectificación, eliminación, oposición y portabilidad escribiendo a servicio@cooprogreso.local o en cualquier oficina."""


DEFAULTS = {
    "CANALES": ("Términos y Condiciones Canales Digitales", CHANNELS),
    "DATOS": ("Autorizar Tratamiento de datos", DATA),
}
