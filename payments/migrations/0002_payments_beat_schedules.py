"""The beat schedules of service payments (in the database, so the back office sees them):
unknown payments asked about every minute, each biller reconciled every night."""

from django.db import migrations


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.get_or_create(
        name="Consultar pagos de servicios en proceso",
        defaults={"task": "payments.tasks.payments_status_sweep", "interval": every_minute},
    )
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="2",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="America/Guayaquil",
    )
    PeriodicTask.objects.get_or_create(
        name="Conciliación diaria de pagos de servicios",
        defaults={"task": "payments.tasks.payments_reconciliation_daily", "crontab": nightly},
    )


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(
        task__in=[
            "payments.tasks.payments_status_sweep",
            "payments.tasks.payments_reconciliation_daily",
        ]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_catalogue_payments_schedules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
