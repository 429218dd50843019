"""Status lifecycles of needs, offers, claims and volunteers, enforced in one place."""
from __future__ import annotations


class IllegalTransition(ValueError):
    """A status change the lifecycle does not allow; never applied silently."""

    def __init__(self, kind: str, current: str, target: str):
        self.kind, self.current, self.target = kind, current, target
        super().__init__(f"A {kind} that is {current} cannot become {target}.")


NEED_STATUSES = ("draft", "open", "claimed", "fulfilled", "cancelled", "expired", "referred")
OFFER_STATUSES = ("open", "reserved", "given", "withdrawn", "expired")
CLAIM_STATUSES = ("active", "released", "expired", "completed", "cancelled", "withdrawn")
VETTING_STATUSES = ("pending", "approved", "paused", "rejected")

TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    "need": {
        "draft": frozenset({"open", "cancelled", "expired"}),
        "open": frozenset({"claimed", "cancelled", "expired", "referred", "fulfilled"}),
        "claimed": frozenset({"open", "fulfilled", "cancelled"}),
        "fulfilled": frozenset({"open"}),
        "cancelled": frozenset({"open"}),
        "expired": frozenset({"open"}),
        "referred": frozenset({"open"}),
    },
    "offer": {
        "open": frozenset({"reserved", "given", "withdrawn", "expired"}),
        "reserved": frozenset({"open", "given", "withdrawn"}),
        "given": frozenset(),
        "withdrawn": frozenset({"open"}),
        "expired": frozenset({"open"}),
    },
    "claim": {
        "active": frozenset({"released", "expired", "completed", "cancelled", "withdrawn"}),
        "released": frozenset(),
        "expired": frozenset(),
        "completed": frozenset(),
        "cancelled": frozenset(),  # the neighbour cancelled the need while it was claimed
        "withdrawn": frozenset(),  # a coordinator closed or reopened the need while it was claimed
    },
    "volunteer": {
        "pending": frozenset({"approved", "rejected"}),
        "approved": frozenset({"paused"}),
        "paused": frozenset({"approved", "rejected"}),
        "rejected": frozenset({"approved"}),
    },
}

OPEN_NEED_STATUSES = frozenset({"draft", "open", "claimed"})
CLOSED_NEED_STATUSES = frozenset({"fulfilled", "cancelled", "expired", "referred"})


def allowed(kind: str, current: str, target: str) -> bool:
    """Whether a record of `kind` may move from `current` to `target`."""
    return target in TRANSITIONS[kind].get(current, frozenset())


def check_transition(kind: str, current: str, target: str) -> str:
    """Return `target` if the move is allowed, else raise IllegalTransition."""
    if not allowed(kind, current, target):
        raise IllegalTransition(kind, current, target)
    return target
