"""The initial repair rules per penalty severity and the five commitment templates.

The rules follow the minimum publication periods of the 失信行为纠正后的信用信息修复管理办法
(一般 3 months, 较重 6, 严重 12) and grow in what they require; the operator edits them.
"""

from django.db import migrations

RULES = [
    # severity, min months, fulfilment, commitment, training, credit report, watch months
    ("minor", 3, True, True, False, False, 12),
    ("major", 6, True, True, True, False, 12),
    ("serious", 12, True, True, True, True, 24),
]

_FOOT = (
    "如违反上述承诺，本企业自愿接受相关部门依法依规作出的处理，"
    "并同意将违约情况记入本企业公共信用记录、依法公开。"
)

TEMPLATES = [
    (
        "approval-substitute",
        "approval_substitute",
        "行政审批告知承诺书（审批替代型）",
        "本企业{enterprise}（统一社会信用代码：{uscc}）就“{subject}”郑重承诺：\n"
        "一、已知晓并符合该事项的审批条件、标准和要求；\n"
        "二、所提交的材料真实、合法、有效；\n"
        "三、在{due_on}前补齐全部材料并接受核查，达到审批条件前不开展相关经营活动。\n" + _FOOT,
        6,
        True,
    ),
    (
        "public",
        "public",
        "主动公开型信用承诺书",
        "本企业{enterprise}（统一社会信用代码：{uscc}）就“{subject}”向社会郑重承诺：\n"
        "一、严格遵守法律法规，依法诚信经营；\n"
        "二、提供的产品和服务符合国家标准，不作虚假宣传；\n"
        "三、主动接受政府、行业组织和社会公众的监督。\n" + _FOOT,
        None,
        True,
    ),
    (
        "self-discipline",
        "self_discipline",
        "行业自律型信用承诺书",
        "本企业{enterprise}（统一社会信用代码：{uscc}）作为“{subject}”成员郑重承诺：\n"
        "一、遵守行业自律公约和职业道德准则；\n"
        "二、不参与不正当竞争，不损害消费者和同业合法权益；\n"
        "三、配合行业组织开展信用评价和自律检查。\n" + _FOOT,
        None,
        True,
    ),
    (
        "repair",
        "repair",
        "信用修复承诺书",
        "本企业{enterprise}（统一社会信用代码：{uscc}）就“{subject}”申请信用修复，郑重承诺：\n"
        "一、已纠正失信行为、消除不良影响，已履行行政处罚决定规定的义务；\n"
        "二、所提交的修复申请材料真实、合法、有效；\n"
        "三、在{due_on}前（观察期内）不再发生同类失信行为。\n"
        "如违反上述承诺，本企业同意恢复原失信记录的效力，"
        "并接受相关部门依法依规作出的处理，违约情况记入本企业公共信用记录。",
        12,
        False,
    ),
    (
        "certification",
        "certification",
        "证明事项告知承诺书",
        "本企业{enterprise}（统一社会信用代码：{uscc}）就“{subject}”郑重承诺：\n"
        "一、已知晓行政机关告知的证明义务和证明内容；\n"
        "二、本企业符合告知的相关条件，所承诺的情况真实；\n"
        "三、愿意在{due_on}前接受行政机关的核查。\n" + _FOOT,
        3,
        True,
    ),
]


def seed(apps, schema_editor):
    RepairRule = apps.get_model("rights", "RepairRule")
    CommitmentTemplate = apps.get_model("rights", "CommitmentTemplate")
    for severity, months, fulfil, commit, training, report, watch in RULES:
        RepairRule.objects.get_or_create(
            severity=severity,
            defaults={
                "min_publication_months": months,
                "requires_fulfilment": fulfil,
                "requires_commitment": commit,
                "requires_training": training,
                "requires_credit_report": report,
                "watch_months": watch,
            },
        )
    for code, kind, title, body, months, public in TEMPLATES:
        CommitmentTemplate.objects.get_or_create(
            code=code,
            version=1,
            defaults={
                "kind": kind,
                "title": title,
                "body": body,
                "fulfilment_months": months,
                "public": public,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("rights", "RepairRule").objects.all().delete()
    apps.get_model("rights", "CommitmentTemplate").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("rights", "0002_repair_commitments_lists")]
    operations = [migrations.RunPython(seed, unseed)]
