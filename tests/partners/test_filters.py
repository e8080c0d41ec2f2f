"""partners.filters.PartnerFilter: the one partner search of the list page and the API."""

import pytest
from django.http import QueryDict

from api.views import PartnerViewSet
from partners.filters import PartnerFilter
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def partners():
    return {
        "acme": PartnerFactory(name="Acme", description="Accounting", relationship_status="active"),
        "globex": PartnerFactory(
            name="Globex", description="ACME reseller", relationship_status="paused"
        ),
        "initech": PartnerFactory(name="Initech", description="", relationship_status="active"),
    }


def names(filterset: PartnerFilter) -> list[str]:
    return [partner.name for partner in filterset.qs]


def test_the_api_lists_partners_with_the_same_filterset():
    assert PartnerViewSet.filterset_class is PartnerFilter


def test_search_reads_name_and_description_in_any_case(partners):
    assert names(PartnerFilter({"q": "acme"})) == ["Acme", "Globex"]


def test_the_page_says_status_for_the_relationship_status(partners):
    search = PartnerFilter.from_page(QueryDict("q=acme&status=active"))

    assert names(search) == ["Acme"]
    assert (search.search(), search.status()) == ("acme", "active")


def test_the_page_ignores_what_it_cannot_use_and_drops_nul_characters(partners):
    search = PartnerFilter.from_page(QueryDict("q=%20ac%00me%20&status=bogus"))

    assert names(search) == ["Acme", "Globex"]
    assert (search.search(), search.status()) == ("acme", "")


def test_the_api_refuses_what_the_page_ignores():
    assert not PartnerFilter({"q": "a\x00b"}).is_valid()
    assert not PartnerFilter({"relationship_status": "bogus"}).is_valid()


def test_the_list_is_by_name_unless_sorted(partners):
    assert names(PartnerFilter({})) == ["Acme", "Globex", "Initech"]
    assert names(PartnerFilter({"sort": "-name"})) == ["Initech", "Globex", "Acme"]
    assert names(PartnerFilter.from_page(QueryDict("sort=-name"))) == ["Acme", "Globex", "Initech"]
