"""A simulated bank's loan system on the SDK: webhooks in, signed API calls out.

Three threads:

* the **webhook server** (``ThreadingHTTPServer``) verifies each delivery, drops duplicates by
  event id, queues the event and answers 200 at once (in the demo's eager mode the platform
  posts from inside the request that caused the event, so nothing slow may happen here);
* the **worker** takes queued events and due timers one at a time (so one application is never
  handled twice at once) and calls the platform;
* the caller's thread, which starts and stops the other two.

Every application is handled by :meth:`SandboxBank.advance`, which reads its state and takes the
next step (accept, review, ask for authorization, fetch the profile and decide, disburse,
report the outcome). Events only say *which* application to look at; the polling fallback looks
at every open application submitted since the sandbox started (or ``since``), so a lost webhook
only delays a step.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import json
import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from ..client import Application, Authorization, PlatformClient
from ..errors import ConnectorError
from ..webhooks import WebhookEvent, verify_webhook
from .policy import OVERDUE, RULES, SETTLE, Decision, GradeRule, ProductTerms, decide, wan
from .policy import overdue_amount as overdue_amount_of

logger = logging.getLogger("bank_connectors.sandbox")

CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # the platform's calendar day

EVENTS = (
    "need.matched",
    "interest.accepted",
    "interest.declined",
    "application.submitted",
    "application.withdrawn",
    "authorization.granted",
    "authorization.resumed",
    "authorization.paused",
    "authorization.rejected",
    "authorization.revoked",
    "authorization.expired",
)
DEFAULT_SCOPES = ("registration", "tax", "social_insurance", "public_credit")
PURPOSE = "pre_loan"

# States in which the sandbox has a step to take; the others are final for it.
OPEN_STATES = frozenset(
    {"submitted", "accepted", "under_review", "approved", "disbursed", "repaying"}
)
MAX_STEPS = 12  # steps of one advance: submitted → … → settled is 7
MAX_BODY = 1024 * 1024
SEEN_EVENTS = 10_000
EVENT_RETRIES = 3
RETRY_SECONDS = 5.0


def today() -> dt.date:
    return dt.datetime.now(CHINA).date()


@dataclass
class Loan:
    """What the sandbox remembers of one application (in memory only)."""

    authorization_id: int | None = None
    waiting_for: str = ""  # the authorization status last logged as awaited
    decision: Decision | None = None
    disbursed_seen_at: float | None = None  # monotonic time the loan was first seen disbursed
    wake_at: float | None = None  # when its next outcome step is scheduled


@dataclass(order=True)
class _Timer:
    due: float
    number: int
    job: tuple[Any, ...] = field(compare=False)


class SandboxBank:
    """The simulated bank. ``start()`` registers the webhook subscription and starts the
    threads; ``stop()`` stops them and removes the subscription (unless ``keep_subscription``).
    """

    def __init__(
        self,
        client: PlatformClient,
        *,
        public_url: str,
        listen: tuple[str, int] = ("127.0.0.1", 8001),
        repay_after: float = 30.0,
        poll: float = 30.0,
        scopes: Sequence[str] = DEFAULT_SCOPES,
        since: dt.datetime | None = None,
        rules: Mapping[str, GradeRule] = RULES,
        keep_subscription: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.public_url = public_url
        self.path = urlsplit(public_url).path or "/"
        self.listen = listen
        self.repay_after = repay_after
        self.poll_every = poll
        self.scopes = list(scopes)
        self.since = since or dt.datetime.now(dt.UTC)
        self.rules = rules
        self.keep_subscription = keep_subscription
        self.clock = clock

        self.secret: str | None = None
        self.subscription_id: int | None = None
        self.loans: dict[int, Loan] = {}
        self.products: dict[int, ProductTerms] = {}
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._seen_lock = threading.Lock()
        self._jobs: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self._timers: list[_Timer] = []
        self._numbers = itertools.count()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------------ logging

    @staticmethod
    def say(chinese: str, english: str, *, level: int = logging.INFO) -> None:
        logger.log(level, "%s / %s", chinese, english)

    # ------------------------------------------------------------------ life cycle

    @property
    def address(self) -> tuple[str, int]:
        """Where the webhook server listens (the real port when ``listen`` asked for 0)."""
        if self._server is None:
            return self.listen
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self, *, wait: Callable[[float], bool] | None = None) -> None:
        """Listen, register the subscription (retrying while the platform is unreachable;
        ``wait(seconds)`` returns True to give up) and start the worker."""
        self._server = _WebhookServer(self.listen, self)
        serving = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="sandbox-webhooks",
            daemon=True,
        )
        serving.start()
        self._threads.append(serving)
        host, port = self.address
        self.say(f"接收推送于 http://{host}:{port}", f"listening for webhooks on {host}:{port}")
        self.register(wait=wait or self._stopping.wait)
        worker = threading.Thread(target=self._work, name="sandbox-worker", daemon=True)
        worker.start()
        self._threads.append(worker)
        self.say(
            f"沙盒银行已就绪（订阅 #{self.subscription_id}，轮询间隔 {self.poll_every:g} 秒，"
            f"放款后 {self.repay_after:g} 秒报告还款）",
            f"sandbox bank ready (subscription #{self.subscription_id}, polling every "
            f"{self.poll_every:g} s, repayment reported {self.repay_after:g} s after disbursement)",
        )

    def stop(self) -> None:
        self._stopping.set()
        self._jobs.put(("stop",))
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=15)
        if self.subscription_id is not None and not self.keep_subscription:
            try:
                self.client.delete_subscription(self.subscription_id)
                self.say(
                    f"已删除推送订阅 #{self.subscription_id}",
                    f"deleted webhook subscription #{self.subscription_id}",
                )
            except ConnectorError as error:
                self.say(
                    f"删除推送订阅失败：{error.message}",
                    f"could not delete the webhook subscription: {error.code}",
                    level=logging.WARNING,
                )
        self.say("沙盒银行已停止", "sandbox bank stopped")

    @property
    def ready(self) -> bool:
        return self.secret is not None and not self._stopping.is_set()

    def register(self, *, wait: Callable[[float], bool]) -> None:
        """A new subscription to our URL (the secret of an older one is not known any more:
        older subscriptions to the same URL are deleted once the new one exists)."""
        delay = 1.0
        while True:
            try:
                stale = [s for s in self.client.list_subscriptions() if s.url == self.public_url]
                subscription = self.client.create_subscription(self.public_url, EVENTS)
                break
            except ConnectorError as error:
                if error.permanent:
                    raise
                self.say(
                    f"平台暂不可用（{error.message}），{delay:g} 秒后重试",
                    f"platform not reachable ({error.code}), retrying in {delay:g} s",
                    level=logging.WARNING,
                )
                if wait(delay):
                    raise
                delay = min(delay * 2, 10.0)
        if not subscription.secret:
            raise ConnectorError(
                "the platform did not return the subscription's secret",
                permanent=True,
                code="bad_response",
            )
        self.secret = subscription.secret
        self.subscription_id = subscription.id
        self.say(
            f"已订阅事件推送 #{subscription.id} → {self.public_url}",
            f"subscribed #{subscription.id} to {len(EVENTS)} event kinds at {self.public_url}",
        )
        for old in stale:
            try:
                self.client.delete_subscription(old.id)
                self.say(
                    f"已删除旧订阅 #{old.id}（密钥已不可知）",
                    f"deleted older subscription #{old.id} (its secret is lost)",
                )
            except ConnectorError as error:
                self.say(
                    f"删除旧订阅 #{old.id} 失败：{error.message}",
                    f"could not delete older subscription #{old.id}: {error.code}",
                    level=logging.WARNING,
                )

    # ------------------------------------------------------------------ webhooks (server threads)

    def receive(self, path: str, headers: Mapping[str, str], body: bytes) -> tuple[int, str]:
        """Check one delivery and queue its event; the HTTP status and a short answer."""
        if urlsplit(path).path != self.path:
            return 404, "not found"
        secret = self.secret
        if secret is None:
            return 503, "not ready"
        try:
            event = verify_webhook(secret=secret, headers=headers, body=body)
        except ConnectorError as error:
            self.say(
                f"拒收推送：{error.message}",
                f"refused a delivery: {error.code}",
                level=logging.WARNING,
            )
            return (401 if error.code == "bad_signature" else 400), error.code
        with self._seen_lock:
            duplicate = event.id in self._seen
            if not duplicate:
                self._seen[event.id] = None
                while len(self._seen) > SEEN_EVENTS:
                    self._seen.popitem(last=False)
        if duplicate:
            self.say(
                f"重复推送，已忽略：{event.type} {event.id}",
                f"duplicate delivery ignored: {event.type} {event.id}",
            )
            return 200, "duplicate"
        self.say(f"收到推送 {event.type}", f"received {event.type} ({event.id})")
        self._jobs.put(("event", event, 0))
        return 200, "queued"

    # ------------------------------------------------------------------ the worker

    def _work(self) -> None:
        next_poll = self.clock()
        while not self._stopping.is_set():
            now = self.clock()
            wake = next_poll if self.poll_every > 0 else now + 3600
            if self._timers:
                wake = min(wake, self._timers[0].due)
            try:
                job: tuple[Any, ...] | None = self._jobs.get(timeout=max(0.0, wake - now))
            except queue.Empty:
                job = None
            if job is not None:
                if job[0] == "stop":
                    break
                self.run(job)
            now = self.clock()
            while self._timers and self._timers[0].due <= now:
                self.run(heapq.heappop(self._timers).job)
            if self.poll_every > 0 and now >= next_poll:
                self.run(("poll",))
                next_poll = self.clock() + self.poll_every

    def later(self, seconds: float, job: tuple[Any, ...]) -> None:
        heapq.heappush(self._timers, _Timer(self.clock() + seconds, next(self._numbers), job))

    def run(self, job: tuple[Any, ...]) -> None:
        """One job: ``("event", event, tries)``, ``("advance", id[, application])`` or
        ``("poll",)``. A transient failure of an event is retried a few times; the poll catches
        the rest."""
        try:
            if job[0] == "event":
                self.handle(job[1])
            elif job[0] == "advance":
                self.advance(*job[1:])
            elif job[0] == "poll":
                self.poll()
        except ConnectorError as error:
            details = f" {json.dumps(error.details, ensure_ascii=False)}" if error.details else ""
            self.say(
                f"调用平台失败：{error.message}{details}",
                f"platform call failed: {error.code} {error.status or ''}".rstrip(),
                level=logging.WARNING,
            )
            if job[0] == "event" and not error.permanent and job[2] < EVENT_RETRIES:
                self.later(RETRY_SECONDS, ("event", job[1], job[2] + 1))
        except Exception:
            logger.exception("sandbox job %s failed", job[0])

    # ------------------------------------------------------------------ events

    def handle(self, event: WebhookEvent) -> None:
        data = event.data
        kind = event.type
        if kind == "need.matched":
            self.on_need_matched(data)
        elif kind in ("interest.accepted", "application.submitted"):
            application = _optional_id(data.get("application"))
            if application is None:
                self.say(f"{kind} 未带申请编号", f"{kind} without an application id")
                return
            self.loans.setdefault(application, Loan())
            self.advance(application)
        elif kind == "interest.declined":
            self.say(
                f"企业谢绝了对需求 #{data.get('need')} 的对接意向",
                f"the enterprise declined our interest in need #{data.get('need')}",
            )
        elif kind == "application.withdrawn":
            application = _optional_id(data.get("application"))
            self.loans.pop(application or 0, None)
            self.say(
                f"企业撤回了申请 #{application}",
                f"the enterprise withdrew application #{application}",
            )
        elif kind.startswith("authorization."):
            self.on_authorization(kind, data)
        else:
            self.say(f"未处理的事件 {kind}", f"event {kind} ignored")

    def on_need_matched(self, data: Mapping[str, Any]) -> None:
        need = _optional_id(data.get("need"))
        if need is None:
            return
        wanted = [i for i in (_optional_id(p) for p in data.get("products") or []) if i]
        product = self.first_published(wanted)
        if product is None:
            self.say(
                f"需求 #{need} 没有本行已上架的匹配产品",
                f"need #{need}: none of the matched products is published",
            )
            return
        card = data.get("card")
        card = card if isinstance(card, dict) else {}
        amount = card.get("amount_text") or card.get("amount") or ""
        try:
            interest = self.client.express_interest(
                need,
                product.id,
                message=f"沙盒银行可用“{product.name}”为贵企业提供融资，欢迎对接。",
            )
        except ConnectorError as error:
            if not error.permanent:
                raise
            self.say(
                f"未能对需求 #{need} 表达意向：{error.message}",
                f"no interest expressed in need #{need}: {error.code}",
            )
            return
        self.say(
            f"对需求 #{need}（{amount}）用产品“{product.name}”表达对接意向 #{interest.id}",
            f"expressed interest #{interest.id} in need #{need} with product #{product.id}",
        )

    def first_published(self, wanted: Iterable[int]) -> ProductTerms | None:
        wanted = list(wanted)
        if any(i not in self.products for i in wanted) or not self.products:
            self.refresh_products()
        for product_id in wanted:
            product = self.products.get(product_id)
            if product is not None and product.status == "published":
                return product
        return None

    def refresh_products(self) -> None:
        self.products = {
            p.id: p for p in (ProductTerms.from_json(d) for d in self.client.list_products())
        }

    def on_authorization(self, kind: str, data: Mapping[str, Any]) -> None:
        authorization = _optional_id(data.get("authorization"))
        status = str(data.get("status") or kind.rpartition(".")[2])
        self.say(
            f"授权 #{authorization} 状态：{status}", f"authorization #{authorization} is {status}"
        )
        if str(data.get("purpose") or PURPOSE) != PURPOSE:
            return
        applications = self.applications_of(authorization, data)
        for application in applications:
            loan = self.loans.setdefault(application, Loan())
            if authorization is not None:
                loan.authorization_id = authorization
            self.advance(application)

    def applications_of(self, authorization: int | None, data: Mapping[str, Any]) -> list[int]:
        """The applications an authorization event concerns: the one it names, else those
        it was asked for, else the enterprise's applications under review."""
        named = _optional_id(data.get("application"))
        if named is not None:
            return [named]
        known = [i for i, loan in self.loans.items() if loan.authorization_id == authorization]
        if known:
            return known
        uscc = str(data.get("enterprise") or "")
        return [
            a.id
            for a in self.client.list_applications(state="under_review")
            if uscc and a.enterprise_uscc == uscc
        ]

    # ------------------------------------------------------------------ polling fallback

    def poll(self) -> None:
        """Every open application submitted since ``since``, and every one already known."""
        listed: dict[int, Application] = {}
        for application in self.client.list_applications(submitted_after=self.since):
            if application.state in OPEN_STATES:
                listed[application.id] = application
        for application_id in list(self.loans):
            if application_id not in listed:
                self.run(("advance", application_id))  # one failure does not stop the poll
        for application in listed.values():
            if application.id not in self.loans:
                self.say(
                    f"轮询发现申请 #{application.id}（{application.state}）",
                    f"polling found application #{application.id} ({application.state})",
                )
            self.loans.setdefault(application.id, Loan())
            self.run(("advance", application.id, application))

    # ------------------------------------------------------------------ one application

    def advance(self, application_id: int, application: Application | None = None) -> None:
        """Take every step the application's state allows now."""
        if application is None:
            try:
                application = self.client.get_application(application_id)
            except ConnectorError as error:
                if error.status != 404:
                    raise
                # Handed over to a branch this key does not see, or never ours: forget it.
                self.loans.pop(application_id, None)
                self.say(
                    f"申请 #{application_id} 已不可见，不再跟进",
                    f"application #{application_id} is no longer visible; dropped",
                )
                return
        loan = self.loans.setdefault(application_id, Loan())
        for _step in range(MAX_STEPS):
            if application.state not in OPEN_STATES:
                self.loans.pop(application_id, None)
                return
            try:
                changed = self.step(application, loan)
            except ConnectorError as error:
                if error.code != "conflict":
                    raise
                # Somebody (an officer on the web, an earlier delivery) moved it: look again.
                changed = self.client.get_application(application_id)
                if changed.state == application.state:
                    raise
            if changed is None:
                return
            application = changed

    def step(self, application: Application, loan: Loan) -> Application | None:
        """The next step for ``application``; its new state, or None to wait."""
        number, state = application.id, application.state
        if state == "submitted":
            changed = self.client.accept(
                number, expected_state=state, note="沙盒银行自动受理 / accepted by the sandbox"
            )
            self.say(
                f"受理申请 #{number}（{application.enterprise_name}，"
                f"{wan(application.amount)}，{application.term_months} 个月）",
                f"accepted application #{number}",
            )
            return changed
        if state == "accepted":
            changed = self.client.review(number, expected_state=state)
            self.say(f"申请 #{number} 开始审查", f"application #{number} under review")
            return changed
        if state == "under_review":
            return self.review_step(application, loan)
        if state == "approved":
            return self.disburse(application)
        if state in ("disbursed", "repaying"):
            return self.outcome_step(application, loan)
        return None

    def review_step(self, application: Application, loan: Loan) -> Application | None:
        authorization = self.authorization_for(application, loan)
        number = application.id
        if authorization is None or authorization.status == "expired":
            asked = self.client.request_authorization(
                number,
                scopes=self.scopes,
                purpose=PURPOSE,
                note="沙盒银行贷前审查 / pre-loan review by the sandbox bank",
            )
            loan.authorization_id = asked.id
            loan.waiting_for = asked.status
            self.say(
                f"为申请 #{number} 申请贷前查询授权 #{asked.id}（{'、'.join(self.scopes)}）",
                f"requested pre-loan authorization #{asked.id} for application #{number}",
            )
            return None
        if authorization.status in ("pending", "paused"):
            if loan.waiting_for != authorization.status:
                loan.waiting_for = authorization.status
                self.say(
                    f"申请 #{number} 等待企业授权（#{authorization.id}：{authorization.status}）",
                    f"application #{number} waits for authorization #{authorization.id} "
                    f"({authorization.status})",
                )
            return None
        if authorization.status in ("rejected", "revoked"):
            changed = self.client.reject(
                number,
                reason="R06",
                text="企业未授权查询信用信息，无法完成贷前审查"
                " / no authorization to read the credit profile",
                expected_state="under_review",
            )
            self.say(
                f"企业未授权（{authorization.status}），拒绝申请 #{number}（R06）",
                f"rejected application #{number} (R06): authorization {authorization.status}",
            )
            return changed
        if authorization.status != "active":
            return None
        return self.decide(application, loan)

    def authorization_for(self, application: Application, loan: Loan) -> Authorization | None:
        """The pre-loan authorization serving this application: the one we know of, else the
        best on the platform (active, then pending, then paused, then any)."""
        if loan.authorization_id is not None:
            known = self.client.get_authorization(loan.authorization_id)
            if known.status not in ("rejected", "revoked", "expired"):
                return known
        found = [
            a
            for a in self.client.list_authorizations(application=application.id)
            if a.purpose == PURPOSE
        ]
        order = {"active": 0, "pending": 1, "paused": 2}
        found.sort(key=lambda a: order.get(a.status, 3))
        if found:
            loan.authorization_id = found[0].id
            return found[0]
        return None

    def decide(self, application: Application, loan: Loan) -> Application | None:
        number = application.id
        try:
            profile = self.client.get_profile(application.enterprise_uscc, purpose=PURPOSE)
        except ConnectorError as error:
            if error.code != "no_profile":
                raise
            changed = self.client.reject(
                number,
                reason="R06",
                text="平台暂无该企业的信用画像 / the platform has no profile of the enterprise",
                expected_state="under_review",
            )
            self.say(f"无信用画像，拒绝申请 #{number}", f"rejected #{number}: no profile")
            return changed
        self.say(
            f"已查询 {profile.name or application.enterprise_name} 的信用画像："
            f"等级 {profile.grade or '无'}，违约概率 {profile.probability}",
            f"fetched the profile of {application.enterprise_uscc}: grade {profile.grade}",
        )
        product = self.product(application.product_id)
        if product is None:
            self.say(
                f"申请 #{number} 的产品 #{application.product_id} 不在本行产品中",
                f"application #{number}: product #{application.product_id} not found",
                level=logging.WARNING,
            )
            return None
        decision = decide(
            grade=profile.grade,
            amount=application.amount,
            term_months=application.term_months,
            guarantee=application.guarantee,
            product=product,
            rules=self.rules,
        )
        loan.decision = decision
        if not decision.approve:
            changed = self.client.reject(
                number, reason=decision.reason, text=decision.text, expected_state="under_review"
            )
            self.say(
                f"拒绝申请 #{number}（{decision.reason}）：{decision.text.split(' / ')[0]}",
                f"rejected application #{number} ({decision.reason})",
            )
            return changed
        if decision.amount is None or decision.rate is None or decision.term_months is None:
            return None  # an approval always carries its terms (policy.decide)
        changed = self.client.approve(
            number,
            amount=decision.amount,
            rate=decision.rate,
            term_months=decision.term_months,
            guarantee=decision.guarantee,
            note=decision.text,
            expected_state="under_review",
        )
        self.say(
            f"批准申请 #{number}：{decision.text.split(' / ')[0]}",
            f"approved application #{number}: {decision.amount} at {decision.rate}%, "
            f"{decision.term_months} months",
        )
        return changed

    def product(self, product_id: int | None) -> ProductTerms | None:
        if product_id is None:
            return None
        if product_id not in self.products:
            self.refresh_products()
        return self.products.get(product_id)

    def disburse(self, application: Application) -> Application:
        number = application.id
        amount = application.approved_amount or application.amount
        rate = application.approved_rate
        if rate is None:  # approved by somebody else without a rate: the product's lowest
            product = self.product(application.product_id)
            rate = product.rate_min if product else Decimal("4.000")
        changed = self.client.disburse(
            number,
            amount=amount,
            rate=rate,
            term_months=application.approved_term_months or application.term_months,
            guarantee=application.approved_guarantee or application.guarantee,
            disbursed_on=today(),
            expected_state="approved",
        )
        self.say(
            f"申请 #{number} 已放款 {wan(amount)}，年利率 {rate}%",
            f"disbursed application #{number}: {amount} at {rate}%",
        )
        return changed

    def outcome_step(self, application: Application, loan: Loan) -> Application | None:
        """``repay_after`` seconds after the disbursement was seen: repay; as long again:
        settle (or, for a borrower of a weaker grade, overdue)."""
        number, state = application.id, application.state
        now = self.clock()
        if loan.disbursed_seen_at is None:
            loan.disbursed_seen_at = now
        stage = 1 if state == "disbursed" else 2
        due = loan.disbursed_seen_at + stage * self.repay_after
        if now < due:
            if loan.wake_at != due:  # one timer per step, however often it is polled
                loan.wake_at = due
                self.later(due - now, ("advance", number))
            return None
        if state == "disbursed":
            changed = self.client.repay(number, on=today(), expected_state=state)
            self.say(f"申请 #{number} 开始还款", f"application #{number} is repaying")
            return changed
        outcome = loan.decision.outcome if loan.decision is not None else SETTLE
        if outcome == OVERDUE:
            principal = application.disbursed_amount or application.amount
            months = application.approved_term_months or application.term_months
            late = overdue_amount_of(principal, months)
            changed = self.client.overdue(number, on=today(), amount=late, expected_state=state)
            self.say(
                f"申请 #{number} 逾期 {wan(late)}（{loan.decision.grade if loan.decision else ''}"
                f" 级借款人）",
                f"application #{number} is overdue by {late}",
            )
            return changed
        changed = self.client.settle(number, on=today(), expected_state=state)
        self.say(f"申请 #{number} 已结清", f"application #{number} settled")
        return changed


# ---------------------------------------------------------------------- the webhook server


class _WebhookServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], bank: SandboxBank) -> None:
        self.bank = bank
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _WebhookServer
    server_version = "XydSandboxBank/1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._answer(413, {"status": "too large"})
            return
        body = self.rfile.read(length) if length else b""
        status, text = self.server.bank.receive(self.path, dict(self.headers.items()), body)
        self._answer(status, {"status": text})

    def do_GET(self) -> None:
        """A health check: 200 once the subscription is registered."""
        bank = self.server.bank
        ready = bank.ready
        self._answer(200 if ready else 503, {"ready": ready, "subscription": bank.subscription_id})

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        content = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the bank logs what it does with each delivery


def _optional_id(value: Any) -> int | None:
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
