"""Amounts in yuan become whole fen in a ``bigint`` (``core.fields.FenField``).

Exact, eight bytes, integer comparisons in the merge, and a binary ``COPY`` that sends integers
instead of ``numeric`` digits. Existing values are converted in place: one ``ALTER ... USING`` per
column on PostgreSQL (partitions follow their table), a rebuilt table and an ``UPDATE`` elsewhere.
"""

from django.db import migrations

import xinyidai.core.fields

AMOUNTS = [
    ("adminpenaltyrecord", "amount"),
    ("dishonestdebtorrecord", "amount_owed"),
    ("housingfundmonthlyrecord", "amount_paid"),
    ("registrationrecord", "registered_capital"),
    ("socialinsurancemonthlyrecord", "amount_paid"),
    ("taxmonthlyrecord", "arrears_amount"),
    ("taxmonthlyrecord", "cit_paid"),
    ("taxmonthlyrecord", "declared_sales"),
    ("taxmonthlyrecord", "other_tax_paid"),
    ("taxmonthlyrecord", "vat_paid"),
    ("utilitiesmonthlyrecord", "amount_paid"),
    ("utilitiesmonthlyrecord", "arrears_amount"),
]


def _convert(apps, schema_editor, *, to_fen):
    connection = schema_editor.connection
    quote = schema_editor.quote_name
    for model_name, column in AMOUNTS:
        model = apps.get_model("sources", model_name)
        table, old = model._meta.db_table, model._meta.get_field(column)
        if connection.vendor == "postgresql":
            if to_fen:
                using = f"round({quote(column)} * 100)::bigint"
                kind = "bigint"
            else:
                using = f"({quote(column)} / 100.0)::numeric(18, 2)"
                kind = "numeric(18, 2)"
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} TYPE {kind} USING {using}"
            )
            continue
        fen = xinyidai.core.fields.FenField(old.verbose_name, null=old.null)
        fen.set_attributes_from_name(column)
        fen.model = model
        if to_fen:
            schema_editor.execute(
                f"UPDATE {quote(table)} SET {quote(column)} = ROUND({quote(column)} * 100)"  # noqa: S608
            )
            schema_editor.alter_field(model, old, fen)
        else:
            schema_editor.alter_field(model, fen, old)
            schema_editor.execute(
                f"UPDATE {quote(table)} SET {quote(column)} = {quote(column)} / 100.0"  # noqa: S608
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
            state_operations=[
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
            ],
        ),
    ]
