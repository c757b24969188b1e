"""The AsyncAPI 3 document of the bus: every RPC and every event, read from the services' own
entrypoints (so it cannot drift from them) and from the payload schemas each service publishes
(`PUBLISHED` in its schemas module)."""
import importlib
import inspect

from apispec.ext.marshmallow import OpenAPIConverter
from nameko.events import EventHandler
from nameko.rpc import Rpc

from shared.runner import SERVICES, service_class
from shared.tasks import TASKS_EXCHANGE, TaskSnapshotSchema

_CONVERTER = OpenAPIConverter(openapi_version="3.0.3", schema_name_resolver=lambda schema: None, spec=None)


def published_events():
    """{(source service, event type): payload schema} of every service."""
    events = {}
    for service in SERVICES:
        try:
            module = importlib.import_module(f"services.{service}.schemas")
        except ModuleNotFoundError:
            continue
        for event_type, schema in getattr(module, "PUBLISHED", {}).items():
            events[(service, event_type)] = schema
    return events


def entrypoints(service):
    """(rpc methods {name: [argument names]}, event handlers [(source, event type, method)]) of a service."""
    rpcs, handlers = {}, []
    for name, method in inspect.getmembers(service_class(service), inspect.isfunction):
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if isinstance(entrypoint, Rpc):
                rpcs[name] = [p for p in inspect.signature(method).parameters if p != "self"]
            elif isinstance(entrypoint, EventHandler):
                handlers.append((entrypoint.source_service, entrypoint.event_type, name))
    return rpcs, handlers


def _payload(schema):
    return _CONVERTER.schema2jsonschema(schema())


def asyncapi_document():
    channels, operations, messages = {}, {}, {}
    for (source, event_type), schema in sorted(published_events().items()):
        key = f"{source}.{event_type}"
        messages[key] = {"name": event_type, "title": (schema.__doc__ or "").strip().splitlines()[0],
                         "payload": _payload(schema)}
        channels[key] = {"address": f"{source}.events/{event_type}",
                         "description": f"exchange {source}.events (topic), routing key {event_type}",
                         "messages": {event_type: {"$ref": f"#/components/messages/{key}"}}}
        operations[f"{source}.publish.{event_type}"] = {"action": "send", "channel": {"$ref": f"#/channels/{key}"}}
    channels["tasks"] = {"address": f"{TASKS_EXCHANGE}/task_changed",
                         "description": "every task's full snapshots (the task contract)",
                         "messages": {"task_changed": {"$ref": "#/components/messages/task_changed"}}}
    messages["task_changed"] = {"name": "task_changed", "payload": _payload(TaskSnapshotSchema)}
    for service in SERVICES:
        rpcs, handlers = entrypoints(service)
        for source, event_type, method in handlers:
            operations[f"{service}.{method}"] = {
                "action": "receive", "channel": {"$ref": f"#/channels/{source}.{event_type}"},
                "summary": f"{service} 处理 {source} 的 {event_type}"}
        if rpcs:
            channels[f"rpc.{service}"] = {"address": f"nameko-rpc/{service}.*",
                                          "description": f"RPC of the {service} service (queue rpc-{service})"}
        for method, arguments in sorted(rpcs.items()):
            operations[f"{service}.{method}"] = {
                "action": "receive", "channel": {"$ref": f"#/channels/rpc.{service}"},
                "summary": f"RPC {service}.{method}({', '.join(arguments)})",
                "reply": {"channel": {"$ref": f"#/channels/rpc.{service}"}},
                "x-arguments": arguments}
    return {"asyncapi": "3.0.0",
            "info": {"title": "住房公积金单位网厅 消息总线", "version": "1.0.0",
                     "description": "RabbitMQ (nameko): RPC per service, events per source service, task snapshots"},
            "channels": channels, "operations": operations, "components": {"messages": messages}}
