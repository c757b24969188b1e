"""The OpenAPI document says what the responses are: decimals as strings, the live stream as text."""
from services.gateway import api  # noqa: F401  (registers the routes)
from services.gateway.openapi import openapi_document


def _properties(document):
    for name, schema in document["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            yield name, field, prop


def test_no_property_is_declared_a_number_where_the_api_sends_a_decimal_string():
    numbers = [(name, field) for name, field, prop in _properties(openapi_document())
               if prop.get("type") == "number"]
    assert numbers == []


def test_rates_and_money_are_decimal_strings():
    schemas = openapi_document()["components"]["schemas"]
    assert schemas["EmployerOut"]["properties"]["employer_rate"] == {"type": "string", "format": "decimal"}
    assert schemas["MemberOut"]["properties"]["base"]["type"] == "string"


def test_the_live_stream_is_text_not_a_binary_file():
    events = openapi_document()["paths"]["/api/v1/tasks/{task_id}/events"]["get"]["responses"]["200"]
    schema = events["content"]["text/event-stream"]["schema"]
    assert schema["type"] == "string" and "format" not in schema
