from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import session_started
from .selectors import remember_previous_sign_in
from .services.audit import sign_in_record


@receiver(user_logged_in)
def _record_sign_in(sender, request, user, **kwargs):
    if request is not None:
        session_started(request)
        remember_previous_sign_in(request=request, user=user)
        sign_in_record(user=user, request=request)
