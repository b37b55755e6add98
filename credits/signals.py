from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from identity.services import member_products_changed

from .models import Card, Loan


@receiver([post_save, post_delete], sender=Loan)
@receiver([post_save, post_delete], sender=Card)
def _owner_products_changed(sender, instance, **kwargs):
    member_products_changed(member_ids=[instance.owner_id])
