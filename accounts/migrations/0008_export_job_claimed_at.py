"""When a worker claimed an export job, so the sweep can give back one whose worker was killed.

Jobs already PROCESANDO have no claim time: they count as claimed now, so the sweep gives them
back once the hard time limit has passed from here (no worker still on them can outlive it).
"""

from django.db import migrations, models
from django.utils import timezone


def claim_running_now(apps, schema_editor):
    ExportJob = apps.get_model("accounts", "ExportJob")
    ExportJob.objects.filter(status="PROCESANDO").update(claimed_at=timezone.now(), attempts=1)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_exports_resume_schedule'),
    ]

    operations = [
        migrations.AddField(
            model_name='exportjob',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='intentos'),
        ),
        migrations.AddField(
            model_name='exportjob',
            name='claimed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='tomada por un proceso'),
        ),
        migrations.RunPython(claim_running_now, migrations.RunPython.noop),
    ]
