"""A person's display name: the Python rule, its SQL spelling, and the template filter."""

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template

from partners.models import Integration
from partners.people import display_name, display_name_sql
from tests.factories import IntegrationFactory, UserFactory

User = get_user_model()

# (first name, last name, username) -> what pages show
NAMES = [
    (("Ada", "Lovelace", "ada"), "Ada Lovelace"),
    (("", "", "blank"), "blank"),
    (("   ", "  ", "spaces"), "spaces"),
    (("Grace", "", "grace"), "Grace"),
    (("", "Hopper", "hopper"), "Hopper"),
    ((" Alan ", " Turing ", "alan"), "Alan   Turing"),
]


@pytest.mark.parametrize(("names", "shown"), NAMES)
def test_display_name_is_the_full_name_else_the_username(names, shown):
    first, last, username = names
    user = User(first_name=first, last_name=last, username=username)
    assert display_name(user) == shown


def test_display_name_of_no_user_is_empty():
    assert display_name(None) == ""


@pytest.mark.django_db
def test_the_sql_annotation_agrees_with_the_python_rule():
    users = [
        UserFactory(first_name=first, last_name=last, username=username)
        for (first, last, username), _shown in NAMES
    ]
    in_sql = dict(
        User.objects.filter(pk__in=[u.pk for u in users])
        .annotate(shown_as=display_name_sql())
        .values_list("pk", "shown_as")
    )
    assert in_sql == {user.pk: display_name(user) for user in users}
    assert sorted(in_sql.values()) == sorted(shown for _names, shown in NAMES)


@pytest.mark.django_db
def test_the_sql_annotation_follows_a_relation():
    owners = [
        UserFactory(first_name=first, last_name=last, username=username)
        for (first, last, username), _shown in NAMES
    ]
    integrations = [IntegrationFactory(owner=owner) for owner in owners]
    in_sql = dict(
        Integration.objects.filter(pk__in=[i.pk for i in integrations])
        .annotate(owner_shown_as=display_name_sql("owner__"))
        .values_list("pk", "owner_shown_as")
    )
    assert in_sql == {i.pk: display_name(i.owner) for i in integrations}


def test_the_template_filter_calls_the_same_rule():
    template = Template("{% load people %}[{{ named|display_name }}][{{ unnamed|display_name }}]")
    named = User(first_name="Ada", last_name="Lovelace", username="ada")
    unnamed = User(first_name="", last_name="", username="anon")
    assert template.render(Context({"named": named, "unnamed": unnamed})) == "[Ada Lovelace][anon]"
