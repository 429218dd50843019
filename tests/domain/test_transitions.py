"""Status lifecycles: legal moves happen, illegal ones are refused, never applied silently."""
import pytest

from mutualaid.domain.transitions import IllegalTransition, TRANSITIONS, allowed, check_transition
from mutualaid.models import Claim, Need


def test_open_need_can_be_claimed():
    assert check_transition("need", "open", "claimed") == "claimed"


@pytest.mark.parametrize("current, target", [
    ("fulfilled", "claimed"), ("cancelled", "claimed"), ("draft", "claimed"), ("open", "draft"),
    ("expired", "fulfilled"), ("claimed", "referred"),
])
def test_illegal_need_moves_are_refused_with_a_clear_message(current, target):
    with pytest.raises(IllegalTransition, match=f"A need that is {current} cannot become {target}."):
        check_transition("need", current, target)


def test_model_refuses_an_illegal_move_and_keeps_its_status():
    need = Need(status="fulfilled")
    with pytest.raises(IllegalTransition):
        need.move_to("claimed")
    assert need.status == "fulfilled"


def test_finished_claims_never_come_back():
    for ended in ("released", "expired", "completed"):
        claim = Claim(status=ended)
        with pytest.raises(IllegalTransition):
            claim.move_to("active")


def test_every_status_named_as_a_target_is_a_known_status():
    for kind, table in TRANSITIONS.items():
        for current, targets in table.items():
            assert targets <= set(table), (kind, current, targets - set(table))


def test_a_status_cannot_move_to_itself():
    for kind, table in TRANSITIONS.items():
        for status in table:
            assert not allowed(kind, status, status)
