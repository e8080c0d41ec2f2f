"""The rater an assessments file names: someone who may rate the integration, or the row is refused.

Who may rate is the permissions module's rule (tests/partners/test_permissions_rules.py):
the product managers of the integration's team, partnership leads and admins, with
an active account.  Each imported rating also records who imported it.
"""

import csv
import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse

from exchange import formats, importer
from exchange.models import ImportKind
from partners.models import Assessment, Integration, Membership, Role
from tests.factories import (
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
    rate,
)
from tests.pages import page_text

pytestmark = pytest.mark.django_db

ASSESSMENTS = ImportKind.ASSESSMENTS
CATEGORY_NAMES = [
    "Value transfer",
    "Business relationship",
    "Support",
    "Data relationship",
    "Adoption priority",
]
RATED_AT = datetime(2025, 3, 1, 10, tzinfo=UTC)

# Users, partners, their integrations (with their teams), the assessments saved at
# the file's dates, the raters' memberships: however many raters the file names.
PREVIEW_QUERIES = 5


def table(*raters: str | tuple[str, str]) -> str:
    """An assessments file of one rating per rater (of Ledger, or of the integration named
    with them), a day apart."""
    names = formats.import_columns(ASSESSMENTS)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(names)
    for day, entry in enumerate(raters):
        rater, integration = (entry, "Ledger") if isinstance(entry, str) else entry
        cells = {
            "Partner": "Acme",
            "Integration": integration,
            "Rated at": (RATED_AT + timedelta(days=day)).isoformat(),
            **{f"{name} step": "2" for name in CATEGORY_NAMES},
            "Rated by": rater,
        }
        writer.writerow([cells.get(name, "") for name in names])
    return out.getvalue()


def errors(result) -> list[tuple[int, str, str]]:
    return [
        (row.number, error.column, error.message) for row in result.rows for error in row.errors
    ]


@pytest.fixture
def north():
    """Acme — Ledger, an integration of team North; people of every kind, by username."""
    team, south = TeamFactory(name="North"), TeamFactory(name="South")
    ada = MembershipFactory(team=team, user=UserFactory(username="ada")).user
    ledger = IntegrationFactory(partner=PartnerFactory(name="Acme"), name="Ledger", team=team)
    gone = MembershipFactory(team=team, user=UserFactory(username="gone")).user
    gone.is_active = False
    gone.save()
    MembershipFactory(team=team, user=UserFactory(username="vic"), role=Role.VIEWER)
    UserFactory(username="nobody")
    MembershipFactory(team=south, user=UserFactory(username="sam"))  # product manager of South
    MembershipFactory(team=south, user=UserFactory(username="lee"), role=Role.PARTNERSHIP_LEAD)
    UserFactory(username="root", is_staff=True)  # an admin, in no team
    return SimpleNamespace(team=team, south=south, ada=ada, gone=gone, ledger=ledger)


def may_not_rate(username: str) -> str:
    return (
        f"{username} may not rate North integrations: only that team's product managers, "
        "partnership leads and admins may."
    )


REFUSED = {
    "gone": "gone's account is inactive: only active people can be named as raters.",
    "vic": may_not_rate("vic"),  # a viewer of the integration's team
    "nobody": may_not_rate("nobody"),  # in no team
    "sam": may_not_rate("sam"),  # a product manager of another team
}
ALLOWED = [
    "ada",  # a product manager of the integration's team
    "lee",  # a partnership lead of another team
    "root",  # an admin
]


@pytest.mark.parametrize("rater", list(REFUSED))
def test_the_preview_refuses_a_rater_who_may_not_rate_the_integration(user, north, rater):
    result = importer.preview(ASSESSMENTS, table(rater), user=user)

    assert errors(result) == [(2, "Rated by", REFUSED[rater])]
    assert result.rows[0].action is None


