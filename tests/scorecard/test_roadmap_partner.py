"""roadmap: the partner's own view as a path of its own, asserted on the figure."""

from datetime import date

import pytest

from scorecard import rubric
from scorecard.roadmap import (
    CURRENT_COLOUR,
    PARTNER_COLOUR,
    PARTNER_DROP,
    PREVIOUS_DROP,
    TILE_HALF_HEIGHT,
    TILE_RAISE,
    PartnerLine,
    Plan,
    RoadmapSeries,
    roadmap_chart,
)

KEYS = rubric.CATEGORY_KEYS


def steps(vt=1, br=1, su=1, dr=1, ap=1):
    return dict(zip(KEYS, (vt, br, su, dr, ap), strict=True))


OURS = steps(3, 2, 1, 2, 1)
THEIRS = steps(1, 2, 2, 2, 1)
PARTNER = PartnerLine("Acme & Co", THEIRS, date(2026, 11, 20))


def chart(partner=PARTNER, plan=None):
    series = [RoadmapSeries("Acme sync", OURS)]
    return roadmap_chart(series, plan or Plan(targets={}, statuses={}), partner)


def trace(fig, meta):
    found = [t for t in fig.data if t.meta == meta]
    assert len(found) == 1, [t.meta for t in fig.data]
    return found[0]


def test_the_partner_view_is_its_own_path_at_their_steps():
    fig = chart()

    theirs = trace(fig, "partner")
    assert list(theirs.x) == [0, 1, 2, 3, 4]
    assert list(theirs.y) == [pytest.approx(THEIRS[key] - PARTNER_DROP) for key in KEYS]
    assert list(theirs.customdata) == [
        category.step(THEIRS[category.key]).name for category in rubric.CATEGORIES
    ]
    assert theirs.customdata[:2] == ("Manual", "Handshake")


def test_it_is_labelled_with_the_partner_the_date_and_their_total():
    theirs = trace(chart(), "partner")

    # The name is escaped: plotly renders tags in legend names.
    assert theirs.name == "Acme &amp; Co's view (20 Nov 2026, 8/15)"


def test_it_is_drawn_in_its_own_style_hollow_diamonds_on_a_dotted_line():
    fig = chart()
    ours, theirs = trace(fig, "current"), trace(fig, "partner")

    assert theirs.line.color == PARTNER_COLOUR != CURRENT_COLOUR == ours.line.color
    assert theirs.line.dash == "dot"
    assert ours.line.dash is None
    assert theirs.marker.symbol == "diamond-open"
    assert ours.marker.symbol is None


def test_it_stays_inside_the_tiles_below_the_previous_rating():
    assert PREVIOUS_DROP < PARTNER_DROP < TILE_HALF_HEIGHT - TILE_RAISE


def test_the_hover_says_how_far_their_step_is_from_ours():
    theirs = trace(chart(), "partner")

    assert list(theirs.text) == [
        "step 1, 2 below ours",
        "step 2, as ours",
        "step 2, 1 above ours",
        "step 2, as ours",
        "step 1, as ours",
    ]


def test_the_legend_shows_when_the_partner_view_is_drawn():
    # Every category at its top step, no plan: our path alone needs no legend.
    complete = [RoadmapSeries("Acme sync", steps(3, 3, 3, 3, 3))]

    assert roadmap_chart(complete).layout.showlegend is False
    assert roadmap_chart(complete, partner=PARTNER).layout.showlegend is True


def test_without_a_partner_view_no_partner_path():
    fig = chart(partner=None)

    assert "partner" not in [t.meta for t in fig.data]


def test_a_comparison_draws_no_partner_view():
    fig = roadmap_chart([RoadmapSeries("A", OURS), RoadmapSeries("B", THEIRS)], partner=PARTNER)

    assert "partner" not in [t.meta for t in fig.data]
