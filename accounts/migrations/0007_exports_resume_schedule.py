"""The sweep that builds a download whose "look now" message never reached a worker."""

from django.db import migrations


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.get_or_create(
        name="Reanudar descargas en cola",
        defaults={"task": "accounts.tasks.exports_resume", "interval": every_minute},
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task="accounts.tasks.exports_resume").delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_payments_in_transit_and_cards")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
