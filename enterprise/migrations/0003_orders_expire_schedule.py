"""Expiring unsigned orders is scheduled in the database, where staff can see and change it."""

from django.db import migrations

NAME = "Órdenes de empresa vencidas"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_five_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "enterprise.tasks.orders_expire",
            "interval": every_five_minutes,
            "description": "Vence las órdenes sin firmas completas y libera sus fondos retenidos.",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("enterprise", "0002_approval_engine"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
