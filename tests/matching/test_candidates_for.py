"""candidates_for: the best few volunteers for one need, or the one reason there are none."""
from mutualaid.matching import (LOCATION_UNKNOWN, NOBODY_FOR_CATEGORY, NOBODY_FREE, NOBODY_IN_RANGE,
                                NOBODY_WITH_CAR, NOBODY_WITH_LANGUAGE, VolunteerArrays, candidates_for)
from tests.matching.builders import make_need, make_volunteer, north_of


def proposed_ids(need, volunteers, limit=5):
    """Volunteer ids proposed for `need`, best first."""
    return [p.volunteer_id for p in candidates_for(need, volunteers, limit).proposals]


def test_a_nearby_volunteer_who_fits_every_rule_is_proposed():
    result = candidates_for(make_need(), [make_volunteer(7, north_of(1.0))])
    assert [p.volunteer_id for p in result.proposals] == [7] and result.reason is None


def test_the_volunteer_nearer_for_their_radius_comes_first():
    volunteers = [make_volunteer(1, north_of(2.0), radius_km=3.0), make_volunteer(2, north_of(1.0), radius_km=3.0)]
    assert proposed_ids(make_need(), volunteers) == [2, 1]


def test_a_volunteer_with_no_active_claims_beats_an_equally_near_busy_one():
    volunteers = [make_volunteer(1, north_of(1.0), capacity=3, load=2), make_volunteer(2, north_of(1.0), capacity=3)]
    assert proposed_ids(make_need(), volunteers) == [2, 1]


def test_equal_volunteers_are_ranked_by_id():
    volunteers = [make_volunteer(9, north_of(1.0)), make_volunteer(3, north_of(1.0))]
    assert proposed_ids(make_need(), volunteers) == [3, 9]


def test_limit_caps_the_number_of_proposals():
    volunteers = [make_volunteer(i, north_of(0.1 * i)) for i in range(1, 9)]
    assert proposed_ids(make_need(), volunteers, limit=3) == [1, 2, 3]


def test_a_need_just_inside_the_radius_is_in_range():
    assert proposed_ids(make_need(), [make_volunteer(1, north_of(1.999), radius_km=2.0)]) == [1]


def test_a_need_just_outside_the_radius_is_out_of_range():
    result = candidates_for(make_need(), [make_volunteer(1, north_of(2.001), radius_km=2.0)])
    assert result.proposals == () and result.reason == NOBODY_IN_RANGE


def test_a_need_without_coordinates_is_location_unknown():
    assert candidates_for(make_need(at=None), [make_volunteer()]).reason == LOCATION_UNKNOWN


def test_a_volunteer_without_coordinates_is_never_in_range():
    assert candidates_for(make_need(), [make_volunteer(at=None, radius_km=50)]).reason == NOBODY_IN_RANGE


def test_an_unvetted_volunteer_is_never_proposed():
    assert candidates_for(make_need(), [make_volunteer(vetted=False)]).reason == NOBODY_IN_RANGE


def test_an_opted_out_volunteer_is_never_proposed():
    assert candidates_for(make_need(), [make_volunteer(opted_out=True)]).reason == NOBODY_IN_RANGE


def test_nobody_for_category_when_those_in_range_do_not_offer_it():
    need = make_need(category="pets")
    assert candidates_for(need, [make_volunteer(categories=("groceries",))]).reason == NOBODY_FOR_CATEGORY


def test_nobody_with_language_when_those_offering_it_do_not_speak_it():
    need = make_need(language="es")
    assert candidates_for(need, [make_volunteer(languages=("en",))]).reason == NOBODY_WITH_LANGUAGE


def test_the_earlier_gap_is_reported_when_several_rules_fail():
    need = make_need(category="pets", language="es")
    assert candidates_for(need, [make_volunteer(categories=("groceries",))]).reason == NOBODY_FOR_CATEGORY


def test_transport_without_a_car_is_nobody_with_car():
    need = make_need(category="transport")
    assert candidates_for(need, [make_volunteer(has_car=False)]).reason == NOBODY_WITH_CAR


def test_transport_goes_to_the_driver_not_the_nearer_walker():
    volunteers = [make_volunteer(1, north_of(0.2)), make_volunteer(2, north_of(2.0), has_car=True)]
    assert proposed_ids(make_need(category="transport"), volunteers) == [2]


def test_nobody_free_when_the_only_fit_is_at_capacity():
    volunteers = [make_volunteer(capacity=2, load=2)]
    assert candidates_for(make_need(), volunteers).reason == NOBODY_FREE


def test_nobody_free_when_the_only_fit_is_unavailable():
    assert candidates_for(make_need(), [make_volunteer(available=False)]).reason == NOBODY_FREE


def test_no_volunteers_at_all_is_nobody_in_range():
    assert candidates_for(make_need(), []).reason == NOBODY_IN_RANGE


def test_reasons_are_codes_with_values():
    need = make_need(category="transport", language="es", urgency="today", age_hours=5.4)
    volunteer = make_volunteer(1, north_of(1.2), languages=("en", "es"), capacity=2, load=1, has_car=True)
    (proposal,) = candidates_for(need, [volunteer]).proposals
    assert dict(proposal.reasons) == {"distance_km": 1.0, "urgency": "today", "age_hours": 5, "speaks": "es",
                                      "has_car": True, "workload": 1}


def test_reasons_show_only_a_coarse_distance():
    (proposal,) = candidates_for(make_need(), [make_volunteer(1, north_of(0.83))]).proposals
    assert proposal.reason("distance_km") == 1.0 and abs(proposal.distance_km - 0.83) < 1e-9


def test_an_english_need_carries_no_language_reason():
    (proposal,) = candidates_for(make_need(language="en"), [make_volunteer()]).proposals
    assert proposal.reason("speaks") is None


def test_columns_and_rows_give_the_same_proposals():
    volunteers = [make_volunteer(i, north_of(0.3 * i), capacity=2, load=i % 2) for i in range(1, 6)]
    from_rows = candidates_for(make_need(), volunteers)
    from_columns = candidates_for(make_need(), VolunteerArrays.from_rows(volunteers))
    assert from_rows == from_columns
