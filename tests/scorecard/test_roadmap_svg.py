"""The static roadmap SVG: a pure function of the steps."""

import xml.etree.ElementTree as ET  # noqa: S405 - parses our own SVG, not outside input

import pytest

from scorecard.roadmap_svg import roadmap_svg

NS = "{http://www.w3.org/2000/svg}"
OURS = {
    "value_transfer": 3,
    "business_relationship": 2,
    "support": 1,
    "data_relationship": 1,
    "adoption_priority": 1,
}


def test_fifteen_tiles_with_the_reached_ones_filled_and_two_paths():
    svg = ET.fromstring(roadmap_svg(ours=OURS, partner={**OURS, "support": 3}, title="A & B"))  # noqa: S314

    tiles = svg.findall(f"{NS}rect")
    assert len(tiles) == 15
    assert sum("reached" in tile.get("class") for tile in tiles) == 3 + 2 + 1 + 1 + 1
    ours, theirs = (
        svg.find(f"{NS}polyline[@class='path-ours']"),
        svg.find(f"{NS}polyline[@class='path-partner']"),
    )
    assert ours.get("stroke-dasharray") is None and theirs.get("stroke-dasharray")
    assert svg.find(f"{NS}title").text == "A & B"  # escaped in the markup, parsed back


def test_unrated_draws_the_empty_grid_and_bad_steps_are_refused():
    svg = ET.fromstring(roadmap_svg(ours=None))  # noqa: S314
    assert not [t for t in svg.findall(f"{NS}rect") if "reached" in t.get("class")]
    assert svg.find(f"{NS}polyline") is None
    with pytest.raises(ValueError):
        roadmap_svg(ours={**OURS, "support": 4})
