from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from identity.services import member_products_changed

from .models import Account, TermDeposit


@receiver([post_save, post_delete], sender=Account)
@receiver([post_save, post_delete], sender=TermDeposit)
def _owner_products_changed(sender, instance, **kwargs):
    # ORM writes (back-office edits, holds); the ledger's own SQL bumps the version itself.
    member_products_changed(member_ids=[instance.owner_id])
