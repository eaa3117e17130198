"""The catalogue of events a bank's system can subscribe to (``OutboxEvent.kind``).

Every ``event_record`` call names one of these kinds; webhook subscriptions are checked
against this list, and ``docs/api.md`` describes each event's payload.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

EVENT_KINDS = [
    ("need.matched", _("有新的匹配融资需求")),
    ("interest.accepted", _("企业接受了对接意向")),
    ("interest.declined", _("企业谢绝了对接意向")),
    ("application.submitted", _("收到贷款申请")),
    ("application.withdrawn", _("企业撤回了贷款申请")),
    ("authorization.granted", _("授权已签署")),
    ("authorization.paused", _("授权已暂停")),
    ("authorization.resumed", _("授权已恢复")),
    ("authorization.revoked", _("授权已撤销")),
    ("authorization.rejected", _("授权请求被拒绝")),
    ("authorization.expired", _("授权已到期")),
    ("profile.updated", _("已授权企业的信用画像已更新")),
    ("report.ready", _("信用报告已生成")),
]

EVENT_KIND_CODES = frozenset(code for code, _label in EVENT_KINDS)
