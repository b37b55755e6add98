from django.db import migrations

from identity.services.legal_texts import DEFAULTS


def publish(apps, schema_editor):
    TermsDocument = apps.get_model("identity", "TermsDocument")
    for kind, (title, body) in DEFAULTS.items():
        TermsDocument.objects.get_or_create(
            kind=kind, version=1, defaults={"title": title, "body": body}
        )


class Migration(migrations.Migration):
    dependencies = [("identity", "0006_credentials_devices_consents")]

    operations = [migrations.RunPython(publish, migrations.RunPython.noop)]
