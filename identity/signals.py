from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .services import sign_in_record


@receiver(user_logged_in)
def _record_sign_in(sender, request, user, **kwargs):
    if request is not None:
        sign_in_record(user=user, request=request)
