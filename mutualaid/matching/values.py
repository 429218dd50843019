"""The matcher's plain values: rows in, proposals and reasons out (no Flask, no database)."""
from __future__ import annotations

from dataclasses import dataclass, field

from mutualaid.domain.categories import URGENCIES

# Why a need has no proposal, in the order a coordinator should read them: the first
# that applies is the one reported (it says what to fix first).
LOCATION_UNKNOWN = "location_unknown"
NOBODY_IN_RANGE = "nobody_in_range"
NOBODY_FOR_CATEGORY = "nobody_for_category"
NOBODY_WITH_LANGUAGE = "nobody_with_language"
NOBODY_WITH_CAR = "nobody_with_car"
NOBODY_FREE = "nobody_free"
UNMATCHED_REASONS = (LOCATION_UNKNOWN, NOBODY_IN_RANGE, NOBODY_FOR_CATEGORY, NOBODY_WITH_LANGUAGE,
                     NOBODY_WITH_CAR, NOBODY_FREE)

TRANSPORT = "transport"
MAX_CAPACITY = 10

# A reason is a code plus a value, e.g. ("distance_km", 1.5) or ("speaks", "es"); the web
# layer turns codes into words in the reader's language.
ReasonValue = str | int | float | bool
Reason = tuple[str, ReasonValue]


@dataclass(frozen=True)
class NeedRow:
    """An open need as the matcher sees it: where, what, in which language, how pressing."""

    id: int
    lat: float | None
    lon: float | None
    category: str
    language: str
    urgency: str
    age_hours: float

    def __post_init__(self) -> None:
        """Refuse urgencies the scorer does not know, rather than ranking them silently."""
        if self.urgency not in URGENCIES:
            raise ValueError(f"urgency must be one of {URGENCIES}, not {self.urgency!r}")


@dataclass(frozen=True)
class VolunteerRow:
    """A volunteer as the matcher sees them: home point, reach, skills, and spare capacity."""

    id: int
    lat: float | None
    lon: float | None
    radius_km: float
    categories: frozenset[str]
    languages: frozenset[str]
    capacity: int
    load: int
    has_car: bool
    available: bool = True
    vetted: bool = True
    opted_out: bool = False

    def __post_init__(self) -> None:
        """Capacity is how many needs at once (1 to 10); load and radius cannot be negative."""
        if not 1 <= self.capacity <= MAX_CAPACITY:
            raise ValueError(f"capacity must be 1..{MAX_CAPACITY}, not {self.capacity}")
        if self.load < 0 or self.radius_km < 0:
            raise ValueError("load and radius_km must not be negative")


@dataclass(frozen=True)
class Proposal:
    """One volunteer proposed for one need, with its cost (lower is better) and why.

    `distance_km` is exact, for coordinators; the "distance_km" reason is the coarse one
    (0.5 km steps) that may be shown to a volunteer before they claim (DESIGN.md §4).
    """

    need_id: int
    volunteer_id: int
    cost: float
    distance_km: float
    reasons: tuple[Reason, ...]

    def reason(self, code: str) -> ReasonValue | None:
        """The value given for one reason code, or None when it does not apply."""
        return next((value for key, value in self.reasons if key == code), None)


@dataclass(frozen=True)
class CandidateList:
    """The best few volunteers for one need, best first; `reason` says why it is empty."""

    proposals: tuple[Proposal, ...]
    reason: str | None


@dataclass(frozen=True)
class MatchResult:
    """A whole matching pass: one proposal per matched need, one reason per unmatched need."""

    assignments: dict[int, Proposal]
    unmatched: dict[int, str]
    stats: dict[str, float | int | str] = field(default_factory=dict)

    @property
    def matched(self) -> int:
        """How many needs got a proposal."""
        return len(self.assignments)

    def load_added(self) -> dict[int, int]:
        """How many new proposals each volunteer got (to check capacities)."""
        added: dict[int, int] = {}
        for proposal in self.assignments.values():
            added[proposal.volunteer_id] = added.get(proposal.volunteer_id, 0) + 1
        return added
