"""The OpenAPI schema is valid, complete and says how each endpoint authenticates."""

import pytest
import yaml
from django.core.management import call_command


def test_the_schema_validates_without_warnings_and_names_the_security_schemes(tmp_path):
    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    schema = yaml.safe_load(path.read_text())
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ClientToken"]["name"] == "Authorization"
    assert schemes["SignedRequest"]["name"] == "X-Sportello-Signature"
    paths = schema["paths"]
    assert paths["/api/v1/queue/"]["get"]["security"] == [{"ClientToken": []}]
    assert paths["/api/v1/telephony/calls/"]["post"]["security"] == [{"SignedRequest": []}]


@pytest.mark.parametrize("path", ["/api/v1/status/", "/api/v1/queue/", "/api/v1/telephony/calls/"])
def test_every_endpoint_is_in_the_schema(client, path):
    assert path in client.get("/api/schema/?format=json").json()["paths"]
