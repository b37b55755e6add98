"""Scheduled payments: the key that makes a confirmation create one schedule, the run's
"tried again" flag, and the beat task that runs due schedules (in the database, where staff can
see and change it)."""

from django.db import migrations, models

NAME = "Pagos programados por ejecutar"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_fifteen_minutes, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "payments.tasks.schedules_run_due",
            "interval": every_fifteen_minutes,
            "description": "Busca la factura de cada pago programado que toca y la paga "
            "hasta su monto máximo.",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_payments_beat_schedules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="schedule",
            name="idempotency_key",
            field=models.CharField(blank=True, max_length=120, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="schedulerun",
            name="retries",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(create, remove),
    ]
