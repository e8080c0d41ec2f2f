"""scoring: pure functions over plain values, tested without a database."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from scorecard import rubric, scoring

NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
KEYS = rubric.CATEGORY_KEYS


def steps(vt=1, br=1, su=1, dr=1, ap=1):
    """Steps in execution order (kept here so these tests import nothing from Django)."""
    return dict(zip(KEYS, (vt, br, su, dr, ap), strict=True))


MIN_STEPS = steps(1, 1, 1, 1, 1)
MAX_STEPS = steps(3, 3, 3, 3, 3)


def with_step(key, value, base=None):
    """``base`` (all step 1 by default) with one category changed."""
    return {**(base or MIN_STEPS), key: value}


def without(key, base=None):
    return {k: v for k, v in (base or MIN_STEPS).items() if k != key}


# -- check_steps ---------------------------------------------------------------------------------


def test_check_steps_returns_a_dict_in_execution_order():
    shuffled = dict(reversed(list(steps(1, 2, 3, 2, 1).items())))

    checked = scoring.check_steps(shuffled)

    assert list(checked) == list(KEYS)
    assert checked == steps(1, 2, 3, 2, 1)
    assert type(checked) is dict


@pytest.mark.parametrize("key", KEYS)
def test_check_steps_refuses_a_missing_category(key):
    name = rubric.category(key).name

    with pytest.raises(ValueError, match=f"^{name} needs a step"):
        scoring.check_steps(without(key))


def test_check_steps_refuses_no_steps_at_all():
    with pytest.raises(ValueError, match="Value transfer needs a step"):
        scoring.check_steps({})


@pytest.mark.parametrize("unknown", ["total", "Support", "value-transfer", ""])
def test_check_steps_refuses_an_unknown_category(unknown):
    with pytest.raises(ValueError, match="Unknown categories"):
        scoring.check_steps({**MIN_STEPS, unknown: 1})


def test_check_steps_names_every_unknown_category_sorted():
    with pytest.raises(ValueError, match=r"Unknown categories: alpha, zeta\."):
        scoring.check_steps({**MIN_STEPS, "zeta": 1, "alpha": 2})


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("value", [0, 4, -1, 100])
def test_check_steps_refuses_a_step_out_of_range(key, value):
    name = rubric.category(key).name

    with pytest.raises(ValueError, match=f"^{name} step must be 1, 2 or 3, not {value}"):
        scoring.check_steps(with_step(key, value))


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("value", [True, False])
def test_check_steps_refuses_bools(key, value):
    # True == 1, but a checkbox value is not a step.
    with pytest.raises(ValueError, match="must be 1, 2 or 3"):
        scoring.check_steps(with_step(key, value))


@pytest.mark.parametrize("value", ["1", "2", None, 1.5, [1], b"1"])
def test_check_steps_refuses_non_integers(value):
    with pytest.raises(ValueError, match="must be 1, 2 or 3"):
        scoring.check_steps(with_step("support", value))


@pytest.mark.parametrize("value", [1.0, 2.0, 3.0])
def test_check_steps_refuses_integral_floats(value):
    # 2.0 == 2, so ``2.0 in STEP_NUMBERS`` lets it through; total() and
    # next_step() then crash with TypeError indexing the steps tuple.
    with pytest.raises(ValueError, match="must be 1, 2 or 3"):
        scoring.check_steps(with_step("support", value))


@pytest.mark.parametrize("value", [1.0, 2.0])
def test_total_of_integral_float_steps_is_a_value_error_not_a_crash(value):
    with pytest.raises(ValueError):
        scoring.total(with_step("support", value))


def test_check_steps_does_not_change_its_argument():
    given = {"support": 2, **without("support", MAX_STEPS)}
    before = dict(given)

    scoring.check_steps(given)

    assert given == before


# -- total, percentage, band ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (MIN_STEPS, 5),
        (MAX_STEPS, 15),
        (steps(1, 2, 3, 2, 1), 9),
        (steps(3, 2, 1, 1, 1), 8),
        (steps(3, 3, 3, 3, 2), 14),
        (steps(2, 2, 2, 2, 2), 10),
    ],
)
def test_total(given, expected):
    assert scoring.total(given) == expected


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("value", [1, 2, 3])
def test_total_counts_every_category_at_its_step_number(key, value):
    assert scoring.total(with_step(key, value)) == 4 + value


def test_total_refuses_invalid_steps():
    with pytest.raises(ValueError):
        scoring.total(with_step("support", 4))
    with pytest.raises(ValueError):
        scoring.total(without("support"))


@pytest.mark.parametrize(
    ("points", "expected"),
    [(5, 33), (6, 40), (7, 47), (8, 53), (10, 67), (11, 73), (12, 80), (14, 93), (15, 100)],
)
def test_percentage(points, expected):
    assert scoring.percentage(points) == expected


@pytest.mark.parametrize(
    ("points", "band_key", "band_name"),
    [
        (5, "emerging", "Emerging"),
        (6, "emerging", "Emerging"),
        (7, "emerging", "Emerging"),
        (8, "developing", "Developing"),
        (9, "developing", "Developing"),
        (11, "developing", "Developing"),
        (12, "strong", "Strong"),
        (13, "strong", "Strong"),
        (14, "strong", "Strong"),
        (15, "complete", "Complete"),
    ],
)
def test_band_at_every_boundary(points, band_key, band_name):
    band = scoring.band(points)

    assert band.key == band_key
    assert band.name == band_name
    assert band in rubric.BANDS


@pytest.mark.parametrize("points", [4, 16, 0, -5])
def test_band_refuses_a_total_outside_five_to_fifteen(points):
    with pytest.raises(ValueError, match=f"No band holds a total of {points}"):
        scoring.band(points)


# -- next_step -----------------------------------------------------------------------------------


@pytest.mark.parametrize("position", range(len(KEYS)))
@pytest.mark.parametrize("current", [1, 2])
def test_next_step_is_the_first_category_not_at_its_top_step(position, current):
    # Every category before ``position`` is complete; the one at it is not, and
    # the ones after it are lower still, to show that order beats the gap.
    given = {
        key: 3 if index < position else (current if index == position else 1)
        for index, key in enumerate(KEYS)
    }
    category = rubric.CATEGORIES[position]

    found = scoring.next_step(given)

    assert found is not None
    assert found.category is category
    assert found.current is category.step(current)
    assert found.target is category.step(current + 1)


def test_next_step_is_none_when_every_category_is_at_step_three():
    assert scoring.next_step(MAX_STEPS) is None


def test_next_step_starts_from_value_transfer_when_nothing_is_done():
    found = scoring.next_step(MIN_STEPS)

    assert str(found) == "Value transfer: Manual → Assisted"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (steps(3, 3, 1, 1, 1), "Support: Test accounts → Information"),
        (steps(3, 3, 2, 1, 1), "Support: Information → Real-time"),
        (steps(2, 1, 1, 1, 1), "Value transfer: Assisted → Automatic"),
        (steps(3, 1, 3, 3, 3), "Business relationship: From afar → Handshake"),
        (steps(3, 2, 3, 3, 3), "Business relationship: Handshake → Transaction"),
        (steps(3, 3, 3, 1, 1), "Data relationship: None → Individually reported"),
        (steps(3, 3, 3, 2, 3), "Data relationship: Individually reported → Server to server"),
        (steps(3, 3, 3, 3, 1), "Adoption priority: Word of mouth → Co-marketing"),
        (steps(3, 3, 3, 3, 2), "Adoption priority: Co-marketing → In-product"),
    ],
)
def test_next_step_as_text(given, expected):
    assert str(scoring.next_step(given)) == expected


def test_next_step_refuses_invalid_steps():
    with pytest.raises(ValueError):
        scoring.next_step(with_step("value_transfer", 0))


# -- score ---------------------------------------------------------------------------------------


def test_score_gathers_total_percentage_band_and_next_step():
    result = scoring.score(steps(3, 3, 1, 2, 1))

    assert result.steps == steps(3, 3, 1, 2, 1)
    assert result.total == 10
    assert result.max_total == 15
    assert result.percentage == 67
    assert result.band.key == "developing"
    assert str(result.next_step) == "Support: Test accounts → Information"


def test_score_of_a_complete_integration():
    result = scoring.score(MAX_STEPS)

    assert (result.total, result.percentage, result.band.key) == (15, 100, "complete")
    assert result.next_step is None


def test_score_of_the_lowest_rating():
    result = scoring.score(MIN_STEPS)

    assert (result.total, result.percentage, result.band.key) == (5, 33, "emerging")
    assert result.next_step.category.key == "value_transfer"


def test_score_rows_pair_each_category_with_its_step_in_execution_order():
    rows = scoring.score(steps(1, 2, 3, 2, 1)).rows()

    assert [(category.key, step.name) for category, step in rows] == [
        ("value_transfer", "Manual"),
        ("business_relationship", "Handshake"),
        ("support", "Real-time"),
        ("data_relationship", "Individually reported"),
        ("adoption_priority", "Word of mouth"),
    ]


def test_score_puts_steps_in_execution_order():
    shuffled = dict(reversed(list(steps(1, 2, 3, 2, 1).items())))

    assert list(scoring.score(shuffled).steps) == list(KEYS)


@pytest.mark.parametrize(
    "bad", [without("support"), with_step("support", 4), {**MIN_STEPS, "extra": 1}]
)
def test_score_refuses_invalid_steps(bad):
    with pytest.raises(ValueError):
        scoring.score(bad)


# -- warnings ------------------------------------------------------------------------------------


def warn(**overrides):
    """Warning codes for a healthy integration, changed by ``overrides``."""
    arguments = {
        "steps": steps(2, 2, 2, 2, 2),
        "previous_total": None,
        "has_owner": True,
        "last_assessed_at": NOW - timedelta(days=1),
        "now": NOW,
    }
    arguments.update(overrides)
    return [warning.code for warning in scoring.warnings(**arguments)]


def test_no_warnings_for_a_healthy_integration():
    assert warn() == []


def test_no_owner():
    found = scoring.warnings(
        steps=MIN_STEPS, previous_total=None, has_owner=False, last_assessed_at=NOW, now=NOW
    )

    assert [warning.code for warning in found] == ["no_owner"]
    assert "No owner" in found[0].message


def test_never_assessed():
    found = scoring.warnings(
        steps=None, previous_total=None, has_owner=True, last_assessed_at=None, now=NOW
    )

    assert [warning.code for warning in found] == ["never_assessed"]
    assert found[0].message


def test_never_assessed_and_no_owner():
    assert warn(steps=None, last_assessed_at=None, has_owner=False) == [
        "no_owner",
        "never_assessed",
    ]


@pytest.mark.parametrize(
    ("age", "stale"),
    [
        (timedelta(0), False),
        (timedelta(days=89), False),
        (timedelta(days=90), False),
        # Counted in calendar days: later on the 90th day back is still fresh...
        (timedelta(days=90, hours=12), False),
        # ...and the day before it is stale, whatever the hour.
        (timedelta(days=90, hours=12, seconds=1), True),
        (timedelta(days=91), True),
        (timedelta(days=365), True),
    ],
)
def test_stale_after_ninety_days(age, stale):
    assert ("stale" in warn(last_assessed_at=NOW - age)) is stale


def test_stale_message_gives_the_age_in_days():
    found = scoring.warnings(
        steps=MIN_STEPS,
        previous_total=None,
        has_owner=True,
        last_assessed_at=NOW - timedelta(days=91),
        now=NOW,
    )

    assert [warning.code for warning in found] == ["stale"]
    assert "91 days ago" in found[0].message
    assert "90 days" in found[0].message


def test_a_future_assessment_is_not_stale():
    assert warn(last_assessed_at=NOW + timedelta(days=1)) == []


@pytest.mark.parametrize(
    ("previous_total", "dropped"),
    [(11, True), (15, True), (10, False), (9, False), (5, False), (None, False)],
)
def test_score_dropped_only_when_lower_than_the_previous_total(previous_total, dropped):
    # The current steps total 10.
    assert ("score_dropped" in warn(previous_total=previous_total)) is dropped


def test_score_dropped_message_gives_both_totals():
    found = scoring.warnings(
        steps=steps(2, 2, 2, 2, 2), previous_total=12, has_owner=True, last_assessed_at=NOW, now=NOW
    )

    assert [warning.code for warning in found] == ["score_dropped"]
    assert "from 12 to 10" in found[0].message


def test_previous_total_is_ignored_without_current_steps():
    assert warn(steps=None, last_assessed_at=None, previous_total=12) == ["never_assessed"]


@pytest.mark.parametrize(
    ("value_transfer", "adoption_priority", "ahead"),
    [
        (1, 2, True),
        (1, 3, True),
        (2, 3, True),
        (1, 1, False),
        (2, 2, False),
        (3, 3, False),
        (3, 1, False),
        (2, 1, False),
    ],
)
def test_adoption_ahead_of_value_transfer(value_transfer, adoption_priority, ahead):
    given = steps(vt=value_transfer, br=2, su=2, dr=2, ap=adoption_priority)

    assert ("adoption_ahead" in warn(steps=given)) is ahead


def test_adoption_ahead_ignores_the_other_categories():
    # Adoption beats support and data, but not value transfer: no warning.
    assert warn(steps=steps(vt=3, br=1, su=1, dr=1, ap=3)) == []


def test_adoption_ahead_message_quotes_the_seed():
    found = scoring.warnings(
        steps=steps(vt=1, ap=2), previous_total=None, has_owner=True, last_assessed_at=NOW, now=NOW
    )

    assert [warning.code for warning in found] == ["adoption_ahead"]
    assert "begin with marketing and end with integration" in found[0].message


def test_warnings_come_most_urgent_first():
    assert warn(
        steps=steps(vt=1, br=1, su=1, dr=1, ap=3),
        previous_total=15,
        has_owner=False,
        last_assessed_at=NOW - timedelta(days=200),
    ) == ["no_owner", "stale", "score_dropped", "adoption_ahead"]


def test_warnings_refuse_invalid_steps():
    with pytest.raises(ValueError):
        warn(steps=with_step("support", 0))


def test_warnings_take_keyword_arguments_only():
    with pytest.raises(TypeError):
        scoring.warnings(MIN_STEPS, None, True, NOW, NOW)  # type: ignore[misc]


@pytest.mark.parametrize(
    "age",
    [
        timedelta(0),
        timedelta(days=90),
        timedelta(days=90, hours=12, seconds=1),
        timedelta(days=400),
    ],
)
def test_stale_cutoff_agrees_with_the_warning(age):
    last = NOW - age

    assert (last < scoring.stale_cutoff(NOW)) is ("stale" in warn(last_assessed_at=last))


def test_days_since_counts_in_the_time_zone_of_now():
    tokyo = timezone(timedelta(hours=9))
    now = datetime(2025, 6, 30, 8, 0, tzinfo=tokyo)  # 29 June 23:00 UTC

    assert scoring.days_since(datetime(2025, 6, 29, 22, 0, tzinfo=UTC), now) == 0


@pytest.mark.parametrize(
    ("average", "key"),
    [
        (5, "emerging"),
        (7.99, "emerging"),
        (8, "developing"),
        (11.9, "developing"),
        (12, "strong"),
        (15, "complete"),
    ],
)
def test_an_average_reaches_a_band_at_its_lowest_total(average, key):
    assert scoring.average_band(average).key == key


def test_no_average_has_no_band():
    assert scoring.average_band(None) is None
