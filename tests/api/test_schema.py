"""The OpenAPI schema (/api/schema/) and the documentation page (/api/docs/)."""

import re
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

from api.serializers import ErrorSerializer
from partners.filters import IntegrationFilter
from partners.models import ValueKind
from scorecard import rubric
from tests.api.conftest import session_client
from tests.pages import json_script

ERROR_REF = {"$ref": "#/components/schemas/Error"}
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_the_schema_is_public_openapi_3_json(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Partnership Scorecard API"


@pytest.mark.django_db
def test_the_schema_comes_as_yaml_when_asked():
    response = Client().get("/api/schema/", {"format": "yaml"})

    assert response.status_code == 200
    assert yaml.safe_load(response.content)["openapi"].startswith("3.")


@pytest.mark.django_db
def test_the_schema_validates_without_warnings():
    out = StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out, stderr=out)

    assert yaml.safe_load(out.getvalue())["paths"]


def test_the_schema_documents_every_resource(schema):
    assert set(schema["paths"]) == {
        "/api/v1/",
        "/api/v1/rubric/",
        "/api/v1/teams/",
        "/api/v1/teams/{id}/",
        "/api/v1/partners/",
        "/api/v1/partners/{slug}/",
        "/api/v1/integrations/",
        "/api/v1/integrations/{id}/",
        "/api/v1/integrations/{integration_pk}/plans/",
        "/api/v1/integrations/{integration_pk}/plans/{category}/",
        "/api/v1/integrations/{integration_pk}/hurdles/",
        "/api/v1/hurdles/{id}/",
        "/api/v1/assessments/",
        "/api/v1/assessments/{id}/",
        "/api/v1/tokens/",
        "/api/v1/tokens/{id}/",
        "/api/v1/reviews/",
        "/api/v1/reviews/{id}/",
        "/api/v1/reviews/{id}/open/",
        "/api/v1/reviews/{id}/close/",
        "/api/v1/reviews/{id}/assignments/",
        "/api/v1/reviews/{id}/assignments/{assignment_pk}/rating/",
    }


def test_every_operation_documents_its_errors_with_the_error_body(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        where = f"{method.upper()} {path}"
        parameters_of = {parameter["name"] for parameter in operation.get("parameters", [])}
        # Creating a token signs in with a password in the body: it takes no token or
        # session (a leaked token must not mint more), and refuses a wrong password with 401.
        signs_in = (path, method) == ("/api/v1/tokens/", "post")
        assert {"401", "403"} <= set(responses), where
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                assert response["content"]["application/json"]["schema"] == ERROR_REF, where
                assert response["description"], where
        if "{" in path:
            assert "404" in responses, where
        if "parameters" in operation and method == "get" and "{" not in path:  # a list
            assert {"400", "404"} <= set(responses), where
        if method in {"post", "put", "patch"}:
            assert {"400", "413", "415", "429"} <= set(responses), where
        if method in {"put", "patch"} or (method == "delete" and "version" in parameters_of):
            assert "409" in responses, where
        expected_security = [{}] if signs_in else [{"tokenAuth": []}, {"cookieAuth": []}]
        assert operation["security"] == expected_security, where


def test_the_schema_offers_only_the_methods_the_api_has(schema):
    offered = {(path, method) for path, method, _operation in operations(schema)}

    assert offered == {
        ("/api/v1/", "get"),
        ("/api/v1/rubric/", "get"),
        ("/api/v1/teams/", "get"),
        ("/api/v1/teams/{id}/", "get"),
        ("/api/v1/partners/", "get"),
        ("/api/v1/partners/", "post"),
        ("/api/v1/partners/{slug}/", "get"),
        ("/api/v1/partners/{slug}/", "put"),
        ("/api/v1/partners/{slug}/", "patch"),
        ("/api/v1/integrations/", "get"),
        ("/api/v1/integrations/", "post"),
        ("/api/v1/integrations/{id}/", "get"),
        ("/api/v1/integrations/{id}/", "put"),
        ("/api/v1/integrations/{id}/", "patch"),
        ("/api/v1/integrations/{integration_pk}/plans/", "get"),
        ("/api/v1/integrations/{integration_pk}/plans/{category}/", "get"),
        ("/api/v1/integrations/{integration_pk}/plans/{category}/", "put"),
        ("/api/v1/integrations/{integration_pk}/plans/{category}/", "delete"),
        ("/api/v1/integrations/{integration_pk}/hurdles/", "get"),
        ("/api/v1/integrations/{integration_pk}/hurdles/", "post"),
        ("/api/v1/hurdles/{id}/", "get"),
        ("/api/v1/hurdles/{id}/", "put"),
        ("/api/v1/hurdles/{id}/", "patch"),
        ("/api/v1/hurdles/{id}/", "delete"),
        ("/api/v1/assessments/", "get"),
        ("/api/v1/assessments/", "post"),
        ("/api/v1/assessments/{id}/", "get"),
        ("/api/v1/tokens/", "get"),
        ("/api/v1/tokens/", "post"),
        ("/api/v1/tokens/{id}/", "delete"),
        ("/api/v1/reviews/", "get"),
        ("/api/v1/reviews/", "post"),
        ("/api/v1/reviews/{id}/", "get"),
        ("/api/v1/reviews/{id}/open/", "post"),
        ("/api/v1/reviews/{id}/close/", "post"),
        ("/api/v1/reviews/{id}/assignments/", "get"),
        ("/api/v1/reviews/{id}/assignments/", "post"),
        ("/api/v1/reviews/{id}/assignments/{assignment_pk}/rating/", "post"),
    }
    # No operation answers 405: that is said once, in the index's description.
    assert not any("405" in op["responses"] for _path, _method, op in operations(schema))
    assert "405" in schema["paths"]["/api/v1/"]["get"]["description"]


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["options", "post", "delete"])
def test_the_schema_is_only_read(method):
    response = getattr(Client(), method)("/api/schema/")

    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "method_not_allowed"
    assert response["Allow"] == "GET, HEAD"


