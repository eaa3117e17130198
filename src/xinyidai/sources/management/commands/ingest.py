"""``manage.py ingest --source tax_monthly --provider 税务局 FILE``: deliver a file from disk."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from xinyidai.accounts.models import Organization
from xinyidai.sources.models import Batch, Source
from xinyidai.sources.services import DeliveryRefused, batch_ingest_file


class Command(BaseCommand):
    help = "校验并导入一个数据文件（CSV、XLSX 或 JSON Lines；UTF-8 或 GB18030/GBK）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="数据文件路径")
        parser.add_argument("--source", required=True, help="数据源代码，例如 tax_monthly")
        parser.add_argument(
            "--provider",
            help="报送部门的机构编号或名称；只有一个该类部门时可省略",
        )
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            source = Source.objects.get(code=options["source"])
        except Source.DoesNotExist:
            codes = ", ".join(Source.objects.values_list("code", flat=True))
            raise CommandError(f"没有数据源“{options['source']}”。可用：{codes}") from None
        provider = self._provider(source, options.get("provider"))
        bar = tqdm(
            total=100,
            unit="%",
            desc=source.name,
            disable=options["no_progress"],
            bar_format="{desc} {bar} {n:.0f}% {postfix}",
        )

        def progress(state: dict[str, Any]) -> None:
            bar.n = round(state["fraction"] * 100, 1)
            bar.set_postfix_str(f"{state['phase']} {state['rows']:,} 行")

        try:
            batch = batch_ingest_file(
                source=source, provider=provider, path=options["file"], progress=progress
            )
        except DeliveryRefused as refusal:
            raise CommandError(refusal.message) from None
        except FileNotFoundError:
            raise CommandError(f"找不到文件：{options['file']}") from None
        finally:
            bar.close()
        self.stdout.write(f"批次 #{batch.pk}：{batch.get_status_display()}。{batch.message}")
        for error in batch.error_sample[:20]:
            self.stdout.write(
                f"  第{error['row']}行 {error['column']}：{error['value']} — {error['reason']}"
            )
        if batch.status != Batch.Status.ACCEPTED:
            if batch.error_report:
                self.stdout.write(f"完整错误报告：{batch.error_report.name}")
            raise CommandError("文件未入库。")

    def _provider(self, source: Source, given: str | None) -> Organization:
        providers = Organization.objects.filter(
            kind=Organization.Kind.DATA_PROVIDER, data_provider__kind=source.provider_kind
        )
        if given:
            match = (
                providers.filter(pk=int(given)) if given.isdigit() else providers.filter(name=given)
            )
            found = match.first()
            if found is None:
                raise CommandError(f"没有可报送“{source.name}”的部门“{given}”。")
            return found
        found_all = list(providers[:2])
        if len(found_all) != 1:
            raise CommandError(f"请用 --provider 指定报送“{source.name}”的部门。")
        return found_all[0]
