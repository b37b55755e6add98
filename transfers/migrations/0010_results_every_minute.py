"""The central bank's answers are applied within a minute, not five: a worker killed while
applying them leaves the rest to the next run, and applying an answer twice changes nothing
(each transfer is settled under its row lock, once), so asking every minute is safe."""

from django.db import migrations
from django.utils import timezone

RESULTS = "Respuestas de lotes SPI"


def every_minute(apps, schema_editor):
    _interval(apps, every=60, period="seconds")


def every_five_minutes(apps, schema_editor):
    _interval(apps, every=5, period="minutes")


def _interval(apps, **schedule):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(**schedule)
    PeriodicTask.objects.filter(name=RESULTS).update(interval=interval)
    # A running beat reloads its schedule when this moves (what PeriodicTask.save() does).
    apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("transfers", "0009_settlement_cycles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(every_minute, every_five_minutes)]