def test_the_error_body_component_matches_the_serializer(schema):
    error = schema["components"]["schemas"]["Error"]

    assert set(error["properties"]) == set(ErrorSerializer().fields)
    assert error["required"] == ["code", "detail"]


def parameters(schema, path, method="get"):
    return {p["name"]: p for p in schema["paths"][path][method].get("parameters", [])}


def test_the_integration_list_documents_the_dashboards_parameters(schema):
    documented = parameters(schema, "/api/v1/integrations/")

    assert set(documented) == {*IntegrationFilter.base_filters, "page", "page_size"}
    assert documented["status"]["schema"]["enum"] == ["building", "idea", "live", "retired"]
    assert "-total" in documented["sort"]["schema"]["enum"]
    assert all(p["description"] for p in documented.values())
    assert documented["page"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 999999999}
    assert documented["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100}


def test_list_filters_are_documented(schema):
    assert set(parameters(schema, "/api/v1/partners/")) == {
        "q",
        "relationship_status",
        "sort",
        "page",
        "page_size",
    }
    assessments = parameters(schema, "/api/v1/assessments/")
    assert set(assessments) == {
        "integration",
        "rated_after",
        "rated_before",
        "sort",
        "page",
        "page_size",
    }
    # As the filter checks it (found by the fuzz run: 0 was a 400 the schema did not predict).
    assert assessments["integration"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 2**63 - 1,
    }


def test_optional_query_parameters_allow_an_empty_value(schema):
    """An empty value is as if the parameter were not given (django-filter's rule, which
    the dashboard's links rely on); the schema says so, or a client (and the fuzz run)
    would expect ?rated_before= to be refused."""
    query = [
        (path, parameter)
        for path, _method, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    ]

    assert len(query) > 20
    for path, parameter in query:
        assert parameter.get("allowEmptyValue") is True, (path, parameter["name"])


def test_bodies_are_documented_and_the_rating_body_is_closed(schema):
    components = schema["components"]["schemas"]
    rate = schema["paths"]["/api/v1/assessments/"]["post"]["requestBody"]

    assert rate["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AssessmentCreateRequest"
    }
    assert components["AssessmentCreateRequest"]["required"] == ["integration", "steps"]
    assert components["StepsRequest"]["additionalProperties"] is False
    assert len(components["StepsRequest"]["required"]) == 5
    assert components["StepsRequest"]["properties"]["support"]["maximum"] == 3
    assert "version" in components["PatchedIntegrationRequest"]["properties"]
    assert components["Integration"]["properties"]["scorecard"]["nullable"] is True


def test_the_value_exchange_plans_and_hurdles_are_documented(schema):
    components = schema["components"]["schemas"]
    integration = components["Integration"]["properties"]
    request = components["PatchedIntegrationRequest"]["properties"]
    value_kinds = {"$ref": "#/components/schemas/ValueKindEnum"}

    for side in ("partner_gets", "we_get"):
        assert request[side]["items"] == value_kinds
        assert request[side]["uniqueItems"] is True
    assert components["ValueKindEnum"]["enum"] == list(ValueKind.values)
    assert request["api_notice_days"]["maximum"] == 3650
    assert request["api_notice_days"]["nullable"] is True
    for name in ("built_by", "hosted_by", "supported_by", "support_terms"):
        assert request[name]["description"], name
    assert integration["warnings"]["items"] == {"$ref": "#/components/schemas/Warning"}
    assert integration["behind_plan"]["items"] == {"$ref": "#/components/schemas/CategoryEnum"}
    assert components["CategoryEnum"]["enum"] == list(rubric.CATEGORY_KEYS)
    assert "plans" not in integration
    detail = components["IntegrationDetail"]["properties"]
    assert detail["plans"]["items"] == {"$ref": "#/components/schemas/Plan"}
    plan = components["Plan"]["properties"]
    assert plan["target_status"]["nullable"] is True
    assert components["TargetStatusEnum"]["enum"] == ["behind", "on_track", "met"]
    assert (plan["target_step"]["minimum"], plan["target_step"]["maximum"]) == (2, 3)
    assert components["PlanRequest"]["properties"]["version"]["minimum"] == 0
    assert set(components["HurdleRequest"]["required"]) == {"kind", "category", "description"}
    put_plan = schema["paths"]["/api/v1/integrations/{integration_pk}/plans/{category}/"]["put"]
    assert {"200", "201", "409"} <= set(put_plan["responses"])
    (category,) = [p for p in put_plan["parameters"] if p["name"] == "category"]
    assert sorted(category["schema"]["enum"]) == sorted(rubric.CATEGORY_KEYS)


def test_the_token_scheme_is_bearer(schema):
    assert schema["components"]["securitySchemes"]["tokenAuth"]["scheme"] == "bearer"


def test_the_error_examples_have_the_error_bodys_shape(schema):
    properties = set(schema["components"]["schemas"]["Error"]["properties"])
    for path, _method, operation in operations(schema):
        for code, response in operation["responses"].items():
            if code.startswith("4"):
                (example,) = response["content"]["application/json"]["examples"].values()
                assert {"detail", "code"} <= set(example["value"]) <= properties, (path, code)


# -- the documentation page --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_docs_page_asks_anonymous_visitors_to_sign_in():
    response = Client().get("/api/docs/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/api/docs/"


def test_the_docs_page_starts_swagger_ui_from_static_files(viewer):
    response = session_client(viewer).get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    config = json_script(response, "api-docs-config")
    assert config["schemaUrl"] == "/api/schema/"
    assert config["csrfHeader"] == "X-CSRFTOKEN"
    assert config["csrfToken"]
    scripts = re.findall(r"<script\b([^>]*)>", html)
    # Every script is a file of ours, apart from the JSON data block.
    assert all('src="/static/' in attrs or 'type="application/json"' in attrs for attrs in scripts)
    assert 'src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"' in html
    assert 'src="/static/js/api-docs.js"' in html
    assert "<style" not in html
    assert " style=" not in html


def test_the_docs_page_is_for_members(loner):
    response = session_client(loner).get("/api/docs/")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


def test_the_partner_view_and_seen_differently_are_documented(schema):
    components = schema["components"]["schemas"]
    integration = components["Integration"]["properties"]

    field = integration["partner_view"]
    assert field["nullable"] is True
    ref = next(item["$ref"] for item in field.get("allOf", [field]) if "$ref" in item)
    view = components[ref.rsplit("/", 1)[-1]]
    assert set(view["properties"]) == {"steps", "total", "rated_at", "contact_name"}
    assert view["properties"]["total"]["maximum"] == 15
    assert "seen_differently" in components["AttentionReasonEnum"]["enum"]
