"""Files cross the bus as {filename, content_type, content_base64} (JSON carries no bytes);
the gateway turns such a payload into a download."""
import base64

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def file_payload(filename, content_type, content, **extra):
    return {"filename": filename, "content_type": content_type,
            "content_base64": base64.b64encode(content).decode("ascii"), **extra}


def file_content(payload):
    return base64.b64decode(payload["content_base64"])
