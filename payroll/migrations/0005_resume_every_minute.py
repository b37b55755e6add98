"""Bulk payments a killed worker left half paid are resumed within a minute, not five: the
sweep leaves an order a live worker is paying alone (its claim, ``common.claims``), so
sweeping often costs one query a minute and never repeats a live worker's work."""

from django.db import migrations
from django.utils import timezone

NAME = "Pagos masivos por terminar"


def every_minute(apps, schema_editor):
    _interval(apps, every=60, period="seconds")


def every_five_minutes(apps, schema_editor):
    _interval(apps, every=5, period="minutes")


def _interval(apps, **schedule):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(**schedule)
    PeriodicTask.objects.filter(name=NAME).update(interval=interval)
    # A running beat reloads its schedule when this moves (what PeriodicTask.save() does).
    apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("payroll", "0004_spanish_labels"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(every_minute, every_five_minutes)]
