from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinyidai.core.demo import PERSONAS, demo_otp_code


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo bank or regulator user."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        names = {p.username for p in PERSONAS if p.two_factor}
        if options["username"] not in names:
            raise CommandError(f"不是需要双因素认证的演示账户；可用：{', '.join(sorted(names))}")
        self.stdout.write(demo_otp_code(options["username"]))
