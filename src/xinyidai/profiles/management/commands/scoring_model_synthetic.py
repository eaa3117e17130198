from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xinyidai.profiles import services


class Command(BaseCommand):
    help = (
        "训练平台信用评分模型（合成城市）并启用 / "
        "train the platform credit model on a synthetic city and activate it"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enterprises", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=20261130)

    def handle(self, *args: Any, **options: Any) -> None:
        model = services.scoring_model_train_synthetic(
            enterprises=options["enterprises"], seed=options["seed"]
        )
        self.stdout.write(f"{model} AUC={model.metrics.get('auc'):.4f} (active)")
