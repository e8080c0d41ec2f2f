"""Every error is the one JSON body, and bad input is never a server error."""

import io
import json

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import Client, RequestFactory, override_settings
from rest_framework.test import APIClient

from api import errors
from api.parsers import JSONParser
from api.views import RubricView
from config import errors as site_errors
from partners.models import Partner
from tests.api.conftest import assert_error, session_client, token_client

# -- 404 and 405 anywhere under /api/ --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/", "/api/v2/", "/api/v1/nope/", "/api/v1/partners/a/b/", "/api/v1/teams/1/x/"]
)
def test_unknown_api_addresses_are_a_json_404_for_anyone(path):
    assert_error(Client().get(path), 404, "not_found")


def test_unknown_api_addresses_are_a_json_404_signed_in_too(api):
    assert_error(api.post("/api/v1/nope/", {}), 404, "not_found")


@pytest.mark.django_db
def test_other_unknown_addresses_keep_the_sites_html_page(client_signed_in):
    response = client_signed_in.get("/nowhere/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/"),
        ("put", "/api/v1/rubric/"),
        ("delete", "/api/v1/teams/"),
        ("patch", "/api/v1/partners/"),
        ("post", "/api/v1/assessments/1/"),
    ],
)
def test_a_method_an_endpoint_does_not_have_is_a_json_405(api, world, method, path):
    response = getattr(api, method)(path, {})

    assert_error(response, 405, "method_not_allowed")
    assert method.upper() not in response["Allow"]


def test_a_post_to_a_record_is_a_405_even_for_those_who_may_add_nothing(viewer, world):
    for path in ("/api/v1/partners/acme/", f"/api/v1/integrations/{world.integration.pk}/"):
        response = token_client(viewer).post(path, {})

        assert_error(response, 405, "method_not_allowed")
        assert "POST" not in response["Allow"]


@pytest.mark.django_db
def test_the_schema_and_docs_refuse_writes_in_json(lead):
    assert_error(APIClient().post("/api/schema/", {}), 405, "method_not_allowed")
    refused = session_client(lead).post("/api/docs/", {})
    assert_error(refused, 405, "method_not_allowed")
    assert refused["Allow"] == "GET, HEAD"


def test_head_and_options_answer(api, world):
    assert api.head("/api/v1/partners/").status_code == 200
    options = api.options("/api/v1/partners/")
    assert options.status_code == 200
    assert options.json()["name"] == "Partner List"


# -- 413 --------------------------------------------------------------------------------------


@override_settings(API_MAX_BODY_BYTES=1024)
def test_a_body_over_the_limit_is_a_413_before_it_is_read(api, world):
    response = api.post("/api/v1/partners/", {"name": "Big", "description": "x" * 2000})

    body = assert_error(response, 413, "too_large")
    assert body["detail"] == "The request body is larger than the limit of 1 KB."
    assert not Partner.objects.filter(name="Big").exists()


@override_settings(API_MAX_BODY_BYTES=1024)
@pytest.mark.django_db
def test_the_size_is_checked_before_authentication():
    response = APIClient().post("/api/v1/partners/", {"description": "x" * 2000})

    assert_error(response, 413, "too_large")


@override_settings(API_MAX_BODY_BYTES=1024)
def test_a_body_longer_than_it_declared_is_cut_at_what_it_declared(api, world):
    # Django reads no further than Content-Length: the rest is not the request's.
    response = api.generic(
        "POST",
        "/api/v1/partners/",
        json.dumps({"name": "Big", "description": "x" * 2000}),
        content_type="application/json",
        CONTENT_LENGTH="100",
    )

    assert_error(response, 400, "parse_error")
    assert not Partner.objects.filter(name="Big").exists()


@override_settings(API_MAX_BODY_BYTES=1024)
def test_the_parser_stops_reading_at_the_limit_whatever_was_declared():
    # A server that passes a chunked body through declares no length: the parser's own
    # limit is then all that stands between the body and memory.
    stream = io.BytesIO(json.dumps({"description": "x" * 100_000}).encode())

    with pytest.raises(errors.PayloadTooLarge):
        JSONParser().parse(stream, "application/json", {})
    assert stream.tell() == 1024 + 1


def test_djangos_own_upload_limit_is_a_413_too():
    # The API's parser reads the body itself, so only code that reads request.body
    # would meet Django's DATA_UPLOAD_MAX_MEMORY_SIZE: it is answered alike.
    response = errors.exception_handler(RequestDataTooBig("too big"), {})

    assert response.status_code == 413
    assert response.data["code"] == "too_large"


def test_the_bad_request_handler_answers_413_for_a_body_too_big_outside_the_views():
    request = RequestFactory().post("/api/v1/partners/")

    response = site_errors.bad_request(request, RequestDataTooBig("too big"))

    assert_error(response, 413, "too_large")


def test_the_bad_request_handler_keeps_the_sites_page_elsewhere(rf):
    response = site_errors.bad_request(rf.get("/partners/"), Exception("bad"))

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


# -- 415 and 400: what the body may be ----------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("text/plain", "name=Beta"),
        ("application/x-www-form-urlencoded", "name=Beta"),
        ("multipart/form-data; boundary=xx", "--xx\r\n"),
        ("application/xml", "<name>Beta</name>"),
    ],
)
def test_a_body_that_is_not_json_is_a_415(api, world, content_type, data):
    response = api.generic("POST", "/api/v1/partners/", data, content_type=content_type)

    assert_error(response, 415, "unsupported_media_type")
    assert not Partner.objects.filter(name="Beta").exists()


