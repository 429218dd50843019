"""How long a need has waited, for how soon it was wanted: the colour rule and its table (pure, no app)."""
from hypothesis import given
from hypothesis import strategies as st

from mutualaid.coordination.waiting import DEFAULT_WAIT_HOURS, URGENCIES, pressing, wait_colour, wait_table

ages = st.floats(min_value=0, max_value=24 * 60, allow_nan=False)
urgencies = st.sampled_from(URGENCIES)
hours = st.floats(min_value=0, max_value=24 * 30, allow_nan=False)
pairs = st.lists(hours, min_size=2, max_size=2)
configured = st.one_of(
    st.none(),
    pairs,  # the older setting: [amber, red] in days, for "soon"
    st.dictionaries(urgencies, pairs),
    st.dictionaries(st.text(max_size=8), st.one_of(pairs, st.text(max_size=5), st.integers())),
    st.lists(st.integers(), max_size=4),
    st.text(max_size=10),
)


def test_a_today_request_twenty_hours_old_is_overdue_while_a_this_week_one_is_new():
    assert wait_colour(20, "today") == "red"
    assert wait_colour(20, "soon") == "green"
    assert wait_colour(20, "this_week") == "green"


def test_the_default_table_in_hours():
    assert [wait_colour(h, "today") for h in (0, 3.9, 4, 11.9, 12)] == ["green", "green", "amber", "amber", "red"]
    assert [wait_colour(h, "soon") for h in (23, 24, 71, 72)] == ["green", "amber", "amber", "red"]
    assert [wait_colour(h, "this_week") for h in (71, 72, 167, 168)] == ["green", "amber", "amber", "red"]


def test_an_unknown_or_missing_urgency_is_treated_as_soon():
    for age in (1, 30, 100):
        assert wait_colour(age, None) == wait_colour(age, "someday") == wait_colour(age, "soon")


def test_the_older_setting_in_days_still_sets_ordinary_requests():
    table = wait_table([3, 5])
    assert table["soon"] == (72, 120)
    assert wait_colour(4 * 24, "soon", table) == "amber"
    assert table["today"] == DEFAULT_WAIT_HOURS["today"]


def test_a_setting_per_urgency_in_hours_overrides_the_defaults():
    table = wait_table({"today": [1, 2]})
    assert table["today"] == (1, 2) and wait_colour(1.5, "today", table) == "amber"


def test_a_setting_cannot_make_an_urgent_request_look_fresher_than_a_less_urgent_one():
    table = wait_table({"today": [100, 200], "soon": [1, 300]})
    assert table["soon"] == (1, 168)  # red no later than "this week"
    assert table["today"] == (1, 168)  # amber and red no later than "soon"


def test_nonsense_settings_fall_back_to_the_defaults():
    for junk in (None, "3,5", [1], [1, 2, 3], ["a", "b"], [True, 2], [-1, 5], {"today": "soon"}, 7):
        assert wait_table(junk) == DEFAULT_WAIT_HOURS


@given(configured, urgencies, ages, ages)
def test_older_never_looks_fresher(config, urgency, a, b):
    table = wait_table(config)
    younger, older = sorted((a, b))
    assert pressing(wait_colour(older, urgency, table)) >= pressing(wait_colour(younger, urgency, table))


@given(configured, ages, st.integers(0, 2), st.integers(0, 2))
def test_more_urgent_never_looks_fresher_at_the_same_age(config, age, i, j):
    table = wait_table(config)
    more, less = URGENCIES[min(i, j)], URGENCIES[max(i, j)]
    assert pressing(wait_colour(age, more, table)) >= pressing(wait_colour(age, less, table))


@given(configured)
def test_every_urgency_has_amber_no_later_than_red(config):
    table = wait_table(config)
    assert set(table) == set(URGENCIES)
    assert all(0 <= amber <= red for amber, red in table.values())
