"""Amounts are stored as whole fen in ``bigint`` columns and read as ``Decimal`` yuan."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Sum

from tests.sources.conftest import USCC, deliver, tax_csv
from xinyidai.core.fields import FenField, yuan_to_fen
from xinyidai.sources.models import RECORD_MODELS

TaxRecord = RECORD_MODELS["tax_monthly"]


def _raw(column: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT uscc, {column} FROM records_tax_monthly ORDER BY uscc")  # noqa: S608
        return cursor.fetchall()


@pytest.mark.django_db
def test_ingested_amounts_are_whole_fen_in_the_table_and_yuan_in_python(providers):
    rows = [f"{USCC[0]},2026-09,1200.50,300,0,56000,0", f"{USCC[1]},2026-09,0.07,0,12.5,9000,150"]
    batch = deliver(providers.tax, tax_csv(rows))
    assert batch.status == "accepted", batch.message
    assert _raw("vat_paid") == [(USCC[0], 120050), (USCC[1], 7)]
    assert list(TaxRecord.objects.order_by("uscc").values_list("vat_paid", flat=True)) == [
        Decimal("1200.50"),
        Decimal("0.07"),
    ]
    # Lookups and aggregates speak yuan too.
    assert TaxRecord.objects.filter(vat_paid__gte=Decimal("1200.5")).count() == 1
    assert TaxRecord.objects.filter(other_tax_paid=12.5).get().uscc == USCC[1]
    total = TaxRecord.objects.aggregate(total=Sum("vat_paid"))["total"]
    assert total == Decimal("1200.57")


@pytest.mark.django_db
def test_a_record_saved_through_the_orm_is_stored_in_fen(providers):
    batch = deliver(providers.tax, tax_csv([f"{USCC[0]},2026-09,1,2,3,4,0"]))
    TaxRecord.objects.filter(uscc=USCC[0]).update(declared_sales=Decimal("98765432109876.54"))
    assert _raw("declared_sales") == [(USCC[0], 9876543210987654)]
    assert TaxRecord.objects.get(batch=batch).declared_sales == Decimal("98765432109876.54")


def test_an_amount_that_is_not_whole_fen_is_refused():
    assert yuan_to_fen("12.34") == 1234
    assert yuan_to_fen(Decimal("-0.01")) == -1
    with pytest.raises(ValueError, match="不是整分"):
        yuan_to_fen("0.005")
    field = FenField()
    assert field.clean("7.5", None) == Decimal("7.50")
    with pytest.raises(ValidationError):
        field.clean("7.505", None)
    assert field.formfield().decimal_places == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_turns_existing_yuan_into_fen_and_back():
    before, after = ("sources", "0005_batch_timings"), ("sources", "0006_amounts_in_fen")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE records_tax_monthly_p202001 PARTITION OF records_tax_monthly"
                " FOR VALUES FROM ('2020-01-01') TO ('2020-02-01')"
            )
            cursor.execute(
                "INSERT INTO records_tax_monthly (uscc, period, vat_paid, cit_paid,"
                " other_tax_paid, declared_sales, arrears_amount, batch_id, row_number)"
                " VALUES (%s, '2020-01-01', 1200.50, 0.01, 0, 9999999999999999.99, 3, 1, 2)",
                [USCC[0]],
            )
        executor = MigrationExecutor(connection)
        executor.migrate([after])
        assert _raw("vat_paid, cit_paid, declared_sales, arrears_amount") == [
            (USCC[0], 120050, 1, 999999999999999999, 300)
        ]
        executor = MigrationExecutor(connection)
        executor.migrate([before])
        assert _raw("vat_paid, cit_paid, declared_sales") == [
            (USCC[0], Decimal("1200.50"), Decimal("0.01"), Decimal("9999999999999999.99"))
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS records_tax_monthly_p202001")
