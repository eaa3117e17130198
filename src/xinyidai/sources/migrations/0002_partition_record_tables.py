"""On PostgreSQL, monthly record tables become partitioned by period, and USCCs compare bytewise.

Monthly sources grow by a partition a month: a new month is loaded into a fresh table, indexed
once and attached, and retention drops whole partitions. The tables are empty when this runs.
"""

from django.db import migrations

from risk_models.catalogue import SOURCES


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for spec in SOURCES:
        model = apps.get_model("sources", "".join(p.capitalize() for p in spec.code.split("_")) + "Record")
        table = schema_editor.quote_name(model._meta.db_table)
        if spec.period_column:
            sql, params = schema_editor.table_sql(model)
            schema_editor.execute(f"DROP TABLE {table}")
            column = schema_editor.quote_name(spec.period_column)
            schema_editor.execute(f"{sql} PARTITION BY RANGE ({column})", params or None)
        schema_editor.execute(
            f'ALTER TABLE {table} ALTER COLUMN "uscc" TYPE varchar(18) COLLATE "C"'
        )


class Migration(migrations.Migration):
    dependencies = [("sources", "0001_initial")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
