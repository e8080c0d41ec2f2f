"""api/tokens.py: creating, naming, revoking and looking up API tokens."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from api import tokens
from api.models import ApiToken
from tests.factories import UserFactory
from tests.threads import run_in_threads


def _errors(excinfo) -> dict[str, list[str]]:
    error = excinfo.value
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


@pytest.mark.django_db
def test_the_database_keeps_the_digest_and_a_prefix_never_the_secret():
    user = UserFactory()
    new = tokens.token_create(user=user, name="  CRM nightly sync  ")

    assert new.secret.startswith("psc_")
    assert len(new.secret) >= 40
    saved = ApiToken.objects.get(pk=new.token.pk)
    assert saved.name == "CRM nightly sync"
    assert saved.user == user
    assert saved.digest == hashlib.sha256(new.secret.encode()).hexdigest()
    assert saved.prefix == new.secret[: tokens.PREFIX_LENGTH]
    assert len(saved.prefix) == len("psc_") + 6
    row = ApiToken.objects.filter(pk=saved.pk).values().get()
    assert not any(new.secret in str(value) for value in row.values())
    assert new.secret not in repr(new)
    assert saved.last_used_at is None and saved.revoked_at is None and saved.is_active


@pytest.mark.django_db
def test_every_token_is_different():
    user = UserFactory()
    secrets = {tokens.token_create(user=user, name=f"t{i}").secret for i in range(5)}
    assert len(secrets) == 5


@pytest.mark.django_db
def test_a_secret_finds_its_user_and_token():
    user = UserFactory()
    new = tokens.token_create(user=user, name="CRM")
    found_user, found_token = tokens.token_user(new.secret)
    assert found_user == user
    assert found_token == new.token


@pytest.mark.django_db
@pytest.mark.parametrize(
    "secret",
    ["", "psc_", "psc_not-a-real-token", "PSC_abc", "Bearer psc_x", "x" * 50, "psc_" + "a" * 300],
)
def test_unknown_or_malformed_secrets_find_nobody(secret):
    tokens.token_create(user=UserFactory(), name="CRM")
    assert tokens.token_user(secret) is None


@pytest.mark.django_db
def test_a_secret_differing_by_one_character_finds_nobody():
    new = tokens.token_create(user=UserFactory(), name="CRM")
    last = new.secret[-1]
    assert tokens.token_user(new.secret[:-1] + ("A" if last != "A" else "B")) is None
    assert tokens.token_user(new.secret + "x") is None


@pytest.mark.django_db
def test_a_revoked_token_stops_working_at_once():
    new = tokens.token_create(user=UserFactory(), name="CRM")
    assert tokens.token_user(new.secret) is not None

    assert tokens.token_revoke(new.token) is True

    assert tokens.token_user(new.secret) is None
    saved = ApiToken.objects.get(pk=new.token.pk)
    assert saved.revoked_at is not None and not saved.is_active
    assert ApiToken.objects.active().filter(pk=saved.pk).exists() is False


@pytest.mark.django_db
def test_revoking_twice_keeps_the_first_time():
    new = tokens.token_create(user=UserFactory(), name="CRM")
    tokens.token_revoke(new.token)
    first = ApiToken.objects.get(pk=new.token.pk).revoked_at

    stale = ApiToken.objects.get(pk=new.token.pk)
    stale.revoked_at = None  # as if loaded before the first revocation
    assert tokens.token_revoke(stale) is False

    assert ApiToken.objects.get(pk=new.token.pk).revoked_at == first
    assert stale.revoked_at == first


@pytest.mark.django_db
def test_the_token_of_an_inactive_user_is_refused():
    user = UserFactory()
    new = tokens.token_create(user=user, name="CRM")
    user.is_active = False
    user.save()
    assert tokens.token_user(new.secret) is None


@pytest.mark.django_db
def test_no_token_is_made_for_an_inactive_user():
    user = UserFactory(is_active=False)
    with pytest.raises(ValidationError) as excinfo:
        tokens.token_create(user=user, name="CRM")
    assert "inactive" in _errors(excinfo)["__all__"][0]
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["", "   ", None])
def test_a_name_is_required(name):
    with pytest.raises(ValidationError) as excinfo:
        tokens.token_create(user=UserFactory(), name=name)
    assert _errors(excinfo)["name"] == ["Give the token a name, e.g. what will use it."]


@pytest.mark.django_db
def test_a_name_has_at_most_100_characters():
    user = UserFactory()
    assert tokens.token_create(user=user, name="x" * 100).token.name == "x" * 100
    with pytest.raises(ValidationError) as excinfo:
        tokens.token_create(user=user, name="y" * 101)
    assert "100 characters" in _errors(excinfo)["name"][0]


@pytest.mark.django_db
def test_a_name_with_a_nul_character_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        tokens.token_create(user=UserFactory(), name="CRM\x00sync")
    assert "name" in _errors(excinfo)


@pytest.mark.django_db
def test_names_are_unique_among_a_users_active_tokens_whatever_the_case():
    user, other = UserFactory(), UserFactory()
    first = tokens.token_create(user=user, name="CRM sync")

    with pytest.raises(ValidationError) as excinfo:
        tokens.token_create(user=user, name=" crm SYNC ")
    assert _errors(excinfo)["name"] == [tokens.DUPLICATE_NAME]

    # Another user may use the name; so may this user once the first is revoked.
    tokens.token_create(user=other, name="CRM sync")
    tokens.token_revoke(first.token)
    tokens.token_create(user=user, name="CRM sync")
    assert ApiToken.objects.filter(user=user, name="CRM sync").count() == 2


@pytest.mark.django_db
def test_the_database_refuses_two_active_tokens_with_one_name():
    """The constraint behind the service's check, for writes that skip it."""
    user = UserFactory()
    tokens.token_create(user=user, name="CRM")
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(user=user, name="crm", prefix="psc_abcdef", digest="0" * 64)


