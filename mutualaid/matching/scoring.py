"""The cost of proposing a volunteer for a need (lower is better), and the reasons behind it.

cost = distance / radius                      (0..1: a short trip for this volunteer)
     + urgency            today 0, soon 1, this_week 2   (pressing needs first)
     + age                0.5 for a brand-new need, falling to 0 at 72 h (older first)
     + workload           0.3 per active claim, counted up to 3 (spread the work)
     - language bonus     0.5 when the need is not in English (the volunteer speaks it by rule)
     - car bonus          0.5 for transport/household when the volunteer has a car
     + both bonuses       a constant, so every cost is >= 0 (the dummy-cost bound needs that)

Terms that depend only on the need (urgency, age, language) cannot change who goes with
whom; in a matching pass they decide which needs are left out when not all can be served.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mutualaid.domain.categories import URGENCIES
from mutualaid.domain.privacy import rounded_distance_km
from mutualaid.matching.values import Reason


@dataclass(frozen=True)
class Weights:
    """How much each consideration counts; a group may tune them, the defaults are documented above."""

    distance: float = 1.0
    urgency: tuple[float, ...] = (0.0, 1.0, 2.0)
    age: float = 0.5
    age_cap_hours: float = 72.0
    workload: float = 0.3
    workload_cap: int = 3
    language_bonus: float = 0.5
    common_language: str = "en"
    car_bonus: float = 0.5
    car_helps: frozenset[str] = frozenset({"transport", "household"})

    @property
    def cost_max(self) -> float:
        """The largest cost any proposal can have (all weights >= 0, so the smallest is 0)."""
        return (self.distance + max(self.urgency) + self.age + self.workload * self.workload_cap
                + self.language_bonus + self.car_bonus)


DEFAULT_WEIGHTS = Weights()


def need_cost(w: Weights, urgency: np.ndarray, age_hours: np.ndarray, language: np.ndarray) -> np.ndarray:
    """The part of the cost fixed by the need alone: urgency, age, and the language bonus."""
    age_share = np.clip(np.nan_to_num(age_hours, nan=0.0) / w.age_cap_hours, 0.0, 1.0)
    return (np.asarray(w.urgency, dtype=float)[urgency] + w.age * (1.0 - age_share)
            + np.where(language == w.common_language, w.language_bonus, 0.0))


def car_counts(w: Weights, category: np.ndarray, has_car: np.ndarray) -> np.ndarray:
    """Whether the car bonus applies: the need is one a car helps with and the volunteer has one."""
    return np.isin(category, list(w.car_helps)) & has_car


def pair_cost(w: Weights, need_part: np.ndarray, distance_km: np.ndarray, radius_km: np.ndarray,
              workload: np.ndarray, car: np.ndarray) -> np.ndarray:
    """The full cost of each (need, volunteer) pair, vectorised over pairs."""
    share = np.divide(distance_km, radius_km, out=np.zeros_like(distance_km, dtype=float), where=radius_km > 0)
    return (need_part + w.distance * np.minimum(share, 1.0)
            + w.workload * np.minimum(workload, w.workload_cap) + np.where(car, 0.0, w.car_bonus))


def workload_step(w: Weights, load: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """How much more a volunteer's `extra`-th new need costs than their first (the capacity slots)."""
    return w.workload * (np.minimum(load + extra, w.workload_cap) - np.minimum(load, w.workload_cap))


def proposal_reasons(w: Weights, *, distance_km: float, urgency: int, age_hours: float, language: str,
                     car: bool, workload: int) -> tuple[Reason, ...]:
    """Codes and values explaining a proposal (plain Python values); distance is coarse (DESIGN §4)."""
    return many_proposal_reasons(w, [distance_km], [urgency], [age_hours], [language], [car], [workload])[0]


def many_proposal_reasons(w: Weights, distance_km: list[float], urgency: list[int], age_hours: list[float],
                          language: list[str], car: list[bool], workload: list[int]) -> list[tuple[Reason, ...]]:
    """proposal_reasons for many proposals, from plain lists: one loop, a third faster than a call each."""
    urgency_reason = [("urgency", name) for name in URGENCIES]
    reasons = []
    for km, level, age, lang, has_car, busy in zip(distance_km, urgency, age_hours, language, car, workload):
        these: tuple[Reason, ...] = (("distance_km", rounded_distance_km(km)), urgency_reason[level],
                                     ("age_hours", round(age)))
        if lang != w.common_language:
            these += (("speaks", lang),)
        if has_car:
            these += (("has_car", True),)
        reasons.append(these + (("workload", busy),))
    return reasons
