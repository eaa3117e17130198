"""Rights of credit subjects: objections, credit repair, credit commitments and credit lists."""

from .commitments import Commitment, CommitmentEvent, CommitmentTemplate
from .lists import ListEntry, ListEvent, ListExit, ListExitEvent, ListExitEvidence
from .objections import (
    REASON_MAX_LENGTH,
    Objection,
    ObjectionEvent,
    ObjectionEvidence,
    _evidence_path,  # noqa: F401 (named by migration 0001)
)
from .repair import RepairApplication, RepairEvent, RepairEvidence, RepairRule

__all__ = [
    "REASON_MAX_LENGTH",
    "Commitment",
    "CommitmentEvent",
    "CommitmentTemplate",
    "ListEntry",
    "ListEvent",
    "ListExit",
    "ListExitEvent",
    "ListExitEvidence",
    "Objection",
    "ObjectionEvent",
    "ObjectionEvidence",
    "RepairApplication",
    "RepairEvent",
    "RepairEvidence",
    "RepairRule",
]
