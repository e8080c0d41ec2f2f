"""Partner links' tokens: entropy, hashing, expiry, revocation, one answer, the request rate."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command

from partners import share_limits, share_services, share_tokens
from partners.models import PartnerLink, PartnerView, PartnerViewImmutableError
from tests.factories import IntegrationFactory, UserFactory, steps
from tests.threads import run_in_threads


@pytest.fixture(autouse=True)
def fresh_counts():
    """Each test is a new visitor: the request counts live in the cache."""
    cache.clear()
    yield
    cache.clear()


def make_link(integration=None, **options):
    integration = integration or IntegrationFactory()
    return share_services.partner_link_create(
        integration=integration,
        created_by=UserFactory(),
        contact_name="Dana Partner",
        contact_email="dana@partner.example",
        **options,
    )


def token_bits(token: str) -> int:
    return len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8


# -- entropy and hashing ---------------------------------------------------------------------


def test_a_thousand_tokens_are_distinct_and_each_carries_256_bits():
    tokens = [share_tokens.make_token() for _ in range(1000)]

    assert len(set(tokens)) == 1000
    assert {token_bits(token) for token in tokens} == {256}
    assert min(token_bits(token) for token in tokens) >= 128
    # URL-safe: nothing to escape in /share/<token>/.
    assert all(
        set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for token in tokens
    )


@pytest.mark.django_db
def test_links_get_distinct_tokens_and_keep_only_their_sha256():
    integration = IntegrationFactory()
    made = [make_link(integration) for _ in range(20)]

    raw_tokens = {raw for _, raw in made}
    assert len(raw_tokens) == 20
    for link, raw in made:
        link.refresh_from_db()
        assert link.token_hash == share_tokens.token_hash(raw)
        assert len(link.token_hash) == 64 and link.token_hash != raw


@pytest.mark.django_db
def test_the_raw_token_is_nowhere_in_the_database(client):
    """Neither the link's row nor any other (sessions included) holds the token itself,
    also after its maker's pages showed it."""
    integration = IntegrationFactory()
    client.force_login(integration.owner)  # a product manager of its team (the factory's)
    response = client.post(
        f"/integrations/{integration.pk}/share/",
        {"contact_name": "Dana", "contact_email": "dana@partner.example", "days": "14"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    link = PartnerLink.objects.get()
    raw = page.split("/share/")[1].split("/")[0]
    assert share_tokens.token_hash(raw) == link.token_hash, "the page showed the token"
    out = io.StringIO()
    call_command("dumpdata", stdout=out)  # every table, django_session included

    dump = out.getvalue()
    assert link.token_hash in dump
    assert raw not in dump


# -- finding a link, and its states ----------------------------------------------------------


@pytest.mark.django_db
def test_a_token_finds_its_link_and_nothing_else_does():
    link, raw = make_link()

    assert share_tokens.find(raw).link == link
    assert share_tokens.find(raw).state == "valid"
    for other in ("", raw[:-1], raw + "x", raw.upper(), link.token_hash, "ü" * 10, "x" * 5000):
        assert share_tokens.find(other) == share_tokens.UNKNOWN, other


@pytest.mark.django_db
def test_a_link_is_valid_for_14_days_by_default_and_then_expires():
    link, raw = make_link()

    assert link.expires_at - link.created_at == timedelta(days=14)
    assert share_tokens.find(raw, now=link.expires_at - timedelta(seconds=1)).state == "valid"
    assert share_tokens.find(raw, now=link.expires_at).state == "expired"
    with pytest.raises(share_services.LinkClosedError) as closed:
        share_services.partner_view_submit(link=link, steps=steps(), now=link.expires_at)
    assert closed.value.state == "expired"
    assert not PartnerView.objects.exists()


@pytest.mark.django_db
def test_the_default_validity_comes_from_the_settings(settings):
    settings.PARTNER_LINK_DAYS = 30

    link, _ = make_link()

    assert link.expires_at - link.created_at == timedelta(days=30)


@pytest.mark.django_db
@pytest.mark.parametrize("days", [0, -1, 61, 365])
def test_a_link_lasts_1_to_60_days(days):
    with pytest.raises(ValidationError) as refused:
        make_link(days=days)

    assert refused.value.message_dict == {"days": ["A link is valid for 1 to 60 days."]}
    assert not PartnerLink.objects.exists()


@pytest.mark.django_db
def test_sixty_days_is_the_longest():
    link, _ = make_link(days=60)

    assert link.expires_at - link.created_at == timedelta(days=60)


@pytest.mark.django_db
def test_a_revoked_link_opens_nothing_and_takes_no_answer():
    link, raw = make_link()

    assert share_services.partner_link_revoke(link) is True
    assert share_services.partner_link_revoke(link) is False, "already revoked"

    assert share_tokens.find(raw).state == "revoked"
    with pytest.raises(share_services.LinkClosedError) as closed:
        share_services.partner_view_submit(link=link, steps=steps())
    assert closed.value.state == "revoked"
    assert not PartnerView.objects.exists()


@pytest.mark.django_db
def test_an_answered_link_cannot_be_revoked_afterwards():
    link, raw = make_link()
    share_services.partner_view_submit(link=link, steps=steps())

    assert share_services.partner_link_revoke(link) is False
    assert share_tokens.find(raw).state == "submitted"


# -- one answer per link ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_link_takes_one_answer():
    link, raw = make_link()

    view = share_services.partner_view_submit(
        link=link,
        steps=steps(vt=3, br=2),
        notes={"support": "  We answer within a day.  ", "value_transfer": ""},
    )
    with pytest.raises(share_services.LinkClosedError) as closed:
        share_services.partner_view_submit(link=link, steps=steps(vt=1))

    assert closed.value.state == "submitted"
    assert PartnerView.objects.get() == view
    assert (view.steps, view.support_note, view.total) == (
        steps(vt=3, br=2),
        "We answer within a day.",
        8,
    )
    assert (view.integration, view.link, view.contact_name, view.contact_email) == (
        link.integration,
        link,
        "Dana Partner",
        "dana@partner.example",
    )
    link.refresh_from_db()
    assert link.submitted_at == view.rated_at
    assert share_tokens.find(raw).state == "submitted"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"value_transfer": 1}, "Business relationship needs a step."),
        ({**steps(), "support": 4}, "Support step must be 1, 2 or 3, not 4."),
        ({**steps(), "extra": 1}, "Unknown categories: extra."),
    ],
)
def test_steps_the_rubric_refuses_save_nothing(given, message):
    link, _ = make_link()

    with pytest.raises(ValidationError) as refused:
        share_services.partner_view_submit(link=link, steps=given)

    assert refused.value.messages == [message]
    assert not PartnerView.objects.exists()
    link.refresh_from_db()
    assert link.submitted_at is None


