"""Reading cells: free text and trimming, choices, steps, dates and times, usernames."""

from datetime import UTC, datetime

import pytest

from exchange import importer
from partners.models import Assessment, Partner
from tests.exchange.import_files import (
    ASSESSMENTS,
    PARTNERS,
    assessment_row,
    csv_text,
    errors,
    only_error,
    partner_row,
    table,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_free_text_is_kept_as_written_and_other_cells_are_trimmed(user):
    text = csv_text(
        ["Name", "Description", "Platform openness", "Website"],
        [
            "  Acme ",
            "  indented\nand a trailing line break\n",
            " middleware ",
            " https://a.example ",
        ],
    )

    importer.commit(PARTNERS, text, user=user)

    acme = Partner.objects.get()
    assert (acme.name, acme.platform_openness, acme.website) == (
        "Acme",
        "middleware",
        "https://a.example",
    )
    assert acme.description == "  indented\nand a trailing line break\n"


def test_choices_take_the_label_or_the_value_in_any_case(user):
    text = table(
        PARTNERS,
        partner_row(**{"Platform openness": "CLOSED PLATFORM", "Relationship status": "paused"}),
        partner_row(Name="Beta", **{"Platform openness": "middleware"}),
    )

    importer.commit(PARTNERS, text, user=user)

    acme, beta = Partner.objects.order_by("name")
    assert (acme.platform_openness, acme.relationship_status) == ("closed", "paused")
    assert beta.platform_openness == "middleware"


@pytest.mark.parametrize("cell", ["²", "2²", "½"])
def test_a_step_of_digit_like_characters_is_a_row_error(user, north, cell):
    """str.isdigit() accepts "²", which int() refuses: a row error, not a server error."""
    result = importer.preview(
        ASSESSMENTS, table(ASSESSMENTS, assessment_row(**{"Value transfer step": cell})), user=user
    )

    number, column, message = only_error(result)
    assert (number, column) == (2, "Value transfer step")
    assert f"not “{cell}”" in message


@pytest.mark.parametrize("cell", ["2.0", "2.00", " 2.0 "])
def test_a_step_written_as_a_decimal_number_is_read(user, north, cell):
    """Spreadsheets and scripts write whole numbers as "2.0"; the API accepts them too."""
    text = table(ASSESSMENTS, assessment_row(**{"Value transfer step": cell}))

    result = importer.commit(ASSESSMENTS, text, user=user)

    assert result.committed, errors(result)
    assert Assessment.objects.get().value_transfer == 2


@pytest.mark.parametrize("cell", ["2.5", "1e0", "2."])
def test_a_step_that_is_not_a_whole_number_is_refused(user, north, cell):
    result = importer.preview(
        ASSESSMENTS, table(ASSESSMENTS, assessment_row(**{"Value transfer step": cell})), user=user
    )

    assert only_error(result)[1] == "Value transfer step"


def test_naive_dates_are_in_the_sites_time_zone(user, north, settings):
    settings.TIME_ZONE = "Europe/Paris"
    text = table(ASSESSMENTS, assessment_row(**{"Rated at": "2025-03-02T09:00"}))

    importer.commit(ASSESSMENTS, text, user=user)

    assert Assessment.objects.get().rated_at == datetime(2025, 3, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "cell", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:30:00+01:00"]
)
@pytest.mark.parametrize("step", [importer.preview, importer.commit])
def test_a_date_out_of_range_in_utc_is_a_row_error(user, north, cell, step):
    """Valid ISO 8601 whose UTC time falls outside year 1 to 9999: a row error, not a 500."""
    result = step(ASSESSMENTS, table(ASSESSMENTS, assessment_row(**{"Rated at": cell})), user=user)

    assert only_error(result)[1] == "Rated at"
    assert not Assessment.objects.exists()


def test_a_date_out_of_range_in_the_sites_time_zone_is_a_row_error(user, north, settings):
    """Saved, it could not be exported in the site's time zone: refused on import."""
    settings.TIME_ZONE = "America/New_York"  # behind UTC
    text = table(ASSESSMENTS, assessment_row(**{"Rated at": "0001-01-01T02:00:00+00:00"}))

    result = importer.commit(ASSESSMENTS, text, user=user)

    assert only_error(result)[1] == "Rated at"


def test_a_username_in_another_case_finds_its_user_unless_two_share_it(user, north):
    # Bo and cy may rate North's integrations (tests/exchange/test_import_raters.py).
    MembershipFactory(team=north.team, user=UserFactory(username="Bo"))
    MembershipFactory(team=north.team, user=UserFactory(username="cy"))
    UserFactory(username="CY")
    rows = [
        assessment_row(**{"Rated at": "2025-01-01T00:00:00Z", "Rated by": "ADA"}),
        assessment_row(**{"Rated at": "2025-01-02T00:00:00Z", "Rated by": "bo"}),
        assessment_row(**{"Rated at": "2025-01-03T00:00:00Z", "Rated by": "cy"}),
        assessment_row(**{"Rated at": "2025-01-04T00:00:00Z", "Rated by": "Cy"}),
    ]

    result = importer.preview(ASSESSMENTS, table(ASSESSMENTS, *rows), user=user)

    assert [row.action for row in result.rows] == ["create", "create", "create", None]
    assert errors(result) == [
        (5, "Rated by", "Several users have the username “Cy” in some case; write it exactly.")
    ]
