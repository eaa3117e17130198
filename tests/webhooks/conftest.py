"""A real HTTP endpoint on 127.0.0.1 that answers from a script, and bank-1 subscriptions."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from xinyidai.accounts.models import Organization, Role
from xinyidai.accounts.services import membership_grant
from xinyidai.webhooks.services import webhook_subscription_create


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Endpoint:
    url: str
    statuses: list[int]  # answers in order; the last one repeats
    received: list[Received] = field(default_factory=list)


@pytest.fixture(autouse=True)
def _http_localhost(settings):
    settings.WEBHOOK_ALLOW_HTTP_LOCALHOST = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    box = Endpoint(url="", statuses=[200])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            box.received.append(Received(dict(self.headers.items()), body))
            status = box.statuses[min(len(box.received), len(box.statuses)) - 1]
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"boom")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/xyd"
    yield box
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def bank_admins(personas):
    """An admin of each bank (the personas hold only credit officers)."""
    from tests.factories import UserFactory

    admin, other_admin = UserFactory(username="bank_admin"), UserFactory(username="other_admin")
    membership_grant(user=admin, organization=personas.bank, role=Role.BANK_ADMIN)
    membership_grant(user=other_admin, organization=personas.other_bank, role=Role.BANK_ADMIN)
    return admin, other_admin


def subscribe(organization: Organization, admin, url: str, events: list[str] | None = None):
    return webhook_subscription_create(
        organization=organization, url=url, events=events, actor=admin
    )
