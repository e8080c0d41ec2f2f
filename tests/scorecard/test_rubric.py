"""The rubric is the product: its categories, steps, points and bands, as the spec sets them."""

import pytest

from scorecard import rubric

# The table in SPEC.md, in execution order.
SPEC_RUBRIC = [
    ("value_transfer", "Value transfer", ("Manual", "Assisted", "Automatic")),
    ("business_relationship", "Business relationship", ("From afar", "Handshake", "Transaction")),
    ("support", "Support", ("Test accounts", "Information", "Real-time")),
    (
        "data_relationship",
        "Data relationship",
        ("None", "Individually reported", "Server to server"),
    ),
    ("adoption_priority", "Adoption priority", ("Word of mouth", "Co-marketing", "In-product")),
]


def test_five_categories_in_execution_order():
    assert [category.key for category in rubric.CATEGORIES] == [key for key, _, _ in SPEC_RUBRIC]
    assert [category.name for category in rubric.CATEGORIES] == [name for _, name, _ in SPEC_RUBRIC]


def test_category_keys_follow_the_categories():
    assert tuple(key for key, _, _ in SPEC_RUBRIC) == rubric.CATEGORY_KEYS


@pytest.mark.parametrize(
    ("position", "key", "name", "step_names"),
    [(position, *row) for position, row in enumerate(SPEC_RUBRIC, start=1)],
)
def test_category_matches_the_spec(position, key, name, step_names):
    category = rubric.CATEGORIES[position - 1]

    assert category.key == key
    assert category.name == name
    assert category.position == position
    assert category.step_names == step_names
    assert tuple(step.name for step in category.steps) == step_names


@pytest.mark.parametrize("category", rubric.CATEGORIES, ids=rubric.CATEGORY_KEYS)
def test_three_steps_each_worth_its_position(category):
    assert len(category.steps) == 3
    assert [step.number for step in category.steps] == [1, 2, 3]
    assert [step.points for step in category.steps] == [1, 2, 3]


@pytest.mark.parametrize("category", rubric.CATEGORIES, ids=rubric.CATEGORY_KEYS)
def test_every_step_has_a_description(category):
    for step in category.steps:
        assert step.description.strip(), f"{category.name}: {step.name} has no description"
        # A description explains the step; it is not just its name again.
        assert step.description.strip() != step.name


@pytest.mark.parametrize("category", rubric.CATEGORIES, ids=rubric.CATEGORY_KEYS)
def test_every_category_asks_a_question(category):
    assert category.question.strip().endswith("?")


def test_descriptions_are_all_different():
    descriptions = [step.description for category in rubric.CATEGORIES for step in category.steps]
    assert len(set(descriptions)) == len(descriptions) == 15


def test_step_numbers_and_totals():
    assert rubric.STEP_NUMBERS == (1, 2, 3)
    assert (rubric.MIN_STEP, rubric.MAX_STEP) == (1, 3)
    assert (rubric.MIN_TOTAL, rubric.MAX_TOTAL) == (5, 15)


def test_bands_cover_every_total_exactly_once():
    for total in range(rubric.MIN_TOTAL, rubric.MAX_TOTAL + 1):
        holding = [band.key for band in rubric.BANDS if total in band]
        assert len(holding) == 1, f"total {total} is in bands {holding}"


def test_bands_are_contiguous_and_span_min_to_max():
    bands = rubric.BANDS
    assert bands[0].low == rubric.MIN_TOTAL
    assert bands[-1].high == rubric.MAX_TOTAL
    for band in bands:
        assert band.low <= band.high
    for lower, upper in zip(bands, bands[1:], strict=False):
        assert upper.low == lower.high + 1, f"gap or overlap between {lower.key} and {upper.key}"


@pytest.mark.parametrize("total", [rubric.MIN_TOTAL - 1, 0, rubric.MAX_TOTAL + 1, 100])
def test_no_band_holds_a_total_outside_the_range(total):
    assert not any(total in band for band in rubric.BANDS)


def test_bands_as_suggested_by_the_spec():
    assert [(band.key, band.name, band.low, band.high) for band in rubric.BANDS] == [
        ("emerging", "Emerging", 5, 7),
        ("developing", "Developing", 8, 11),
        ("strong", "Strong", 12, 14),
        ("complete", "Complete", 15, 15),
    ]
    assert all(band.summary.strip() for band in rubric.BANDS)


@pytest.mark.parametrize("category", rubric.CATEGORIES, ids=rubric.CATEGORY_KEYS)
def test_category_lookup_by_key(category):
    assert rubric.category(category.key) is category


@pytest.mark.parametrize("key", ["", "Support", "value-transfer", "total", "unknown"])
def test_category_lookup_refuses_an_unknown_key(key):
    with pytest.raises(KeyError):
        rubric.category(key)


@pytest.mark.parametrize("category", rubric.CATEGORIES, ids=rubric.CATEGORY_KEYS)
@pytest.mark.parametrize("number", [1, 2, 3])
def test_category_step_by_number(category, number):
    step = category.step(number)

    assert step is category.steps[number - 1]
    assert step.number == number


@pytest.mark.parametrize("number", [0, 4, -1, 1.5, "1", None])
def test_category_step_refuses_a_number_outside_one_to_three(number):
    category = rubric.category("support")

    with pytest.raises(ValueError, match=r"Support has no step .*steps run 1 to 3"):
        category.step(number)


@pytest.mark.parametrize("number", [2.0, True])
def test_category_step_refuses_floats_and_bools(number):
    # 2.0 == 2 and True == 1, so both pass the ``in STEP_NUMBERS`` test; a float
    # then crashes the tuple index with TypeError and True passes as step 1.
    with pytest.raises(ValueError, match="steps run 1 to 3"):
        rubric.category("support").step(number)


def test_stale_after_ninety_days():
    assert rubric.STALE_AFTER_DAYS == 90


def test_rubric_objects_are_immutable():
    category = rubric.category("support")
    with pytest.raises(AttributeError):
        category.name = "Help"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        category.steps[0].name = "Sandbox"  # type: ignore[misc]
