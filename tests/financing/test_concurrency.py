"""Two officers deciding the same application at the same moment: exactly one wins.

The service locks the application row (SELECT … FOR UPDATE), so the second transaction waits,
then sees the state the first one left and is refused with ``TransitionNotAllowed``.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from tests.conftest import Personas
from tests.factories import UserFactory
from xinyidai.accounts.models import Role
from xinyidai.accounts.services import membership_grant
from xinyidai.financing import services
from xinyidai.financing.models import Application, ApplicationEvent
from xinyidai.financing.services import TransitionNotAllowed

from .conftest import act, approve_data

# serialized_rollback: the flush after this test keeps the rows the suite started with (content
# types with their ids, the CMS root), which the Celery worker tests restore after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DECISIONS = ("approve", "reject")
DATA = {"approve": approve_data(), "reject": {"reason": "R04", "text": "经营流水不足"}}


def _race(application: Application, actions: list[tuple[str, Any]], org: Any) -> dict[str, Any]:
    """Run each (action, actor) in its own thread, all released at once by a barrier."""
    barrier = threading.Barrier(len(actions))
    results: dict[str, Any] = {}

    def run(key: str, action: str, actor: Any) -> None:
        try:
            fresh = Application.objects.get(pk=application.pk)
            barrier.wait(timeout=10)
            results[key] = services.application_transition(
                application=fresh,
                action=action,
                actor=actor,
                organization=org,
                expected_state=Application.State.UNDER_REVIEW,
                **DATA[action],
            )
        except Exception as exc:  # the test inspects what each thread got
            results[key] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(f"{i}:{action}", action, actor))
        for i, (action, actor) in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(not t.is_alive() for t in threads)
    return results


@pytest.fixture
def under_review(personas: Personas, submitted: Application) -> Application:
    act(submitted, "accept", personas.officer, personas.bank)
    return act(submitted, "review", personas.officer, personas.bank)


@pytest.fixture
def second_officer(personas: Personas):
    user = UserFactory(username="second_officer")
    membership_grant(user=user, organization=personas.bank, role=Role.BANK_CREDIT_OFFICER)
    return user


def test_it_lets_exactly_one_of_approve_and_reject_win(personas, under_review, second_officer):
    results = _race(
        under_review,
        [("approve", personas.officer), ("reject", second_officer)],
        personas.bank,
    )
    winners = [key for key, r in results.items() if isinstance(r, Application)]
    losers = [r for r in results.values() if not isinstance(r, Application)]
    assert len(winners) == 1, results
    assert len(losers) == 1
    assert isinstance(losers[0], TransitionNotAllowed), losers[0]
    winner = winners[0].split(":")[1]
    expected = Application.State.APPROVED if winner == "approve" else Application.State.REJECTED
    assert losers[0].state == expected  # the loser was told the state the winner left
    events = ApplicationEvent.objects.filter(application=under_review, action__in=DECISIONS)
    assert list(events.values_list("action", flat=True)) == [winner]
    under_review.refresh_from_db()
    assert under_review.state == expected
    if winner == "approve":
        assert under_review.approved_rate == Decimal("3.85")
        assert under_review.reject_reason == ""
    else:
        assert under_review.approved_amount is None
        assert under_review.reject_reason == "R04"


def test_it_lets_only_one_of_two_approvals_through(personas, under_review, second_officer):
    results = _race(
        under_review,
        [("approve", personas.officer), ("approve", second_officer)],
        personas.bank,
    )
    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["Application", "TransitionNotAllowed"], results
    assert ApplicationEvent.objects.filter(application=under_review, action="approve").count() == 1
    under_review.refresh_from_db()
    assert under_review.state == Application.State.APPROVED
