"""partner_gap: our rating beside the partner's, without a database."""

import pytest

from scorecard import partner_gap, rubric

KEYS = rubric.CATEGORY_KEYS


def steps(vt=2, br=2, su=2, dr=2, ap=2):
    return dict(zip(KEYS, (vt, br, su, dr, ap), strict=True))


def test_the_gap_is_theirs_minus_ours_per_category_in_rubric_order():
    gaps = partner_gap.gaps(ours=steps(1, 2, 3, 2, 1), theirs=steps(3, 2, 1, 1, 2))

    assert list(gaps) == list(KEYS)
    assert list(gaps.values()) == [2, 0, -2, -1, 1]


def test_the_total_gap_is_their_total_minus_ours():
    assert partner_gap.total_gap(ours=steps(3, 3, 3, 2, 2), theirs=steps()) == -3
    assert partner_gap.total_gap(ours=steps(), theirs=steps(3, 2, 2, 2, 2)) == 1


def test_the_same_rating_is_not_seen_differently():
    assert not partner_gap.seen_differently(steps(1, 2, 3, 1, 2), steps(1, 2, 3, 1, 2))


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (steps(vt=1), steps(vt=3)),  # they see it two steps further on
        (steps(su=3), steps(su=1)),  # they see it two steps behind
    ],
)
def test_two_steps_apart_in_one_category_is_seen_differently(ours, theirs):
    assert partner_gap.wide_gaps(ours, theirs) == [
        key for key in KEYS if abs(theirs[key] - ours[key]) == 2
    ]
    assert partner_gap.seen_differently(ours, theirs)


def test_one_step_apart_everywhere_above_ours_is_not_seen_differently():
    # Five points above ours, but never two steps in a category, and not below.
    assert not partner_gap.seen_differently(steps(1, 1, 1, 1, 1), steps(2, 2, 2, 2, 2))


def test_a_partner_total_three_below_ours_is_seen_differently_without_a_wide_gap():
    ours, theirs = steps(3, 3, 3, 2, 2), steps(2, 2, 2, 2, 2)

    assert partner_gap.wide_gaps(ours, theirs) == []
    assert partner_gap.seen_differently(ours, theirs)


def test_a_partner_total_two_below_ours_is_not():
    assert not partner_gap.seen_differently(steps(3, 3, 2, 2, 2), steps(2, 2, 2, 2, 2))


def test_no_rating_on_either_side_is_no_gap():
    assert not partner_gap.seen_differently(None, steps())
    assert not partner_gap.seen_differently(steps(), None)


def test_bad_steps_are_refused_as_scoring_refuses_them():
    with pytest.raises(ValueError, match="Support needs a step"):
        partner_gap.gaps(steps(), {key: 2 for key in KEYS if key != "support"})


def test_gap_rows_carry_both_steps_and_mark_wide_gaps():
    rows = partner_gap.gap_rows(ours=steps(1, 2, 3, 2, 2), theirs=steps(3, 1, 3, 2, 2))

    assert [row.category.key for row in rows] == list(KEYS)
    first, second, third = rows[:3]
    assert (first.ours.name, first.theirs.name, first.gap, first.wide) == (
        "Manual",
        "Automatic",
        2,
        True,
    )
    assert (second.gap, second.wide, second.signed_gap) == (-1, False, "\u22121")
    assert (third.gap, third.signed_gap) == (0, "0")
    assert first.signed_gap == "+2"


def test_the_explanation_names_the_wide_categories_and_the_total():
    ours, theirs = steps(3, 3, 3, 2, 2), steps(1, 2, 2, 2, 2)

    text = partner_gap.explanation(ours, theirs)

    assert "Value transfer: ours Automatic, theirs Manual" in text
    assert "their total 9 is 4 below ours (13)" in text
    assert partner_gap.explanation(steps(), steps()) == ""


def test_gap_rows_before_we_rate_show_theirs_alone():
    rows = partner_gap.gap_rows(ours=None, theirs=steps(3, 1, 2, 2, 2))

    assert [row.theirs.number for row in rows] == [3, 1, 2, 2, 2]
    assert {(row.ours, row.gap, row.wide, row.signed_gap) for row in rows} == {
        (None, None, False, "\u2014")
    }


def test_the_differences_are_a_phrase_each_in_rubric_order_then_the_total():
    ours, theirs = steps(1, 2, 3, 2, 2), steps(3, 2, 1, 2, 2)

    support = rubric.category("support")

    assert partner_gap.differences(ours, theirs) == [
        "Value transfer: ours Manual, theirs Automatic",
        f"Support: ours {support.step(3).name}, theirs {support.step(1).name}",
    ]
    assert partner_gap.differences(steps(), steps()) == []
