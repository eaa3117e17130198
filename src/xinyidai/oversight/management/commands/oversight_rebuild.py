"""Rebuild the regulator's cube: every year with data, or the years given."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from xinyidai.oversight import cube


class Command(BaseCommand):
    help = "重建监管监测汇总（全部年份或指定年份） / Rebuild the oversight cube."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--year", type=int, action="append", help="only this year (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        years = options["year"] or cube.data_years()
        for year in years:
            clock = time.perf_counter()
            cells = cube.rebuild_year(year)
            self.stdout.write(f"{year}: {cells:,} cells in {time.perf_counter() - clock:.1f} s")
