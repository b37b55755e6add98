from decimal import Decimal

from django.db import migrations

from transfers.services.reference import INSTITUTIONS, LIMITS


def load(apps, schema_editor):
    Institution = apps.get_model("transfers", "Institution")
    for code, name, kind, settlement, cap, is_self in INSTITUTIONS:
        Institution.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "settlement": settlement,
                "immediate_max_amount": Decimal(cap) if cap else None,
                "is_self": is_self,
            },
        )
    CooperativeLimit = apps.get_model("transfers", "CooperativeLimit")
    for category, daily, weekly, monthly in LIMITS:
        CooperativeLimit.objects.get_or_create(
            category=category,
            defaults={
                "daily": Decimal(daily),
                "weekly": Decimal(weekly),
                "monthly": Decimal(monthly),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("transfers", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
