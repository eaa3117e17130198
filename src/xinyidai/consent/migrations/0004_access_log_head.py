"""The access log's chain head row exists from the start (appends lock it, never create it)."""

from django.db import migrations


def forwards(apps, schema_editor):
    AccessLogHead = apps.get_model("consent", "AccessLogHead")
    AccessLogHead.objects.get_or_create(pk=1, defaults={"last_id": 0, "last_hash": "0" * 64})


class Migration(migrations.Migration):
    dependencies = [("consent", "0003_credit_report")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
