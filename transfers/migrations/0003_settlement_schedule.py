"""Settlement schedules live in the database (django-celery-beat) so back-office staff can see
and change them. Cycle times are data (DOMAIN.md "Interbank transfers"); the task itself skips
holidays and closed days."""

from django.db import migrations

CYCLES = "Ciclos de compensación SPI"
RESULTS = "Respuestas de lotes SPI"
IMMEDIATE = "Transferencias inmediatas pendientes (SPI)"
INCOMING = "Transferencias recibidas (SPI)"


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    cycles, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="9,11,13,15",
        day_of_week="1-5",
        day_of_month="*",
        month_of_year="*",
        timezone="America/Guayaquil",
    )
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    every_five_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=CYCLES,
        defaults={
            "task": "transfers.tasks.settlement_cycle",
            "crontab": cycles,
            "description": "Arma y envía el lote de transferencias interbancarias al BCE.",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=RESULTS,
        defaults={
            "task": "transfers.tasks.settlement_results",
            "interval": every_five_minutes,
            "description": "Aplica las acreditaciones y devoluciones de los lotes enviados.",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=IMMEDIATE,
        defaults={"task": "transfers.tasks.immediate_sweep", "interval": every_minute},
    )
    PeriodicTask.objects.get_or_create(
        name=INCOMING,
        defaults={"task": "transfers.tasks.incoming_credits", "interval": every_minute},
    )


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[CYCLES, RESULTS, IMMEDIATE, INCOMING]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("transfers", "0002_reference_data"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
