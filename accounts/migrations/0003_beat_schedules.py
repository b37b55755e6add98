"""Schedules live in the database so back-office staff can see and change them."""

from django.db import migrations


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.get_or_create(
        name="Liberar retenciones vencidas",
        defaults={"task": "accounts.tasks.holds_expire", "interval": every_minute},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_ledger_guards_and_internal_accounts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, migrations.RunPython.noop)]
