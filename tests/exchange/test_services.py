"""exchange.services: keeping uploads between preview and commit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from exchange import services
from exchange.models import ImportKind, PendingImport
from partners.models import Partner
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD = "Name,Relationship status\r\nAcme,Active\r\nBeta,Prospect\r\n"
BAD = "Name,Relationship status\r\nAcme,Active\r\nBeta,Sleeping\r\n"


def _age(pending: PendingImport, **delta) -> None:
    PendingImport.objects.filter(pk=pending.pk).update(
        uploaded_at=timezone.now() - timedelta(**delta)
    )


def _create(user, filename="p.csv", text=GOOD) -> PendingImport:
    return services.pending_import_create(
        user=user, kind=ImportKind.PARTNERS, filename=filename, text=text
    )


def test_create_keeps_the_file(user):
    pending = _create(user, "partners.csv")
    pending.refresh_from_db()
    assert (pending.uploaded_by, pending.kind, pending.filename, pending.content) == (
        user,
        "partners",
        "partners.csv",
        GOOD,
    )


def test_create_forgets_everyones_day_old_uploads(user):
    other = UserFactory()
    old_mine, old_theirs, recent_theirs = _create(user), _create(other), _create(other)
    _age(old_mine, days=1, seconds=1)
    _age(old_theirs, days=2)
    _age(recent_theirs, hours=23)
    new = _create(user)
    assert set(PendingImport.objects.all()) == {recent_theirs, new}


def test_create_keeps_a_few_of_a_users_latest_uploads(user):
    other = UserFactory()
    theirs = [_create(other) for _ in range(services.PENDING_IMPORTS_PER_USER)]
    mine = [_create(user, f"{n}.csv") for n in range(services.PENDING_IMPORTS_PER_USER + 2)]
    kept = set(PendingImport.objects.filter(uploaded_by=user))
    assert kept == set(mine[-services.PENDING_IMPORTS_PER_USER :])
    assert set(PendingImport.objects.filter(uploaded_by=other)) == set(theirs)


def test_pending_imports_are_the_users_recent_ones(user):
    mine, old = _create(user), _create(user)
    _age(old, days=1, seconds=1)
    _create(UserFactory())
    assert list(services.pending_imports(user)) == [mine]


def test_commit_writes_and_forgets_the_file(user):
    pending = _create(user)
    result = services.pending_import_commit(pending=pending, user=user)
    assert result.committed
    assert result.counts.get("create") == 2
    assert set(Partner.objects.values_list("name", flat=True)) == {"Acme", "Beta"}
    assert not PendingImport.objects.exists()


def test_commit_with_errors_writes_nothing_and_keeps_the_file(user):
    pending = _create(user, text=BAD)
    result = services.pending_import_commit(pending=pending, user=user)
    assert not result.committed
    assert result.has_errors
    assert [(row.number, [e.column for e in row.errors]) for row in result.rows if row.errors] == [
        (3, ["Relationship status"])
    ]
    assert not Partner.objects.exists()
    assert PendingImport.objects.filter(pk=pending.pk).exists()


def test_commit_twice_is_refused_the_second_time(user):
    pending = _create(user)
    services.pending_import_commit(pending=pending, user=user)
    with pytest.raises(PendingImport.DoesNotExist):
        services.pending_import_commit(pending=pending, user=user)
    assert Partner.objects.count() == 2


@pytest.mark.django_db
def test_listing_pending_imports_leaves_their_text_in_the_database(django_assert_num_queries):
    user = UserFactory()
    services.pending_import_create(user=user, kind="partners", filename="p.csv", text="Name\nA\n")

    with django_assert_num_queries(1):
        listed = list(services.pending_imports(user))

    assert [pending.filename for pending in listed] == ["p.csv"]
    assert "content" in listed[0].get_deferred_fields()
