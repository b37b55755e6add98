from django.db import migrations
from django.db.models import F


def approve_members_payees(apps, schema_editor):
    # Only a company's payees wait for an authorizer; a member's are usable once saved. Rows
    # saved without the date (the demo's seeded payee) showed "Por aprobar" to a member, with
    # nobody who could approve them: they take the date they were saved.
    Beneficiary = apps.get_model("transfers", "Beneficiary")
    Beneficiary.objects.filter(approved_at__isnull=True).exclude(owner__kind="COMPANY").update(
        approved_at=F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [("transfers", "0006_transfer_bulk")]

    operations = [migrations.RunPython(approve_members_payees, migrations.RunPython.noop)]
