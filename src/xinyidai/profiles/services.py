"""Writes of the risk module: model versions, profile rebuilds, joint models, monitoring."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from risk_models.evaluate import psi_against, psi_reference
from risk_models.explain import reasons
from risk_models.features import FEATURE_NAMES, FEATURE_SET_VERSION, build_features
from risk_models.score import LoadedModel, load_model_text
from risk_models.train import TrainedModel, assign_grades, metadata, model_card
from xinyidai.accounts.models import Bank, Membership, Role, User
from xinyidai.core.models import OutboxEvent, audit
from xinyidai.core.signals import event_recorded
from xinyidai.registry.models import Enterprise
from xinyidai.rights.effects import LIST_FLAG_OF_KIND, ChunkEffects, chunk_effects
from xinyidai.rights.selectors import under_objection_entries
from xinyidai.sources.models import SOURCE_SPECS, Batch

from . import content, reading
from .models import LendingProfile, MonitoringRun, ProfileRebuild, ScoringModel
from .reading import Chunk
from .signals import profiles_changed

logger = logging.getLogger(__name__)

PSI_BINS = 10


# --------------------------------------------------------------------------- models


def _reference(features: pd.DataFrame, probability: np.ndarray) -> dict[str, Any]:
    """Bins and shares of the training population, for the stability checks."""
    values = features.to_numpy(dtype=np.float64, na_value=np.nan)
    return {
        "features": {
            name: psi_reference(values[:, j], PSI_BINS) for j, name in enumerate(features.columns)
        },
        "score": psi_reference(probability, PSI_BINS),
    }


@transaction.atomic
def scoring_model_register(
    *,
    trained: TrainedModel,
    training_features: pd.DataFrame,
    purpose: str = ScoringModel.Purpose.CREDIT,
    bank: Bank | None = None,
    activate: bool = True,
    note: str = "",
    actor: User | None = None,
) -> ScoringModel:
    """Keep a trained model as the next version of its purpose (and bank); activate it."""
    meta = metadata(trained)
    model_text = trained.booster.model_to_string(num_iteration=-1)
    last = (
        ScoringModel.objects.select_for_update()
        .filter(purpose=purpose, bank=bank)
        .order_by("-version")
        .first()
    )
    model = ScoringModel(
        purpose=purpose,
        bank=bank,
        version=1 + (last.version if last else 0),
        feature_set_version=FEATURE_SET_VERSION,
        model_text=model_text,
        metadata=meta,
        model_card=model_card(trained, meta),
        model_sha256=hashlib.sha256(model_text.encode()).hexdigest(),
        metrics=meta.get("metrics", {}),
        reference=_reference(training_features, trained.predict_proba(training_features)),
        training_rows=trained.n_rows,
        note=note,
        created_by=actor,
    )
    model.full_clean()
    model.save()
    audit(
        action="scoring_model.register",
        actor=actor,
        obj=model,
        data={"purpose": purpose, "bank": bank.pk if bank else None, "version": model.version},
    )
    if activate:
        scoring_model_activate(model=model, actor=actor)
    return model


@transaction.atomic
def scoring_model_activate(*, model: ScoringModel, actor: User | None = None) -> ScoringModel:
    """Make ``model`` the one active version of its purpose (and bank)."""
    ScoringModel.objects.filter(purpose=model.purpose, bank=model.bank, is_active=True).exclude(
        pk=model.pk
    ).update(is_active=False)
    model.is_active = True
    model.save(update_fields=["is_active"])
    audit(action="scoring_model.activate", actor=actor, obj=model, data={"version": model.version})
    return model


_loaded: dict[tuple[int, str], LoadedModel] = {}
_loaded_lock = threading.Lock()


def loaded_model(model: ScoringModel) -> LoadedModel:
    """The booster of a model version, parsed once per process."""
    key = (model.pk, model.model_sha256)
    with _loaded_lock:
        if key not in _loaded:
            _loaded[key] = load_model_text(model.model_text, model.metadata)
        return _loaded[key]


def active_credit_model() -> ScoringModel | None:
    return ScoringModel.objects.filter(
        purpose=ScoringModel.Purpose.CREDIT, bank__isnull=True, is_active=True
    ).first()


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Scores:
    probability: np.ndarray
    grades: np.ndarray
    reasons: list[list[dict[str, Any]]]


def score(model: ScoringModel, features: pd.DataFrame) -> Scores:
    """Calibrated probability, grade (the platform's bands) and top reasons of every row."""
    loaded = loaded_model(model)
    probability = loaded.predict_proba(features)
    frame = loaded.model_frame(features)
    why = reasons(loaded.booster, frame, top=settings.PROFILE_REASONS)
    return Scores(
        probability=probability,
        grades=assign_grades(probability, settings.RISK_GRADE_BANDS),
        reasons=[
            [
                {"feature": r.feature, "text": r.text, "contribution": round(r.contribution, 4)}
                for r in row
            ]
            for row in why
        ],
    )


# --------------------------------------------------------------------------- building


@dataclass(frozen=True)
class ChunkResult:
    enterprises: int
    created: int


def _feature_lists(features: pd.DataFrame) -> list[list[float | None]]:
    values = features.to_numpy(dtype=np.float64, na_value=np.nan)
    return [[None if v != v else round(v, 6) for v in row] for row in values.tolist()]


def profiles_build_chunk(
    *,
    chunk: Chunk,
    as_of: dt.date,
    trigger: str,
    rebuild: ProfileRebuild | None = None,
    delivered: set[str] | None = None,
) -> ChunkResult:
    """Fuse, score and write the profiles of one chunk; a version only where something changed."""
    enterprises = reading.enterprise_frame(chunk)
    if enterprises.empty:
        return ChunkResult(0, 0)
    frames = reading.source_frames(chunk, as_of, delivered=delivered)
    usccs = enterprises["uscc"].tolist()
    # Repairs, retention, list decisions and commitment breaches (rights.effects): one query
    # per process for the chunk; the features and the content see the records they leave.
    effects = chunk_effects(frames, usccs, as_of)
    frames = effects.frames
    features = build_features(frames, enterprises, as_of)
    model = active_credit_model()
    scores = score(model, features) if model is not None else None
    pieces = content.ChunkContent(
        enterprises=enterprises, frames=frames, features=features, as_of=as_of
    )
    vectors = _feature_lists(features)
    ids = enterprises["id"].to_numpy(dtype=np.int64)
    # Records under an open objection ("异议处理中"): one query for the whole chunk.
    objected = under_objection_entries(usccs)
    drafts: dict[int, LendingProfile] = {}
    for row, enterprise_id in enumerate(ids.tolist()):
        document = pieces.document(row)
        _with_effects(document, effects, usccs[row])
        flagged = objected.get(usccs[row], [])
        shown: dict[str, Any] = {
            **document,
            "model": model.pk if model else None,
            "feature_set_version": FEATURE_SET_VERSION,
        }
        if flagged:
            # Part of the content: filing or closing an objection makes a new version. Added
            # only when present, so profiles without objections keep their digest.
            shown["under_objection"] = flagged
        probability = grade = None
        why: list[dict[str, Any]] = []
        if scores is not None:
            probability = Decimal(f"{float(scores.probability[row]):.6f}")
            grade = str(scores.grades[row])
            why = scores.reasons[row]
            shown.update(probability=str(probability), grade=grade, reasons=why)
        drafts[enterprise_id] = LendingProfile(
            enterprise_id=enterprise_id,
            as_of=as_of,
            trigger=trigger,
            rebuild=rebuild,
            scoring_model=model,
            feature_set_version=FEATURE_SET_VERSION,
            probability=probability,
            grade=grade or "",
            reasons=why,
            registration={
                **document["registration"],
                "legal_representative": document["legal_representative"],
                "months": document["months"],
            },
            sources=document["sources"],
            events=document["events"],
            flags=document["flags"],
            under_objection=flagged,
            features=vectors[row],
            content_sha256=content.content_hash(shown),
        )
    created = _profiles_write(drafts)
    return ChunkResult(len(ids), created)


def _with_effects(document: dict[str, Any], effects: ChunkEffects, uscc: str) -> None:
    """Commitment breaches join the events; the platform's designations set list flags (a flag
    only the platform sets, ``key_attention``, is added only when set: other profiles keep their
    digest)."""
    extra = effects.events.get(uscc)
    if extra:
        events = [*document["events"], *extra]
        events.sort(key=lambda e: (e["date"] or "", e["source"]), reverse=True)
        document["events"] = events
    for kind, listed in effects.flags.get(uscc, {}).items():
        code = LIST_FLAG_OF_KIND[kind]
        if listed:
            document["flags"][code] = True


@transaction.atomic
def _profiles_write(drafts: dict[int, LendingProfile]) -> int:
    """Add the versions whose content differs from the current one; set-based."""
    ids = sorted(drafts)
    # Rows locked in id order: concurrent rebuilds of the same enterprises queue, never deadlock.
    list(Enterprise.objects.filter(pk__in=ids).order_by("pk").select_for_update().values("pk"))
    current = {
        enterprise_id: (version, digest)
        for enterprise_id, version, digest in LendingProfile.objects.filter(
            enterprise_id__in=ids, is_current=True
        ).values_list("enterprise_id", "version", "content_sha256")
    }
    last_versions = dict(
        LendingProfile.objects.filter(enterprise_id__in=ids)
        .order_by()
        .values("enterprise_id")
        .annotate(last=Max("version"))
        .values_list("enterprise_id", "last")
    )
    changed = [i for i in ids if current.get(i, (0, ""))[1] != drafts[i].content_sha256]
    if not changed:
        return 0
    LendingProfile.objects.filter(enterprise_id__in=changed, is_current=True).update(
        is_current=False
    )
    for enterprise_id in changed:
        drafts[enterprise_id].version = last_versions.get(enterprise_id, 0) + 1
        drafts[enterprise_id].is_current = True
    LendingProfile.objects.bulk_create([drafts[i] for i in changed], batch_size=500)
    profiles_changed.send(sender=LendingProfile, enterprise_ids=changed)
    _profile_events([drafts[i] for i in changed])
    return len(changed)


def _profile_events(profiles: list[LendingProfile]) -> None:
    """``profile.updated`` for each (bank, enterprise) pair where the bank holds an active grant
    of an enterprise whose profile just changed. Set-based whatever the number of enterprises:
    one query for the pairs, a bulk insert of the outbox rows, one ``event_recorded`` on commit
    (the webhooks app fans out everything pending, whichever event woke it)."""
    from xinyidai.consent.models import Authorization

    built = {p.enterprise_id: p.built_at for p in profiles}
    grants = (
        Authorization.objects.filter(
            enterprise_id__in=list(built),
            status=Authorization.Status.ACTIVE,
            expires_at__gt=timezone.now(),
        )
        .order_by("bank_id", "enterprise_id", "pk")
        .values_list("bank_id", "enterprise_id", "enterprise__uscc", "pk")
    )
    pairs: dict[tuple[int, int], tuple[str, list[int]]] = {}
    for bank_id, enterprise_id, uscc, pk in grants:
        pairs.setdefault((bank_id, enterprise_id), (uscc, []))[1].append(pk)
    events = [
        OutboxEvent(
            event_id=uuid.uuid4(),
            kind="profile.updated",
            organization_id=bank_id,  # a bank's key is its organization's
            payload={
                "enterprise": uscc,
                "authorizations": ids,
                "as_of": timezone.localtime(built[enterprise_id]).isoformat(),
            },
        )
        for (bank_id, enterprise_id), (uscc, ids) in pairs.items()
    ]
    if not events:
        return
    OutboxEvent.objects.bulk_create(events, batch_size=1000)
    transaction.on_commit(
        lambda: event_recorded.send(sender=OutboxEvent, event=events[-1], events=events)
    )


# --------------------------------------------------------------------------- rebuilds

_deferred = threading.local()


@contextlib.contextmanager
def rebuilds_deferred() -> Iterator[None]:
    """Accepted batches inside the block start no rebuild (a loader rebuilds once at the end)."""
    _deferred.active = True
    try:
        yield
    finally:
        _deferred.active = False


def rebuilds_are_deferred() -> bool:
    return bool(getattr(_deferred, "active", False))


def profiles_rebuild_start(
    *,
    scope: str,
    trigger: str,
    requested_by: User | None = None,
    batch_id: int | None = None,
    usccs: Sequence[str] = (),
    as_of: dt.date | None = None,
    here: bool = False,
) -> ProfileRebuild:
    """Record a rebuild and plan it once committed (the plan enqueues one task per chunk).

    ``here`` runs every chunk in this process instead, before returning (the demo loader, the
    command line's ``--here``).
    """
    rebuild = _rebuild_record(
        scope=scope,
        trigger=trigger,
        requested_by=requested_by,
        batch_id=batch_id,
        usccs=usccs,
        as_of=as_of,
        enqueue=not here,
    )
    if here:
        for chunk in profiles_rebuild_plan(rebuild_id=rebuild.pk, usccs=usccs):
            profiles_rebuild_chunk(rebuild_id=rebuild.pk, chunk=chunk)
        rebuild.refresh_from_db()
    return rebuild


@transaction.atomic
def _rebuild_record(
    *,
    scope: str,
    trigger: str,
    requested_by: User | None,
    batch_id: int | None,
    usccs: Sequence[str],
    as_of: dt.date | None,
    enqueue: bool,
) -> ProfileRebuild:
    from . import tasks

    rebuild = ProfileRebuild.objects.create(
        scope=scope,
        trigger=trigger,
        batch_id=batch_id,
        as_of=as_of or timezone.localdate(),
        requested_by=requested_by,
    )
    audit(
        action="profile_rebuild.start",
        actor=requested_by,
        obj=rebuild,
        data={"scope": scope, "batch": batch_id, "enterprises": len(usccs)},
    )
    if enqueue:
        transaction.on_commit(lambda: tasks.profiles_rebuild_plan.delay(rebuild.pk, list(usccs)))
    return rebuild


def _batch_usccs(batch: Batch) -> list[str]:
    """Registered enterprises with a row delivered (new or corrected) by the batch."""
    spec = SOURCE_SPECS[batch.source_id]
    table = f"records_{spec.code}"
    where = "r.batch_id = %s"
    params: list[Any] = [batch.pk]
    if spec.period_column and batch.period_min and batch.period_max:
        # Only the batch's months: partition pruning instead of scanning the whole table.
        where += f' AND r."{spec.period_column}" BETWEEN %s AND %s'
        params += [batch.period_min, batch.period_max]
    collate = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.uscc FROM registry_enterprise e WHERE EXISTS (SELECT 1 FROM {table} r"  # noqa: S608
            f" WHERE r.uscc = e.uscc{collate} AND {where}) ORDER BY e.uscc",
            params,
        )
        return [uscc for (uscc,) in cursor.fetchall()]


def profiles_rebuild_plan(*, rebuild_id: int, usccs: Sequence[str] = ()) -> list[Chunk]:
    """Split the rebuild's enterprises into chunks and record how many there are."""
    rebuild = ProfileRebuild.objects.get(pk=rebuild_id)
    size = settings.PROFILE_CHUNK_SIZE
    registered = Enterprise.objects.count()
    if rebuild.scope == ProfileRebuild.Scope.BATCH and rebuild.batch_id is not None:
        batch = Batch.objects.get(pk=rebuild.batch_id)
        usccs = _batch_usccs(batch)
    if rebuild.scope == ProfileRebuild.Scope.ALL or len(usccs) * 2 > registered:
        # Most of the city: walk the registry in ranges (one range scan per month partition).
        everyone = list(Enterprise.objects.order_by("uscc").values_list("uscc", flat=True))
        chunks = reading.range_chunks(everyone, size)
        total = len(everyone)
    else:
        ordered = sorted(set(usccs))
        chunks = [Chunk(usccs=tuple(ordered[i : i + size])) for i in range(0, len(ordered), size)]
        total = len(ordered)
    ProfileRebuild.objects.filter(pk=rebuild_id).update(
        status=ProfileRebuild.Status.RUNNING if chunks else ProfileRebuild.Status.DONE,
        enterprises_total=total,
        chunks_total=len(chunks),
        finished_at=None if chunks else timezone.now(),
    )
    return chunks


def profiles_rebuild_chunk(*, rebuild_id: int, chunk: Chunk) -> ChunkResult:
    """Build one chunk of a rebuild and count it; the last chunk closes the rebuild."""
    rebuild = ProfileRebuild.objects.get(pk=rebuild_id)
    try:
        result = profiles_build_chunk(
            chunk=chunk, as_of=rebuild.as_of, trigger=rebuild.trigger, rebuild=rebuild
        )
    except Exception as exc:
        logger.exception("profile rebuild %s: a chunk failed", rebuild_id)
        _chunk_count(rebuild_id, failed=1, message=f"{type(exc).__name__}: {exc}")
        raise
    _chunk_count(rebuild_id, done=1, enterprises=result.enterprises, created=result.created)
    return result


@transaction.atomic
def _chunk_count(
    rebuild_id: int,
    *,
    done: int = 0,
    failed: int = 0,
    enterprises: int = 0,
    created: int = 0,
    message: str = "",
) -> None:
    ProfileRebuild.objects.filter(pk=rebuild_id).update(
        chunks_done=F("chunks_done") + done,
        chunks_failed=F("chunks_failed") + failed,
        enterprises_done=F("enterprises_done") + enterprises,
        versions_created=F("versions_created") + created,
    )
    rebuild = ProfileRebuild.objects.select_for_update().get(pk=rebuild_id)
    if message:
        rebuild.message = message
    if rebuild.chunks_done + rebuild.chunks_failed >= rebuild.chunks_total:
        rebuild.status = (
            ProfileRebuild.Status.FAILED if rebuild.chunks_failed else ProfileRebuild.Status.DONE
        )
        rebuild.finished_at = timezone.now()
        audit(
            action="profile_rebuild.finish",
            obj=rebuild,
            data={
                "status": rebuild.status,
                "enterprises": rebuild.enterprises_done,
                "versions": rebuild.versions_created,
            },
        )
    rebuild.save(update_fields=["status", "finished_at", "message"])


def profile_rebuild_now(*, enterprise: Enterprise, actor: User | None = None) -> ChunkResult:
    """Rebuild one enterprise's profile in this process (the enterprise asked for it)."""
    result = profiles_build_chunk(
        chunk=Chunk(usccs=(enterprise.uscc,)),
        as_of=timezone.localdate(),
        trigger=LendingProfile.Trigger.REQUEST,
    )
    audit(action="profile.rebuild", actor=actor, obj=enterprise, data={"created": result.created})
    return result


# --------------------------------------------------------------------------- monitoring


def _current_population(model: ScoringModel, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Feature vectors and probabilities of (a sample of) the current profiles of ``model``."""
    queryset = LendingProfile.objects.filter(is_current=True, scoring_model=model)
    if connection.vendor == "postgresql":
        queryset = queryset.order_by("?")
    rows = list(queryset.values_list("features", "probability")[:limit])
    if not rows:
        return np.empty((0, len(FEATURE_NAMES))), np.empty(0)
    features = np.array(
        [[np.nan if v is None else v for v in vector] for vector, _ in rows], dtype=np.float64
    )
    probability = np.array([np.nan if p is None else float(p) for _, p in rows])
    return features, probability


@transaction.atomic
def model_monitor(*, model: ScoringModel | None = None) -> MonitoringRun | None:
    """PSI of the current population against the model's training population; alert above."""
    model = model or active_credit_model()
    if model is None or not model.reference:
        return None
    features, probability = _current_population(model, settings.MODEL_MONITOR_SAMPLE)
    if len(probability) == 0:
        return None
    threshold = settings.MODEL_MONITOR_PSI_ALERT
    names = list(model.reference["features"])
    position = {name: j for j, name in enumerate(FEATURE_NAMES)}
    feature_psi = {
        name: round(psi_against(model.reference["features"][name], features[:, position[name]]), 4)
        for name in names
        if name in position
    }
    score_psi = round(psi_against(model.reference["score"], probability), 4)
    drifted = sorted(
        [name for name, value in feature_psi.items() if value > threshold],
        key=lambda name: -feature_psi[name],
    )
    if score_psi > threshold:
        drifted.insert(0, "score")
    run = MonitoringRun.objects.create(
        scoring_model=model,
        population=len(probability),
        score_psi=score_psi,
        max_feature_psi=max(feature_psi.values(), default=None),
        feature_psi=feature_psi,
        threshold=threshold,
        alert=bool(drifted),
        drifted=drifted,
    )
    audit(
        action="scoring_model.monitor",
        obj=model,
        data={"run": run.pk, "score_psi": score_psi, "alert": run.alert, "drifted": drifted[:10]},
    )
    if run.alert:
        transaction.on_commit(lambda: _monitor_alert_send(run))
    return run


def _monitor_alert_send(run: MonitoringRun) -> None:
    logger.warning("model %s drifted: %s", run.scoring_model, run.drifted)
    recipients = list(
        Membership.objects.filter(role=Role.PLATFORM_OPERATOR, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
        .distinct()
    )
    if not recipients:
        return
    items = "、".join(run.drifted[:10])
    send_mail(
        subject=_("模型稳定性告警：%(model)s") % {"model": run.scoring_model},
        message=_(
            "%(model)s 的当前总体与训练总体相比发生显著偏移（PSI 超过 %(threshold)s）：%(items)s。"
            "评分 PSI 为 %(score)s。请复核模型是否需要重新训练。"
        )
        % {
            "model": run.scoring_model,
            "threshold": run.threshold,
            "items": items,
            "score": run.score_psi,
        },
        from_email=None,
        recipient_list=recipients,
    )


# --------------------------------------------------------------------------- synthetic model


def scoring_model_train_synthetic(
    *, enterprises: int = 20_000, seed: int = 20261130, cv: int = 3, actor: User | None = None
) -> ScoringModel:
    """Train the platform's credit model on a synthetic city and make it the active version.

    Until banks report enough real outcomes, the platform model learns from the deterministic
    synthetic city (outcomes drawn from its known default probabilities). Its model card says so.
    """
    from risk_models.synth import synth_city
    from risk_models.train import DataInfo, train_model

    city = synth_city(enterprises, seed=seed)
    features = build_features(city.sources, city.enterprises, city.as_of)
    truth = city.truth.set_index("uscc").loc[features.index, "default_probability"]
    outcome = (np.random.default_rng(seed).random(len(features)) < truth.to_numpy()).astype(np.int8)
    trained = train_model(
        features,
        outcome,
        cv=cv,
        monotone=MONOTONE,
        info=DataInfo(
            target="default_12m",
            positive="1",
            source=f"synth_city(n={enterprises}, seed={seed})",
            feature_set_version=FEATURE_SET_VERSION,
        ),
    )
    return scoring_model_register(
        trained=trained,
        training_features=features,
        note=_("合成城市训练（%(n)s 户企业）") % {"n": enterprises},
        actor=actor,
    )


# Domain constraints: more arrears, a listing or a penalty never lowers the probability.
MONOTONE: dict[str, int] = dict.fromkeys(
    (
        "tax_arrears_latest",
        "tax_arrears_months_12m",
        "tax_arrears_months_36m",
        "si_arrears_months_latest",
        "si_arrears_months_max_12m",
        "si_arrears_months_max_36m",
        "utilities_arrears_months_12m",
        "utilities_arrears_months_36m",
        "penalty_major_count_12m",
        "penalty_serious_count_12m",
        "dishonest_debtor_listed",
        "dishonest_debtor_amount_owed",
        "abnormal_operation_listed",
        "serious_dishonesty_listed",
    ),
    1,
)
