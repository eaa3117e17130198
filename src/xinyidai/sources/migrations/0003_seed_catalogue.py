"""Seed the source catalogue from ``risk_models.catalogue``; the operator may edit it later."""

from django.db import migrations

from risk_models.catalogue import SOURCES


def seed(apps, schema_editor):
    Source = apps.get_model("sources", "Source")
    SourceColumn = apps.get_model("sources", "SourceColumn")
    for spec in SOURCES:
        source, _created = Source.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "domain": spec.domain.value,
                "provider_kind": spec.provider_kind.value,
                "cadence": spec.cadence.value,
                "key": list(spec.key),
                "period_column": spec.period_column or "",
                "due_day": spec.due_day,
                "max_gap_days": spec.max_gap_days,
                "retention_months": spec.retention_months,
                "description": spec.description,
            },
        )
        for position, column in enumerate(spec.columns):
            SourceColumn.objects.update_or_create(
                source=source,
                name=column.name,
                defaults={
                    "label": column.label,
                    "dtype": column.dtype.value,
                    "unit": column.unit,
                    "required": column.required,
                    "max_length": column.max_length,
                    "min_value": column.min_value,
                    "max_value": column.max_value,
                    "choices": [list(choice) for choice in column.choices],
                    "not_future": column.not_future,
                    "position": position,
                },
            )


def unseed(apps, schema_editor):
    apps.get_model("sources", "Source").objects.filter(
        code__in=[spec.code for spec in SOURCES], batches__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("sources", "0002_partition_record_tables")]

    operations = [migrations.RunPython(seed, unseed)]