@pytest.mark.parametrize("rater", list(REFUSED))
def test_the_commit_refuses_a_rater_who_may_not_rate_the_integration(user, north, rater):
    result = importer.commit(ASSESSMENTS, table(rater), user=user)

    assert not result.committed
    assert errors(result) == [(2, "Rated by", REFUSED[rater])]
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("rater", ALLOWED)
def test_a_rater_who_may_rate_the_integration_is_saved_as_imported_by_the_importer(
    user, north, rater
):
    assert importer.preview(ASSESSMENTS, table(rater), user=user).counts["create"] == 1

    result = importer.commit(ASSESSMENTS, table(rater), user=user)

    assert result.committed, errors(result)
    saved = Assessment.objects.get()
    assert saved.rated_by.username == rater
    assert saved.imported_by == user
    assert Integration.objects.get(pk=north.ledger.pk).current_assessment == saved


def test_one_refused_rater_keeps_the_whole_file_out(user, north):
    result = importer.commit(ASSESSMENTS, table("ada", "sam", "lee", "gone"), user=user)

    assert not result.committed
    assert errors(result) == [
        (3, "Rated by", REFUSED["sam"]),
        (5, "Rated by", REFUSED["gone"]),
    ]
    assert [row.action for row in result.rows] == ["create", None, "create", None]
    assert not Assessment.objects.exists()


def test_every_assessment_of_a_commit_records_its_importer(user, north):
    result = importer.commit(ASSESSMENTS, table("ada", "lee", "root"), user=user)

    assert result.committed, errors(result)
    assert list(Assessment.objects.values_list("imported_by", flat=True)) == [user.pk] * 3
    # A rating made on its page was not imported.
    assert rate(north.ledger, user=north.ada).imported_by is None


def test_a_rater_whose_role_goes_between_preview_and_commit_is_refused(user, north):
    text = table("ada")
    assert not importer.preview(ASSESSMENTS, text, user=user).has_errors

    Membership.objects.filter(user=north.ada).update(role=Role.VIEWER)
    result = importer.commit(ASSESSMENTS, text, user=user)

    assert errors(result) == [(2, "Rated by", may_not_rate("ada"))]
    assert not Assessment.objects.exists()


def test_a_saved_rating_by_someone_who_may_no_longer_rate_stays_unchanged(user, north):
    """Importing an export again writes nothing, so it refuses nothing: nor a since-gone rater."""
    rate(north.ledger, user=north.ada, rated_at=RATED_AT, vt=2, br=2, su=2, dr=2, ap=2)
    north.ada.is_active = False
    north.ada.save()

    result = importer.commit(ASSESSMENTS, table("ada"), user=user)

    assert result.counts["unchanged"] == 1, errors(result)
    assert Assessment.objects.count() == 1


def test_the_rule_is_the_one_for_each_integrations_team(user, north):
    IntegrationFactory(partner=north.ledger.partner, name="Payroll", team=north.south)

    result = importer.preview(
        ASSESSMENTS, table(("sam", "Payroll"), ("ada", "Payroll"), "ada"), user=user
    )

    assert [row.action for row in result.rows] == ["create", None, "create"]
    assert errors(result) == [
        (
            3,
            "Rated by",
            "ada may not rate South integrations: only that team's product managers, "
            "partnership leads and admins may.",
        )
    ]


@pytest.mark.parametrize(
    "raters", [["ada"], [*ALLOWED, *REFUSED]], ids=["one rater", "seven raters"]
)
def test_the_preview_reads_every_raters_rights_in_the_same_few_queries(
    user, north, raters, django_assert_num_queries
):
    with django_assert_num_queries(PREVIEW_QUERIES):
        result = importer.preview(ASSESSMENTS, table(*raters), user=user)

    assert result.counts["create"] == len(set(raters) & set(ALLOWED))
    assert result.error_rows == len(set(raters) & set(REFUSED))


def test_the_assessment_admin_shows_who_imported_it(client, user, north):
    assert importer.commit(ASSESSMENTS, table("lee"), user=user).committed
    admin = UserFactory(username="root")
    client.force_login(admin)

    assessment = Assessment.objects.get()
    response = client.get(reverse("admin:partners_assessment_change", args=[assessment.pk]))

    assert response.status_code == 200
    text = page_text(response)
    assert "Imported by" in text
    assert user.get_username() in text
