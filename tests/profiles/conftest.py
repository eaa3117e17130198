"""A small synthetic city delivered through the real ingestion, and a trained credit model."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import time_machine

from risk_models.catalogue import SOURCES
from risk_models.features import build_features
from risk_models.files import write_source_file
from risk_models.standards.industries import section_of
from risk_models.synth import SynthCity, synth_city
from risk_models.train import TrainedModel, train_model
from tests.factories import UserFactory
from xinyidai.accounts.models import Organization, Role, User
from xinyidai.accounts.services import data_provider_create, membership_grant, organization_create
from xinyidai.profiles import services
from xinyidai.profiles.models import LendingProfile, ProfileRebuild, ScoringModel
from xinyidai.registry.models import Enterprise, size_classes
from xinyidai.sources.models import Batch, Source
from xinyidai.sources.services import batch_ingest_file

TODAY = "2026-11-20 10:00:00+08:00"
AS_OF = dt.date(2026, 11, 20)
CITY_SIZE = 40


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture(scope="session")
def trained() -> tuple[TrainedModel, pd.DataFrame]:
    """A credit model trained on a separate synthetic city (pure; once per session)."""
    city = synth_city(3000, seed=7)
    features = build_features(city.sources, city.enterprises, city.as_of)
    truth = city.truth.set_index("uscc").loc[features.index, "default_probability"].to_numpy()
    outcome = (np.random.default_rng(7).random(len(features)) < truth).astype(np.int8)
    return train_model(features, outcome, cv=3, monotone=services.MONOTONE), features


@pytest.fixture
def credit_model(db, trained) -> ScoringModel:
    model, features = trained
    return services.scoring_model_register(trained=model, training_features=features)


@pytest.fixture(scope="session")
def city() -> SynthCity:
    return synth_city(CITY_SIZE, seed=21)


def register(frame: pd.DataFrame) -> None:
    """The city's enterprises in the platform's registry (bulk, as the demo loader does)."""
    sizes = size_classes(frame.rename(columns={"annual_revenue": "revenue"}))
    Enterprise.objects.bulk_create(
        [
            Enterprise(
                uscc=r.uscc,
                name=r.name,
                legal_rep_name=r.legal_rep_name,
                region_code=r.region_code,
                industry_code=r.industry_code,
                industry_section=section_of(r.industry_code),
                employees=int(r.employees),
                annual_revenue=Decimal(str(r.annual_revenue)),
                total_assets=Decimal(str(r.total_assets)),
                size_class=size,
                established_on=r.established_on,
                registered_capital=Decimal(str(r.registered_capital)),
            )
            for r, size in zip(frame.itertuples(index=False), sizes, strict=True)
        ]
    )


@dataclass
class Delivered:
    city: SynthCity
    providers: dict[str, Organization]
    operator: User
    editor: User
    batches: dict[str, Batch]


def deliver_file(provider: Organization, code: str, frame: pd.DataFrame, directory: Path) -> Batch:
    directory.mkdir(parents=True, exist_ok=True)
    path = write_source_file(frame, code, directory / f"{code}-{len(frame)}.csv")
    batch = batch_ingest_file(
        source=Source.objects.get(code=code), provider=provider, path=str(path)
    )
    assert batch.status == Batch.Status.ACCEPTED, batch.error_sample
    return batch


@pytest.fixture
def delivered(db, city, tmp_path, settings) -> Delivered:
    """Every source but the housing fund delivered, then every profile built."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")
    register(city.enterprises)
    providers = {
        spec.provider_kind: data_provider_create(
            name=f"测试{spec.provider_kind}部门", kind=spec.provider_kind, region_code="441200"
        ).organization
        for spec in SOURCES
        if spec.code != "housing_fund_monthly"
    }
    platform = organization_create(
        name="测试信用中心", kind=Organization.Kind.PLATFORM, region_code="441200"
    )
    operator, editor = UserFactory(username="operator"), UserFactory(username="editor")
    operator.email = "operator@example.test"
    operator.save()
    membership_grant(user=operator, organization=platform, role=Role.PLATFORM_OPERATOR)
    membership_grant(user=editor, organization=platform, role=Role.PLATFORM_EDITOR)
    batches = {}
    with services.rebuilds_deferred():  # one rebuild below (the triggers have their own tests)
        for spec in SOURCES:
            if spec.code != "housing_fund_monthly":
                batches[spec.code] = deliver_file(
                    providers[spec.provider_kind], spec.code, city.sources[spec.code], tmp_path
                )
    services.profiles_rebuild_start(
        scope=ProfileRebuild.Scope.ALL, trigger=LendingProfile.Trigger.FULL, here=True
    )
    return Delivered(
        city=city, providers=providers, operator=operator, editor=editor, batches=batches
    )
