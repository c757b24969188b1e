"""The bus document covers every RPC and every event, checked against the services' real code."""
import re
from pathlib import Path

from services.gateway.asyncapi import asyncapi_document, entrypoints, published_events
from shared.config import ROOT
from shared.runner import SERVICES

# how a service emits an event: dispatched at once, or stored in its outbox first
_EMITTED = re.compile(r"""(?:dispatch|add_event)\(\s*(?:self\.db,\s*|session,\s*)?"([a-z_]+)\"""")


def test_every_rpc_of_every_service_is_an_operation():
    operations = asyncapi_document()["operations"]
    for service in SERVICES:
        rpcs, _ = entrypoints(service)
        for method, arguments in rpcs.items():
            assert operations[f"{service}.{method}"]["x-arguments"] == arguments


def test_every_event_a_service_handles_has_a_published_payload():
    published = published_events()
    for service in SERVICES:
        _, handlers = entrypoints(service)
        for source, event_type, method in handlers:
            assert (source, event_type) in published, f"{service}.{method} handles {source}.{event_type}: publish its schema"


def test_every_event_a_service_emits_is_published():
    published = published_events()
    for service in SERVICES:
        code = "\n".join(p.read_text() for p in Path(ROOT, "services", service).glob("*.py"))
        for event_type in set(_EMITTED.findall(code)):
            assert (service, event_type) in published, f"{service} emits {event_type}: add it to its PUBLISHED schemas"


def test_the_document_is_asyncapi_3_with_resolvable_references():
    document = asyncapi_document()
    assert document["asyncapi"] == "3.0.0"
    for name, operation in document["operations"].items():
        assert operation["action"] in ("send", "receive")
        channel = operation["channel"]["$ref"].removeprefix("#/channels/")
        assert channel in document["channels"], name
    for channel in document["channels"].values():
        for message in channel.get("messages", {}).values():
            assert message["$ref"].removeprefix("#/components/messages/") in document["components"]["messages"]
    assert document["components"]["messages"]["accounts.members_opened"]["payload"]["properties"]["members"]
