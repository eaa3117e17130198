"""Population stability of the active model, on a schedule, with an alert above 0.25."""

from __future__ import annotations

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.core import mail

from risk_models.evaluate import psi, psi_against
from xinyidai.core.models import AuditEvent
from xinyidai.profiles import services
from xinyidai.profiles.models import LendingProfile, MonitoringRun


def test_monitoring_is_scheduled_weekly():
    entry = django_settings.CELERY_BEAT_SCHEDULE["model-monitor"]
    assert entry["task"] == "profiles.model_monitor"
    assert django_settings.MODEL_MONITOR_PSI_ALERT == 0.25


def test_the_stored_reference_gives_the_same_psi_as_the_raw_populations(trained):
    model, features = trained
    probability = model.predict_proba(features)
    reference = services._reference(features, probability)
    shifted = probability * 1.5
    assert psi_against(reference["score"], shifted) == pytest.approx(psi(probability, shifted))


def test_the_training_population_against_itself_is_stable(trained):
    model, features = trained
    reference = services._reference(features, model.predict_proba(features))
    values = features.to_numpy(dtype=np.float64)
    for j, name in enumerate(features.columns):
        assert psi_against(reference["features"][name], values[:, j]) == pytest.approx(0, abs=1e-9)


def test_below_the_threshold_a_run_is_recorded_without_alert(credit_model, delivered, settings):
    settings.MODEL_MONITOR_PSI_ALERT = 1000.0
    mail.outbox.clear()
    run = services.model_monitor()
    assert (run.population, run.alert, run.drifted) == (40, False, [])
    assert set(run.feature_psi) == set(credit_model.reference["features"])
    assert run.score_psi >= 0
    assert mail.outbox == []


def test_a_drifted_population_alerts_the_operators(
    credit_model, delivered, django_capture_on_commit_callbacks
):
    # Every current profile's tax level is made a hundred times larger than in training.
    from risk_models.features import FEATURE_NAMES

    column = FEATURE_NAMES.index("tax_paid_mean_3m")
    for profile in LendingProfile.objects.filter(is_current=True):
        vector = list(profile.features)
        vector[column] = 1e9
        LendingProfile.objects.filter(pk=profile.pk).update(features=vector)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        run = services.model_monitor()

    assert run.alert is True
    assert run.feature_psi["tax_paid_mean_3m"] > 0.25
    assert "tax_paid_mean_3m" in run.drifted
    assert [m.to for m in mail.outbox] == [["operator@example.test"]]
    assert "tax_paid_mean_3m" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="scoring_model.monitor").exists()


@pytest.mark.django_db
def test_nothing_to_monitor_without_a_model():
    assert services.model_monitor() is None
    assert MonitoringRun.objects.count() == 0
