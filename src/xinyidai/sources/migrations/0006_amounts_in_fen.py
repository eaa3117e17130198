"""Amounts in yuan become whole fen in a ``bigint`` (``core.fields.FenField``).

Exact, eight bytes, integer comparisons in the merge, and a binary ``COPY`` that sends integers
instead of ``numeric`` digits. Existing values are converted in place: one ``ALTER ... USING`` per
table on PostgreSQL (one rewrite; partitions follow their table), an ``UPDATE`` and a rebuilt
table elsewhere.
"""

from django.db import migrations

import xinyidai.core.fields

# The amount columns of the record tables, as they are after this migration.
AMOUNTS = [
    migrations.AlterField(
        model_name="adminpenaltyrecord",
        name="amount",
        field=xinyidai.core.fields.FenField(null=True, verbose_name="罚没金额"),
    ),
    migrations.AlterField(
        model_name="dishonestdebtorrecord",
        name="amount_owed",
        field=xinyidai.core.fields.FenField(null=True, verbose_name="未履行金额"),
    ),
    migrations.AlterField(
        model_name="housingfundmonthlyrecord",
        name="amount_paid",
        field=xinyidai.core.fields.FenField(verbose_name="缴存金额"),
    ),
    migrations.AlterField(
        model_name="registrationrecord",
        name="registered_capital",
        field=xinyidai.core.fields.FenField(verbose_name="注册资本"),
    ),
    migrations.AlterField(
        model_name="socialinsurancemonthlyrecord",
        name="amount_paid",
        field=xinyidai.core.fields.FenField(verbose_name="实缴金额"),
    ),
    migrations.AlterField(
        model_name="taxmonthlyrecord",
        name="arrears_amount",
        field=xinyidai.core.fields.FenField(verbose_name="欠税余额"),
    ),
    migrations.AlterField(
        model_name="taxmonthlyrecord",
        name="cit_paid",
        field=xinyidai.core.fields.FenField(verbose_name="企业所得税实缴"),
    ),
    migrations.AlterField(
        model_name="taxmonthlyrecord",
        name="declared_sales",
        field=xinyidai.core.fields.FenField(verbose_name="申报销售收入"),
    ),
    migrations.AlterField(
        model_name="taxmonthlyrecord",
        name="other_tax_paid",
        field=xinyidai.core.fields.FenField(verbose_name="其他税费实缴"),
    ),
    migrations.AlterField(
        model_name="taxmonthlyrecord",
        name="vat_paid",
        field=xinyidai.core.fields.FenField(verbose_name="增值税实缴"),
    ),
    migrations.AlterField(
        model_name="utilitiesmonthlyrecord",
        name="amount_paid",
        field=xinyidai.core.fields.FenField(verbose_name="缴费金额"),
    ),
    migrations.AlterField(
        model_name="utilitiesmonthlyrecord",
        name="arrears_amount",
        field=xinyidai.core.fields.FenField(verbose_name="欠费金额"),
    ),
]


def _convert(apps, schema_editor, *, to_fen):
    connection = schema_editor.connection
    quote = schema_editor.quote_name
    by_model = {}
    for operation in AMOUNTS:
        by_model.setdefault(operation.model_name, []).append(operation)
    for model_name, operations in by_model.items():
        model = apps.get_model("sources", model_name)
        names = [operation.name for operation in operations]
        table = model._meta.db_table
        if connection.vendor == "postgresql":
            # Every amount of a table in one statement: the table is rewritten once.
            kind = "bigint" if to_fen else "numeric(18, 2)"
            changes = ", ".join(
                f"ALTER COLUMN {quote(name)} TYPE {kind} USING "
                + (
                    f"round({quote(name)} * 100)::bigint"
                    if to_fen
                    else f"({quote(name)} / 100.0)::numeric(18, 2)"
                )
                for name in names
            )
            schema_editor.execute(f"ALTER TABLE {quote(table)} {changes}")
            continue
        for operation in operations:
            name, old = operation.name, model._meta.get_field(operation.name)
            fen = operation.field.clone()
            fen.set_attributes_from_name(name)
            fen.model = model
            if to_fen:
                schema_editor.execute(
                    f"UPDATE {quote(table)} SET {quote(name)} = ROUND({quote(name)} * 100)"  # noqa: S608
                )
                schema_editor.alter_field(model, old, fen)
            else:
                schema_editor.alter_field(model, fen, old)
                schema_editor.execute(
                    f"UPDATE {quote(table)} SET {quote(name)} = {quote(name)} / 100.0"  # noqa: S608
                )


def to_fen(apps, schema_editor):
    _convert(apps, schema_editor, to_fen=True)


def to_yuan(apps, schema_editor):
    _convert(apps, schema_editor, to_fen=False)


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0005_batch_timings"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(to_fen, to_yuan)],
            state_operations=AMOUNTS,
        ),
    ]
