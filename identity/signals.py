from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from .middleware import session_started
from .models import Member
from .selectors import remember_previous_sign_in
from .services import member_products_changed, sign_in_record


@receiver(user_logged_in)
def _record_sign_in(sender, request, user, **kwargs):
    if request is not None:
        session_started(request)
        remember_previous_sign_in(request=request, user=user)
        sign_in_record(user=user, request=request)


@receiver(post_save, sender=Member)
def _member_changed(sender, instance, created, **kwargs):
    # Name and identification are on the position page (the "Compartir" text).
    if not created:
        member_products_changed(member_ids=[instance.pk])
