"""Deterministic demo data: organizations of every kind, their people, a synthetic registry,
credit data, profiles, and financing (``xinyidai.financing.demo``).

Running it again changes nothing. Every enterprise and person is invented by
``risk_models.synth``; the TOTP secrets of the demo staff are derived from their user names so
that ``python manage.py demo_otp USER`` can print the current code.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from risk_models.catalogue import SOURCES
from risk_models.files import write_source_file
from risk_models.standards.industries import section_of
from risk_models.synth import DEFAULT_AS_OF, SynthCity, synth_city
from xinyidai.accounts.models import (
    Bank,
    DataProvider,
    Organization,
    Regulator,
    Role,
    User,
)
from xinyidai.accounts.services import (
    bank_create,
    branch_create,
    membership_grant,
    organization_create,
    regulator_create,
)
from xinyidai.consent.demo import seed_consent
from xinyidai.core.models import audit
from xinyidai.financing.demo import seed_financing
from xinyidai.financing.models import LoanProduct
from xinyidai.integrations.models import ApiClient, Scope
from xinyidai.integrations.services import api_client_create
from xinyidai.notifications.models import Notification
from xinyidai.oversight import cube
from xinyidai.oversight.demo import seed_history
from xinyidai.profiles import services as profiles_services
from xinyidai.profiles.models import LendingProfile, ProfileRebuild
from xinyidai.registry.models import Enterprise, size_classes
from xinyidai.registry.services import enterprise_register
from xinyidai.rights.demo import seed_rights
from xinyidai.sources.models import Batch, Source
from xinyidai.sources.services import batch_ingest_file

DEMO_PASSWORD = "Demo-2026-xyd"
DEMO_SEED = 20261123
DEMO_ENTERPRISES = 2000
DEMO_MODEL_ENTERPRISES = 10_000  # the synthetic city the demo platform model learns from
SANDBOX_BANK = "粤信银行股份有限公司"  # the demo bank whose loan system the sandbox bank plays
SANDBOX_CLIENT_NAME = "沙盒银行信贷系统（演示）"


@dataclass(frozen=True)
class Persona:
    username: str
    display_name: str
    organization: str
    role: Role
    two_factor: bool


def demo_totp_key(username: str) -> str:
    """The hex TOTP key of a demo user (public by design: demo data only)."""
    return hashlib.sha1(f"xinyidai-demo-totp:{username}".encode()).hexdigest()  # noqa: S324


def demo_otp_code(username: str) -> str:
    return f"{totp(bytes.fromhex(demo_totp_key(username))):06d}"


def _user(username: str, display_name: str, *, email: str | None = None) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "display_name": display_name,
            "email": email or f"{username}@demo.xinyidai.example",
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _totp(user: User) -> None:
    TOTPDevice.objects.get_or_create(
        user=user,
        name="演示认证器",
        defaults={"key": demo_totp_key(user.username), "confirmed": True},
    )


def _organization(name: str, kind: str, region_code: str) -> Organization:
    existing = Organization.objects.filter(name=name, kind=kind).first()
    return existing or organization_create(name=name, kind=kind, region_code=region_code)


def _bank(
    name: str, short: str, licence: str, region: str, branches: list[tuple[str, str, str]]
) -> Organization:
    bank = Bank.objects.filter(licence_number=licence).select_related("organization").first()
    if bank is None:
        bank = bank_create(
            name=name, short_name=short, licence_number=licence, head_office_region=region
        )
        for branch_name, code, branch_region in branches:
            branch_create(bank=bank, name=branch_name, code=code, region_code=branch_region)
    return bank.organization


# One demo department of each kind, and how each delivers its files (formats and encodings
# vary the way real departments' files do).
DEMO_PROVIDERS: dict[str, tuple[str, str, str]] = {
    "tax": ("肇庆市税务数据中心（演示）", "csv", "gb18030"),
    "social_insurance": ("肇庆市社会保险基金管理局（演示）", "csv", "utf-8-sig"),
    "housing_fund": ("肇庆市住房公积金管理中心（演示）", "xlsx", "utf-8"),
    "utilities": ("肇庆市公用事业数据中心（演示）", "jsonl", "utf-8"),
    "court": ("肇庆市中级人民法院（演示）", "csv", "utf-8"),
    "market_regulation": ("肇庆市市场监督管理局（演示）", "csv", "utf-8"),
    "credit_centre": ("肇庆市公共信用信息中心（演示）", "csv", "gb18030"),
}


def _provider(name: str, kind: str) -> Organization:
    organization = _organization(name, Organization.Kind.DATA_PROVIDER, "441202")
    DataProvider.objects.get_or_create(organization=organization, defaults={"kind": kind})
    return organization


def _deliver_city(city: SynthCity, providers: dict[str, Organization]) -> int:
    """Deliver every source of the synthetic city through the real ingestion path, once."""
    delivered = 0
    with tempfile.TemporaryDirectory(prefix="xinyidai-demo-") as directory:
        for spec in SOURCES:
            source = Source.objects.get(code=spec.code)
            provider = providers[spec.provider_kind]
            if Batch.objects.filter(
                source=source, provider=provider, status=Batch.Status.ACCEPTED
            ).exists():
                continue
            _name, fmt, encoding = DEMO_PROVIDERS[spec.provider_kind]
            path = write_source_file(
                city.sources[spec.code],
                spec.code,
                Path(directory) / f"{spec.code}.{fmt}",
                fmt=fmt,
                encoding=encoding,
            )
            batch = batch_ingest_file(source=source, provider=provider, path=str(path))
            if batch.status != Batch.Status.ACCEPTED:
                raise RuntimeError(f"demo delivery of {spec.code} rejected: {batch.error_sample}")
            delivered += batch.rows_total
    return delivered


def _regulator(name: str, jurisdiction: str, region: str) -> Organization:
    regulator = Regulator.objects.filter(organization__name=name).first()
    if regulator is None:
        regulator = regulator_create(name=name, jurisdiction=jurisdiction, region_code=region)
    return regulator.organization


def _load_registry(frame: pd.DataFrame) -> int:
    """Insert the synthetic registry in bulk; size class and section computed vectorized."""
    existing = set(
        Enterprise.objects.filter(uscc__in=list(frame["uscc"])).values_list("uscc", flat=True)
    )
    frame = frame[~frame["uscc"].isin(existing)]
    if frame.empty:
        return 0
    sizes = size_classes(frame.rename(columns={"annual_revenue": "revenue"}))
    sections = frame["industry_code"].map(section_of)
    rows = [
        Enterprise(
            uscc=r.uscc,
            name=r.name,
            legal_rep_name=r.legal_rep_name,
            legal_rep_id_number=r.legal_rep_id_number,
            region_code=r.region_code,
            industry_code=r.industry_code,
            industry_section=section,
            employees=int(r.employees),
            annual_revenue=Decimal(str(r.annual_revenue)),
            total_assets=Decimal(str(r.total_assets)),
            size_class=size,
            established_on=r.established_on,
            registered_capital=Decimal(str(r.registered_capital)),
        )
        for r, size, section in zip(frame.itertuples(index=False), sizes, sections, strict=True)
    ]
    Enterprise.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


PERSONAS: list[Persona] = [
    Persona("ent_owner", "罗文", "enterprise-0", Role.ENTERPRISE_OWNER, False),
    Persona("ent_staff", "陈静", "enterprise-0", Role.ENTERPRISE_STAFF, False),
    Persona("ent2_owner", "胡艳伟", "enterprise-1", Role.ENTERPRISE_OWNER, False),
    Persona("bank_admin", "梁志海", "粤信银行股份有限公司", Role.BANK_ADMIN, True),
    Persona("bank_pm", "许晓婷", "粤信银行股份有限公司", Role.BANK_PRODUCT_MANAGER, True),
    Persona("bank_officer", "郑浩", "粤信银行股份有限公司", Role.BANK_CREDIT_OFFICER, True),
    Persona(
        "bank2_officer", "唐雪", "端州兴业村镇银行股份有限公司", Role.BANK_CREDIT_OFFICER, True
    ),
    Persona("regulator", "冯宇", "肇庆市地方金融管理局（演示）", Role.REGULATOR_ANALYST, True),
    Persona("regulator_sz", "袁琳", "深圳市地方金融管理局（演示）", Role.REGULATOR_ANALYST, True),
    Persona("tax_uploader", "蔡明", "肇庆市税务数据中心（演示）", Role.PROVIDER_UPLOADER, False),
    Persona("tax_reviewer", "蒋丽", "肇庆市税务数据中心（演示）", Role.PROVIDER_REVIEWER, False),
    Persona(
        "utility_uploader", "潘磊", "肇庆市公用事业数据中心（演示）", Role.PROVIDER_UPLOADER, False
    ),
    Persona("operator", "彭超", "肇庆市信用信息共享平台（演示）", Role.PLATFORM_OPERATOR, False),
    Persona("editor", "肖娜", "肇庆市信用信息共享平台（演示）", Role.PLATFORM_EDITOR, False),
]


def seed_demo(*, enterprises: int = DEMO_ENTERPRISES) -> dict[str, int]:
    # After commit, the e-mail task of each demo notification runs (eagerly in the demo) and
    # finds nothing to send (see ``xinyidai.financing.demo``); its log line per task would bury the
    # demo's own output.
    trace = logging.getLogger("celery.app.trace")
    level = trace.level
    trace.setLevel(max(level, logging.WARNING))
    try:
        result = _seed_demo(enterprises=enterprises)
        # The rights processes' demo goes through their services, each in its own
        # transaction; their notifications, like the rest of the demo's, stay in the
        # notification centre (the tasks after each commit print no e-mail, none is left).
        last_notification = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            rights = seed_rights()
            extra = _extra_seeders()
        Notification.objects.filter(pk__gt=last_notification, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        result["records_loaded"] += rights.pop("demo_penalties", 0)
        result.update(rights)
        result.update(extra)
    finally:
        trace.setLevel(level)
    # The regulator's figures, once, over everything seeded: after the commit, which marks the
    # years the seeded changes touched (the rebuild clears those marks).
    result["oversight_cells"] = cube.rebuild_all()
    return result


def _extra_seeders() -> dict[str, int]:
    """The seeders of the layers the platform does not import (the portal's pages), named in
    ``DEMO_EXTRA_SEEDERS``; each returns its counts, prefixed here with its app's name."""
    counts: dict[str, int] = {}
    for path in settings.DEMO_EXTRA_SEEDERS:
        prefix = path.split(".")[-3]  # "cms.portal.demo.seed_portal" → "portal"
        for name, count in import_string(path)().items():
            counts[f"{prefix}_{name}"] = count
    return counts


@transaction.atomic
def _seed_demo(*, enterprises: int) -> dict[str, int]:
    city = synth_city(enterprises, seed=DEMO_SEED, as_of=DEFAULT_AS_OF)
    frame = city.enterprises
    loaded = _load_registry(frame.iloc[2:])

    organizations: dict[str, Organization] = {
        "粤信银行股份有限公司": _bank(
            "粤信银行股份有限公司",
            "粤信银行",
            "B0001H244120001",
            "441202",
            [("粤信银行肇庆端州支行", "0101", "441202"), ("粤信银行四会支行", "0102", "441284")],
        ),
        "端州兴业村镇银行股份有限公司": _bank(
            "端州兴业村镇银行股份有限公司",
            "端州兴业村镇银行",
            "S0001H244120002",
            "441202",
            [("端州兴业村镇银行鼎湖支行", "0201", "441203")],
        ),
        "肇庆市地方金融管理局（演示）": _regulator(
            "肇庆市地方金融管理局（演示）", "4412", "441202"
        ),
        "深圳市地方金融管理局（演示）": _regulator(
            "深圳市地方金融管理局（演示）", "4403", "440304"
        ),
        **{name: _provider(name, kind) for kind, (name, _f, _e) in DEMO_PROVIDERS.items()},
        "肇庆市信用信息共享平台（演示）": _organization(
            "肇庆市信用信息共享平台（演示）", Organization.Kind.PLATFORM, "441202"
        ),
    }
    for index in (0, 1):
        row = frame.iloc[index]
        enterprise = Enterprise.objects.filter(uscc=row.uscc).select_related("organization").first()
        if enterprise is None or enterprise.organization is None:
            owner_persona = PERSONAS[0] if index == 0 else PERSONAS[2]
            owner = _user(owner_persona.username, owner_persona.display_name)
            enterprise = enterprise_register(
                owner=owner,
                **{
                    k: row[k]
                    for k in (
                        "uscc",
                        "name",
                        "legal_rep_name",
                        "legal_rep_id_number",
                        "region_code",
                        "industry_code",
                        "established_on",
                    )
                },
                registered_capital=Decimal(str(row.registered_capital)),
                employees=int(row.employees),
                annual_revenue=Decimal(str(row.annual_revenue)),
                total_assets=Decimal(str(row.total_assets)),
            )
        organizations[f"enterprise-{index}"] = enterprise.organization  # type: ignore[assignment]

    for persona in PERSONAS:
        user = _user(persona.username, persona.display_name)
        membership_grant(
            user=user, organization=organizations[persona.organization], role=persona.role
        )
        if persona.two_factor:
            _totp(user)
    operator = User.objects.get(username="operator")
    if not operator.is_superuser:
        operator.is_staff = operator.is_superuser = True
        operator.save(update_fields=["is_staff", "is_superuser"])
    editor = User.objects.get(username="editor")
    editors = Group.objects.filter(name="Editors").first()
    if editors is not None:
        editor.groups.add(editors)
    providers = {kind: organizations[name] for kind, (name, _f, _e) in DEMO_PROVIDERS.items()}
    with profiles_services.rebuilds_deferred():  # one rebuild below instead of one per batch
        records = _deliver_city(city, providers)
    profiles = _profiles()
    # After the profiles (eligibility depends on them); grants need the applications.
    last_notification = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    financed = seed_financing(frame, seed=DEMO_SEED)
    consented = seed_consent(password=DEMO_PASSWORD)
    sandbox = demo_sandbox_client(organizations[SANDBOX_BANK])
    history = seed_history(
        city.loans,
        list(
            LoanProduct.objects.filter(
                bank__organization__name__in=[n for n in organizations if "银行" in n],
                status=LoanProduct.Status.PUBLISHED,
            ).order_by("pk")
        ),
        seed=DEMO_SEED,
    )
    # The demo's notifications belong in the notification centre, not in a mailbox: counted as
    # e-mailed, the e-mail task that runs after commit finds nothing to send (instead of
    # printing a few hundred demo e-mails on the console).
    Notification.objects.filter(pk__gt=last_notification, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    return {
        "enterprises_loaded": loaded,
        "personas": len(PERSONAS),
        "records_loaded": records,
        "profile_versions": profiles,
        **financed,
        **consented,
        "sandbox_clients": sandbox,
        "history_loans": history,
    }


def demo_sandbox_key() -> tuple[str, str] | None:
    """The sandbox bank's fixed key id and secret: set by the demo settings only."""
    key_id = getattr(settings, "DEMO_SANDBOX_KEY_ID", "")
    secret = getattr(settings, "DEMO_SANDBOX_SECRET", "")
    return (key_id, secret) if key_id and secret else None


def demo_sandbox_client(bank_organization: Organization) -> int:
    """The API client of 粤信银行's loan system, with every scope, under the fixed demo key id and
    secret that ``make demo`` gives the sandbox bank; 1 when it was created now.

    Only when the settings name a demo key (``DEMO_SANDBOX_KEY_ID``/``DEMO_SANDBOX_SECRET``, in
    ``settings.dev`` only): a key whose secret is published must never exist elsewhere."""
    key = demo_sandbox_key()
    if key is None or ApiClient.objects.filter(key_id=key[0]).exists():
        return 0
    bank = Bank.objects.get(organization=bank_organization)
    admin = User.objects.get(username="bank_admin")
    client, _random_secret = api_client_create(
        bank=bank, name=SANDBOX_CLIENT_NAME, scopes=Scope.values, actor=admin
    )
    _random_key_id = client.key_id
    # The service makes a random key; the demo's is fixed so that the Makefile can pass it on.
    client.key_id, client.secret = key
    client.save(update_fields=["key_id", "secret"])
    service_user = client.service_membership.user
    service_user.username = f"api-{client.key_id}"  # as the service names it after the key
    service_user.save(update_fields=["username"])
    audit(
        action="api_client.demo_key",
        actor=admin,
        organization=bank.organization,
        obj=client,
        data={"key_id": client.key_id, "replaces": _random_key_id},
    )
    return 1


def _profiles() -> int:
    """A platform model trained on a separate synthetic city, and every enterprise's profile."""
    if profiles_services.active_credit_model() is None:
        profiles_services.scoring_model_train_synthetic(enterprises=DEMO_MODEL_ENTERPRISES)
    if not Enterprise.objects.filter(profiles__isnull=True).exists():
        return 0
    rebuild = profiles_services.profiles_rebuild_start(
        scope=ProfileRebuild.Scope.ALL, trigger=LendingProfile.Trigger.FULL, here=True
    )
    return rebuild.versions_created