@pytest.mark.django_db
def test_a_partner_view_is_append_only():
    link, _ = make_link()
    view = share_services.partner_view_submit(link=link, steps=steps())

    view.support = 3
    with pytest.raises(PartnerViewImmutableError):
        view.save()
    with pytest.raises(PartnerViewImmutableError):
        view.delete()
    with pytest.raises(PartnerViewImmutableError):
        PartnerView.objects.update(support=3)
    with pytest.raises(PartnerViewImmutableError):
        PartnerView.objects.all().delete()
    assert PartnerView.objects.get().support == 1


@pytest.mark.django_db(transaction=True)
def test_two_answers_at_once_make_one_partner_view():
    """A double click or two tabs: the link's row is locked, the second is told it was used."""
    link, _ = make_link()
    closed: list[str] = []

    def submit(index: int) -> None:
        try:
            share_services.partner_view_submit(
                link=PartnerLink.objects.get(pk=link.pk), steps=steps(vt=index + 1)
            )
        except share_services.LinkClosedError as error:
            closed.append(error.state)

    raised = run_in_threads(submit, 2)

    assert raised == []
    assert closed == ["submitted"]
    assert PartnerView.objects.count() == 1
    link.refresh_from_db()
    assert link.submitted_at == PartnerView.objects.get().rated_at


@pytest.mark.django_db(transaction=True)
def test_four_pages_answering_at_once_make_one_partner_view(client):
    link, raw = make_link()
    statuses: list[int] = []
    body = {key: "2" for key in steps()}

    def submit(index: int) -> None:
        from django.test import Client

        statuses.append(Client().post(f"/share/{raw}/", body).status_code)

    assert run_in_threads(submit, 4) == []

    assert sorted(statuses) == [302, 410, 410, 410]
    assert PartnerView.objects.count() == 1


# -- the request rate ------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_address_is_refused_beyond_30_requests_in_ten_minutes(client):
    _, raw = make_link()
    answers = [client.get(f"/share/{raw}/").status_code for _ in range(share_limits.ADDRESS_LIMIT)]

    refused = client.get(f"/share/{raw}/")

    assert answers == [200] * 30
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= share_limits.WINDOW_SECONDS
    text = refused.content.decode()
    assert "Too many requests" in text and "try again in" in text
    assert "partners/share_limited.html" in [t.name for t in refused.templates]


@pytest.mark.django_db
def test_guessing_tokens_counts_against_the_address(client):
    answers = [client.get(f"/share/guess{n}/").status_code for n in range(30)]

    assert answers == [404] * 30
    assert client.get("/share/guess-31/").status_code == 429
    # Another address is not held back.
    assert client.get("/share/guess-32/", REMOTE_ADDR="10.0.0.9").status_code == 404


@pytest.mark.django_db
def test_one_token_is_refused_beyond_30_requests_from_any_addresses(client):
    _, raw = make_link()
    answers = [
        client.get(f"/share/{raw}/", REMOTE_ADDR=f"10.0.1.{n}").status_code for n in range(30)
    ]

    assert answers == [200] * 30
    assert client.get(f"/share/{raw}/", REMOTE_ADDR="10.0.2.1").status_code == 429
    _, other = make_link()
    assert client.get(f"/share/{other}/", REMOTE_ADDR="10.0.2.2").status_code == 200


@pytest.mark.django_db
def test_the_counts_start_again_in_the_next_window(rf):
    request = rf.get("/share/x/")
    start = 1_000_000 * share_limits.WINDOW_SECONDS  # a window's first second
    verdicts = [share_limits.check(request, "h", now=start + n) for n in range(31)]

    assert [v.allowed for v in verdicts] == [True] * 30 + [False]
    assert verdicts[-1].retry_after == share_limits.WINDOW_SECONDS - 30
    assert share_limits.check(request, "h", now=start + share_limits.WINDOW_SECONDS).allowed
