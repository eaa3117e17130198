from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xinyidai.profiles import services
from xinyidai.profiles.models import LendingProfile, ProfileRebuild


class Command(BaseCommand):
    help = "重建融资信用画像（全部或指定企业）/ rebuild lending profiles (all or some enterprises)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "usccs", nargs="*", help="统一社会信用代码；不填则全部 / USCCs; all if none"
        )
        parser.add_argument(
            "--here",
            action="store_true",
            help="在本进程内逐片重建，而不是交给 Celery 工作进程 / run every chunk in this process",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        usccs = options["usccs"]
        rebuild = services.profiles_rebuild_start(
            scope=ProfileRebuild.Scope.ENTERPRISES if usccs else ProfileRebuild.Scope.ALL,
            trigger=LendingProfile.Trigger.REQUEST if usccs else LendingProfile.Trigger.FULL,
            usccs=usccs,
            here=options["here"],
        )
        rebuild.refresh_from_db()
        self.stdout.write(
            f"rebuild #{rebuild.pk}: {rebuild.get_status_display()} "
            f"{rebuild.chunks_done}/{rebuild.chunks_total} chunks, "
            f"{rebuild.versions_created} new versions"
        )
