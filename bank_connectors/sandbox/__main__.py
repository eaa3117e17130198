"""``python -m bank_connectors.sandbox``: run the sandbox bank until SIGTERM or Ctrl-C.

The key id and secret may come from the environment (``XYD_KEY_ID``, ``XYD_SECRET``,
``XYD_BASE_URL``) rather than the command line, where other users of the machine could read
them. Exit status: 0 after a clean stop, 2 when the platform refuses the key or the
subscription (a permanent error: retrying cannot help).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from ..client import PlatformClient
from ..errors import ConnectorError
from .bank import DEFAULT_SCOPES, SandboxBank


def _address(value: str) -> tuple[str, int]:
    host, _sep, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]"), int(port)


def _since(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an ISO date or time, got {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))


def parser() -> argparse.ArgumentParser:
    env = os.environ.get
    p = argparse.ArgumentParser(
        prog="python -m bank_connectors.sandbox",
        description="沙盒银行：通过签名 API 与事件推送自动办理贷款 / "
        "a simulated bank that handles loans through the signed API and webhooks",
    )
    p.add_argument("--base-url", default=env("XYD_BASE_URL"), help="platform URL (XYD_BASE_URL)")
    p.add_argument("--key-id", default=env("XYD_KEY_ID"), help="API key id (XYD_KEY_ID)")
    p.add_argument("--secret", default=env("XYD_SECRET"), help="API secret (XYD_SECRET)")
    p.add_argument(
        "--listen",
        type=_address,
        default=("127.0.0.1", 8001),
        help="where to receive webhooks, HOST:PORT (default 127.0.0.1:8001)",
    )
    p.add_argument(
        "--public-url",
        help="the URL the platform posts webhooks to (default http://LISTEN/webhooks)",
    )
    p.add_argument(
        "--repay-after",
        type=float,
        default=30.0,
        help="seconds from disbursement to repayment, and again to the final outcome (30)",
    )
    p.add_argument(
        "--poll",
        type=float,
        default=30.0,
        help="seconds between polls of the application list, 0 for none (30)",
    )
    p.add_argument(
        "--scopes",
        default=",".join(DEFAULT_SCOPES),
        help=f"data scopes to ask for, comma-separated ({','.join(DEFAULT_SCOPES)})",
    )
    p.add_argument(
        "--since",
        type=_since,
        help="poll applications submitted since this ISO time (default: the start)",
    )
    p.add_argument(
        "--keep-subscription",
        action="store_true",
        help="leave the webhook subscription in place on exit",
    )
    p.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING (INFO)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    missing = [n for n in ("base_url", "key_id", "secret") if not getattr(args, n)]
    if missing:
        parser().error("missing " + ", ".join("--" + n.replace("_", "-") for n in missing))
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s [沙盒银行 sandbox] %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stdout,
    )
    host, port = args.listen
    shown = f"[{host}]" if ":" in host else host
    bank = SandboxBank(
        PlatformClient(args.base_url, args.key_id, args.secret, timeout=10.0, retries=3),
        public_url=args.public_url or f"http://{shown}:{port}/webhooks",
        listen=args.listen,
        repay_after=args.repay_after,
        poll=args.poll,
        scopes=[s.strip() for s in args.scopes.split(",") if s.strip()],
        since=args.since,
        keep_subscription=args.keep_subscription,
    )
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        bank.start(wait=stop.wait)
    except ConnectorError as error:
        if stop.is_set():
            bank.stop()
            return 0
        bank.say(
            f"平台拒绝：{error.message}（{error.code}）",
            f"the platform refused: {error.code} (HTTP {error.status})",
            level=logging.ERROR,
        )
        bank.stop()
        return 2
    except OSError as error:  # the listen address is taken
        bank.say(f"无法监听：{error}", f"cannot listen: {error}", level=logging.ERROR)
        return 2
    while not stop.wait(0.5):
        pass
    bank.say("收到停止信号", "stop requested")
    bank.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
