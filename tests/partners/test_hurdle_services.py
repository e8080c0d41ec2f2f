"""Writes of internal hurdles: checked as the model defines them, versioned, never overwritten."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from partners import hurdle_services
from partners.models import Hurdle
from partners.services import StaleVersionError
from tests.factories import HurdleFactory, IntegrationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration():
    return IntegrationFactory()


@pytest.fixture
def editor():
    return UserFactory(first_name="Eda", last_name="Editor")


def test_a_hurdle_is_created_with_its_fields(integration, editor):
    owner = UserFactory()

    hurdle = hurdle_services.hurdle_create(
        integration=integration,
        updated_by=editor,
        kind="cognitive",
        category="adoption_priority",
        description="  Sales do not know the integration exists.  ",
        severity="high",
        owner=owner,
        mitigation="A ten-minute demo at the sales kick-off.",
    )

    saved = Hurdle.objects.get(pk=hurdle.pk)
    assert (saved.kind, saved.category, saved.severity, saved.owner) == (
        "cognitive",
        "adoption_priority",
        "high",
        owner,
    )
    assert saved.description == "Sales do not know the integration exists."
    assert (saved.resolved, saved.version, saved.updated_by) == (False, 1, editor)
    assert saved.history.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "laziness"),
        ("category", "nope"),
        ("severity", "huge"),
        ("description", "   "),
    ],
)
def test_a_bad_field_is_refused_beside_it_and_nothing_is_saved(integration, editor, field, value):
    fields = {"kind": "resource", "category": "support", "description": "No time"}

    with pytest.raises(ValidationError) as refused:
        hurdle_services.hurdle_create(
            integration=integration, updated_by=editor, **{**fields, field: value}
        )

    assert field in refused.value.message_dict
    assert not Hurdle.objects.exists()


def test_an_unknown_field_is_a_type_error(integration, editor):
    with pytest.raises(TypeError):
        hurdle_services.hurdle_create(
            integration=integration, updated_by=editor, kind="resource", priority="high"
        )


def test_an_update_moves_the_version_and_records_who(editor):
    hurdle = HurdleFactory()

    hurdle_services.hurdle_update(
        hurdle=hurdle, updated_by=editor, expected_version=1, resolved=True
    )

    saved = Hurdle.objects.get(pk=hurdle.pk)
    assert (saved.resolved, saved.version, saved.updated_by) == (True, 2, editor)
    assert [row.version for row in saved.history.order_by("history_date")] == [1, 2]


def test_a_stale_update_is_refused_with_what_changed(editor):
    hurdle = HurdleFactory()
    theirs = Hurdle.objects.get(pk=hurdle.pk)
    hurdle_services.hurdle_update(hurdle=theirs, updated_by=editor, mitigation="Theirs")

    with pytest.raises(StaleVersionError) as refused:
        hurdle_services.hurdle_update(
            hurdle=hurdle, updated_by=editor, expected_version=1, mitigation="Mine"
        )

    assert refused.value.stale.current_version == 2
    assert [change.label for change in refused.value.stale.changes] == ["Mitigation"]
    assert Hurdle.objects.get(pk=hurdle.pk).mitigation == "Theirs"


def test_an_update_of_a_deleted_hurdle_is_refused(editor):
    hurdle = HurdleFactory()
    Hurdle.objects.filter(pk=hurdle.pk).delete()

    with pytest.raises(ValidationError, match="deleted"):
        hurdle_services.hurdle_update(hurdle=hurdle, updated_by=editor, resolved=True)


def test_a_delete_claims_the_version():
    hurdle = HurdleFactory()
    hurdle_services.hurdle_update(hurdle=Hurdle.objects.get(pk=hurdle.pk), updated_by=None)

    with pytest.raises(StaleVersionError):
        hurdle_services.hurdle_delete(hurdle=hurdle, expected_version=1)
    assert Hurdle.objects.exists()

    hurdle_services.hurdle_delete(hurdle=hurdle, expected_version=2)
    assert not Hurdle.objects.exists()
