"""Geographic matching of needs to volunteers: a pure domain package (no Flask, no database).

Plain values in (NeedRow/VolunteerRow, or the columnar NeedArrays/VolunteerArrays), plain
values out (Proposal, CandidateList, MatchResult). Reasons are codes with values, never
sentences: the web layer translates them.
"""
from mutualaid.matching.arrays import NeedArrays, VolunteerArrays
from mutualaid.matching.matcher import DEFAULT_K, PRUNE_ABOVE, candidates_for, match_all, match_exact, match_greedy
from mutualaid.matching.scoring import DEFAULT_WEIGHTS, Weights
from mutualaid.matching.values import (
                                       LOCATION_UNKNOWN,
                                       NOBODY_FOR_CATEGORY,
                                       NOBODY_FREE,
                                       NOBODY_IN_RANGE,
                                       NOBODY_WITH_CAR,
                                       NOBODY_WITH_LANGUAGE,
                                       UNMATCHED_REASONS,
                                       CandidateList,
                                       MatchResult,
                                       NeedRow,
                                       Proposal,
                                       Reason,
                                       VolunteerRow,
)

__all__ = [
    "DEFAULT_K", "DEFAULT_WEIGHTS", "LOCATION_UNKNOWN", "NOBODY_FOR_CATEGORY", "NOBODY_FREE", "NOBODY_IN_RANGE",
    "NOBODY_WITH_CAR", "NOBODY_WITH_LANGUAGE", "PRUNE_ABOVE", "UNMATCHED_REASONS", "CandidateList", "MatchResult",
    "NeedArrays", "NeedRow", "Proposal", "Reason", "VolunteerArrays", "VolunteerRow", "Weights", "candidates_for",
    "match_all", "match_exact", "match_greedy",
]
