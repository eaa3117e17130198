from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinyidai.consent.access_log import verify


class Command(BaseCommand):
    help = "Check the hash chain of the access log; name the first altered, removed or moved entry."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problem = verify()
        if problem is not None:
            raise CommandError(
                f"查询记录被篡改 / access log broken at {problem} "
                f"({checked} entries before it are intact)"
            )
        self.stdout.write(f"查询记录完整 / access log intact: {checked} entries")
