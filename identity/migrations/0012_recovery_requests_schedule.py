from django.db import migrations


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="40", hour="3", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="America/Guayaquil",
    )
    PeriodicTask.objects.get_or_create(
        name="Borrar solicitudes de recuperación antiguas",
        defaults={"task": "identity.tasks.recovery_requests_clear", "crontab": nightly},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0011_recovery_budgets"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, migrations.RunPython.noop)]
