"""Ending imports a dead worker left IMPORTANDO is scheduled in the database."""

from django.db import migrations

NAME = "Importaciones de nómina abandonadas"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_ten_minutes, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "payroll.tasks.payroll_imports_stale",
            "interval": every_ten_minutes,
            "description": "Da por fallidas las importaciones de nómina que no terminaron.",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("payroll", "0002_resume_schedule")]

    operations = [migrations.RunPython(create, remove)]
