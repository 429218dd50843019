"""Privacy rules: rounding of public points and redaction of free text."""
from mutualaid.domain.privacy import (approximate_point, haversine_km, private_fragments, redact_details,
                                      rounded_distance_km)


def test_public_point_is_a_few_hundred_metres_from_the_exact_one_at_most():
    exact = (51.54262, -0.05583)
    public = approximate_point(*exact)
    assert public != exact
    assert haversine_km(*exact, *public) < 0.3


def test_neighbours_in_the_same_cell_share_a_public_point():
    assert approximate_point(51.54262, -0.05583) == approximate_point(51.54270, -0.05590)


def test_public_distance_is_coarse():
    assert rounded_distance_km(0.1) == 0.5
    assert rounded_distance_km(1.26) == 1.5


def test_redaction_hides_phone_email_postcode_and_named_secrets():
    text = "Call Edna on 07911 123456 or edna@example.org, flat 2, 14 Mare St, E8 3RH"
    redacted = redact_details(text, secrets=("Edna", "14 Mare St"))
    for leaked in ("Edna", "07911", "123456", "edna@example.org", "14 Mare St", "E8 3RH"):
        assert leaked not in redacted
    assert "flat 2" in redacted


def test_redaction_leaves_ordinary_text_alone():
    text = "Two loaves of bread and 6 eggs, before 5pm please"
    assert redact_details(text) == text


def test_each_part_of_the_address_and_each_name_word_is_hidden():
    secrets = private_fragments(name="Zebedee Canary", address="99 Canary Wharf Lane, E8 3RH",
                                phone="+447911123499")
    redacted = redact_details("Zebedee here, at 99 Canary Wharf Lane, call 07911123499", secrets=secrets)
    assert "Zebedee" not in redacted and "99 Canary Wharf Lane" not in redacted and "07911" not in redacted


def test_name_words_are_matched_as_whole_words_only():
    secrets = private_fragments(name="Ann Lee")
    assert redact_details("Annual check, sleepy cat", secrets=secrets) == "Annual check, sleepy cat"


def test_secrets_are_hidden_in_any_case_and_wherever_they_recur():
    secrets = private_fragments(name="Marta", address="London Road")
    assert redact_details("MARTA at london road; marta_x and Marta.", secrets=secrets) == \
        "[hidden] at [hidden]; marta_x and [hidden]."
    assert redact_details("Señora Marta, en London Road", secrets=secrets) == "Señora [hidden], en [hidden]"


def test_the_plain_search_hides_exactly_what_the_whole_word_pattern_would():
    import random
    import re

    from mutualaid.domain.privacy import _hide_whole_words

    rng = random.Random(7)
    alphabet = "ab _-.,1A"
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        secret = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4)))
        expected = re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", "[hidden]", text, flags=re.IGNORECASE)
        assert _hide_whole_words(text, secret) == expected, (text, secret)
