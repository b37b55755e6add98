from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .selectors import remember_previous_sign_in
from .services import sign_in_record


@receiver(user_logged_in)
def _record_sign_in(sender, request, user, **kwargs):
    if request is not None:
        remember_previous_sign_in(request=request, user=user)
        sign_in_record(user=user, request=request)