@pytest.mark.parametrize(
    "raw",
    [
        b"{bad",
        b"",
        b"null",
        b"[]",
        b'"Beta"',
        b"42",
        b'{"name": NaN}',
        b'{"name": Infinity}',
        b'{"name": 1e400}',
        b"\xff\xfe{}",
        b'{"name": "\\ud800"}',
        b'{"name": "Beta", "description": "\\udfff"}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"name": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5000 + b"}",
        b'{"name": "Beta", "version": ' + b"9" * 5000 + b"}",
        b'{"name": "\\u0000"}',
        b'{"name": "Beta"}{"name": "Gamma"}',
    ],
)
def test_malformed_or_nonsensical_json_is_a_400(api, world, raw):
    response = api.generic("POST", "/api/v1/partners/", raw, content_type="application/json")

    assert_error(response, 400)
    assert Partner.objects.count() == 1


def test_a_parse_error_says_what_is_wrong(api, world):
    response = api.generic("POST", "/api/v1/partners/", b"{bad", content_type="application/json")

    body = assert_error(response, 400, "parse_error")
    assert body["detail"].startswith("The body is not valid JSON: Expecting property name")


def test_field_errors_use_dotted_paths_and_general_ones_the_detail(api, world):
    response = api.post("/api/v1/assessments/", {"integration": world.integration.pk, "steps": {}})
    body = assert_error(response, 400, "invalid")
    assert "steps.support" in body["errors"]
    assert body["detail"].startswith("Some fields are not valid")

    top_level = api.generic("POST", "/api/v1/partners/", b"[]", content_type="application/json")
    body = assert_error(top_level, 400, "invalid")
    assert body["detail"] == "Invalid data. Expected a dictionary, but got list."
    assert "errors" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/partners/?page=" + "9" * 40,
        "/api/v1/partners/?page_size=" + "9" * 40,
        "/api/v1/partners/?q=%00",
        "/api/v1/partners/?q=%ED%A0%80",
        "/api/v1/integrations/?team=-1",
        "/api/v1/integrations/?owner=%00",
        "/api/v1/integrations/?sort=-",
        "/api/v1/assessments/?integration=-5",
        "/api/v1/assessments/?rated_after=%00",
        "/api/v1/teams/" + "9" * 40 + "/",
        "/api/v1/assessments/" + "9" * 40 + "/",
    ],
)
def test_junk_in_addresses_is_never_a_server_error(api, world, path):
    response = api.get(path)

    assert response.status_code in (200, 400, 404), (path, response.status_code)
    if response.status_code != 200:
        assert_error(response, response.status_code)


# -- 429 --------------------------------------------------------------------------------------


@override_settings(API_WRITE_RATE="2/minute")
def test_writes_over_the_rate_are_a_429_with_retry_after(api, world, pm):
    for name in ("One", "Two"):
        assert api.post("/api/v1/partners/", {"name": name}).status_code == 201

    response = api.post("/api/v1/partners/", {"name": "Three"})

    body = assert_error(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60
    assert body["detail"].startswith("Too many changes in a short time (the limit is 2/minute)")
    assert not Partner.objects.filter(name="Three").exists()
    # Reads go on, and the limit is per user.
    assert api.get("/api/v1/partners/").status_code == 200
    assert token_client(pm).post("/api/v1/partners/", {"name": "Four"}).status_code == 201


@override_settings(API_WRITE_RATE="1/minute")
def test_the_limit_counts_a_user_across_tokens_and_the_session(lead, world):
    assert token_client(lead).post("/api/v1/partners/", {"name": "One"}).status_code == 201

    assert_error(token_client(lead).post("/api/v1/partners/", {"name": "Two"}), 429)
    assert_error(session_client(lead).post("/api/v1/partners/", {"name": "Two"}), 429)


def test_the_rate_is_read_when_the_request_comes(api, world, settings):
    settings.API_WRITE_RATE = "1/hour"
    assert api.post("/api/v1/partners/", {"name": "One"}).status_code == 201
    assert_error(api.post("/api/v1/partners/", {"name": "Two"}), 429)

    settings.API_WRITE_RATE = "100/hour"
    assert api.post("/api/v1/partners/", {"name": "Two"}).status_code == 201


# -- 500 --------------------------------------------------------------------------------------


def test_a_server_error_under_api_is_json(api, world, monkeypatch):
    def broken(self, request):
        raise RuntimeError("a bug")

    monkeypatch.setattr(RubricView, "get", broken)
    api.raise_request_exception = False

    response = api.get("/api/v1/rubric/")

    body = assert_error(response, 500, "server_error")
    assert "a bug" not in body["detail"]


def test_a_server_error_elsewhere_keeps_the_sites_page(rf):
    response = site_errors.server_error(rf.get("/partners/"))

    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    assert response["Content-Type"].startswith("text/html")


@override_settings(API_WRITE_RATE="1/minute")
def test_refused_methods_do_not_count_as_writes(api, world):
    for _ in range(3):
        assert_error(api.delete("/api/v1/partners/acme/"), 405)

    assert api.post("/api/v1/partners/", {"name": "One"}).status_code == 201
