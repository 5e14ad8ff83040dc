"""Building Kinesis batches of EventBridge domain events from AWS's sample payloads."""

from __future__ import annotations

import base64
import copy
import json
import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from functions.shared.events import SOURCE, envelope

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "analytics"
NAMESPACE = "marketplace/test"

# What the Lambda runtime and LambdaFunction give the handlers; set before they are imported.
ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE,
    "POWERTOOLS_SERVICE_NAME": "analytics-test",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}


def set_environment() -> None:
    """Apply :data:`ENVIRONMENT` (without overriding what the developer set)."""
    for key, value in ENVIRONMENT.items():
        os.environ.setdefault(key, value)


def fixture(name: str) -> dict[str, Any]:
    """One of the project's copies of AWS's sample payloads."""
    return json.loads((FIXTURES / name).read_text())


def eventbridge_event(event_type: str, fields: Mapping[str, Any], *, time: str,
                      event_id: str | None = None) -> dict[str, Any]:
    """An EventBridge event as the analytics rule puts it into Kinesis."""
    template = fixture("eventbridge-scheduled-event.json")
    when = datetime.fromisoformat(time.replace("Z", "+00:00"))
    return {
        **template,
        "id": f"eb-{event_id or event_type}",
        "detail-type": event_type,
        "source": SOURCE,
        "time": time,
        "region": "us-east-1",
        "resources": [],
        "detail": envelope(event_type, fields, now=when, event_id=event_id),
    }


def encode(event: Mapping[str, Any] | bytes | str) -> str:
    """Base64 of the JSON of ``event`` (bytes/str are encoded as they are)."""
    raw = event if isinstance(event, bytes) else (
        event.encode() if isinstance(event, str) else json.dumps(event).encode())
    return base64.b64encode(raw).decode()


def kinesis_batch(datas: Iterable[str], *, fixture_name: str = "kinesis-event.json",
                  **top_level: Any) -> dict[str, Any]:
    """A Kinesis event whose records carry ``datas`` (base64), numbered sequence numbers."""
    sample = fixture(fixture_name)
    template = sample["Records"][0]
    records = []
    for index, data in enumerate(datas):
        record = copy.deepcopy(template)
        sequence = f"4959033827149025660855969253836157109592157598913{index:07d}"
        record["kinesis"]["data"] = data
        record["kinesis"]["sequenceNumber"] = sequence
        record["eventID"] = f"{record['eventID'].split(':')[0]}:{sequence}"
        records.append(record)
    event = {k: v for k, v in sample.items() if k != "Records"}
    event.update(top_level)
    event["Records"] = records
    return event


class Context:
    """The Lambda context attributes Powertools and the handlers read."""

    function_name = "analytics-test"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:analytics-test"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name = "/aws/lambda/analytics-test"
    log_stream_name = "2026/11/28/[$LATEST]abcdef"

    def __init__(self, remaining_ms: int = 60_000) -> None:
        self._remaining = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._remaining


def emf_lines(output: str) -> list[dict[str, Any]]:
    """The EMF documents printed to stdout."""
    docs = []
    for raw in output.splitlines():
        line = raw.strip()
        if line.startswith("{") and '"_aws"' in line:
            docs.append(json.loads(line))
    return docs


def emf_values(docs: Iterable[Mapping[str, Any]]) -> dict[tuple[str, tuple[tuple[str, str], ...]],
                                                          float]:
    """(metric, sorted dimensions) -> summed value over EMF documents."""
    values: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for doc in docs:
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            for dims in directive["Dimensions"]:
                key_dims = tuple(sorted((d, str(doc[d])) for d in dims))
                for metric in directive["Metrics"]:
                    raw = doc[metric["Name"]]
                    total = sum(raw) if isinstance(raw, list) else raw
                    key = (metric["Name"], key_dims)
                    values[key] = values.get(key, 0.0) + float(total)
    return values