@pytest.mark.django_db
def test_a_user_has_at_most_max_active_tokens():
    user = UserFactory()
    made = [tokens.token_create(user=user, name=f"t{i}") for i in range(tokens.MAX_ACTIVE_TOKENS)]

    with pytest.raises(ValidationError) as excinfo:
        tokens.token_create(user=user, name="one more")
    assert f"{tokens.MAX_ACTIVE_TOKENS} active tokens" in _errors(excinfo)["__all__"][0]
    assert ApiToken.objects.filter(user=user).count() == tokens.MAX_ACTIVE_TOKENS

    # Revoked tokens do not count; other users' neither.
    tokens.token_create(user=UserFactory(), name="one more")
    tokens.token_revoke(made[0].token)
    tokens.token_create(user=user, name="one more")


@pytest.mark.django_db
def test_renaming_keeps_names_unique_and_the_secret_working():
    user = UserFactory()
    crm = tokens.token_create(user=user, name="CRM")
    tokens.token_create(user=user, name="BI")

    with pytest.raises(ValidationError) as excinfo:
        tokens.token_rename(crm.token, name="bi")
    assert _errors(excinfo)["name"] == [tokens.DUPLICATE_NAME]

    tokens.token_rename(crm.token, name=" crm (nightly) ")
    assert ApiToken.objects.get(pk=crm.token.pk).name == "crm (nightly)"
    # Its own name, in another case, is not a clash.
    tokens.token_rename(crm.token, name="CRM (nightly)")
    assert tokens.token_user(crm.secret)[1].name == "CRM (nightly)"


@pytest.mark.django_db
def test_last_used_is_written_at_most_every_resolution(django_assert_num_queries):
    new = tokens.token_create(user=UserFactory(), name="CRM")

    with django_assert_num_queries(2):  # the lookup, then the first use is written
        tokens.token_user(new.secret)
    first = ApiToken.objects.get(pk=new.token.pk).last_used_at
    assert first is not None

    with django_assert_num_queries(1):  # the lookup only
        tokens.token_user(new.secret)
    assert ApiToken.objects.get(pk=new.token.pk).last_used_at == first

    # Once the resolution has passed, the next use moves it forward.
    earlier = timezone.now() - tokens.LAST_USED_RESOLUTION - timedelta(seconds=1)
    ApiToken.objects.filter(pk=new.token.pk).update(last_used_at=earlier)
    with django_assert_num_queries(2):
        _, token = tokens.token_user(new.secret)
    saved = ApiToken.objects.get(pk=new.token.pk).last_used_at
    assert saved > earlier + tokens.LAST_USED_RESOLUTION
    assert token.last_used_at == saved


@pytest.mark.django_db(transaction=True)
def test_creations_at_once_keep_the_cap_and_the_names_unique():
    user = UserFactory()
    threads = tokens.MAX_ACTIVE_TOKENS + 4
    for_names = [f"t{i % 3}" for i in range(threads)]  # three names, wanted many times

    def create(index: int) -> None:
        tokens.token_create(user=user, name=for_names[index])

    raised = run_in_threads(create, threads)

    assert all(isinstance(error, ValidationError) for error in raised), raised
    names = sorted(ApiToken.objects.filter(user=user).values_list("name", flat=True))
    assert names == ["t0", "t1", "t2"]

    def fill(index: int) -> None:
        tokens.token_create(user=user, name=f"more {index}")

    raised = run_in_threads(fill, threads)

    assert all(isinstance(error, ValidationError) for error in raised), raised
    assert ApiToken.objects.filter(user=user).count() == tokens.MAX_ACTIVE_TOKENS
