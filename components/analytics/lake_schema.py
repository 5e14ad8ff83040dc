"""The data lake's event table, derived from the shared domain event schemas.

Firehose writes the whole EventBridge event (as it arrives through Kinesis) as one Parquet
row. Its top-level keys become columns (``detail-type`` and ``time`` renamed, since Glue
column names cannot hold ``-`` and ``time`` is a reserved word), and ``detail`` becomes a
struct holding the union of every event type's fields. One table serves Firehose's Parquet
conversion, the Glue catalog and the tests of the named queries, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from functions.shared.events import COMMON, EVENT_TYPES, SCHEMAS, Field


@dataclass(frozen=True)
class Column:
    """One Glue column: name, Hive type, and the JSON key it is read from."""

    name: str
    type: str
    json_key: str | None = None
    comment: str = ""


def _hive_type(spec: Field) -> str:
    types = set(spec.types)
    if types == {bool}:
        return "boolean"
    if types == {int}:
        return "bigint"
    if types <= {int, float}:
        return "double"
    return "string"


def detail_fields() -> dict[str, str]:
    """Every field any event type's ``detail`` may carry, with its Hive type (sorted)."""
    fields: dict[str, str] = {name: _hive_type(spec) for name, spec in COMMON.items()}
    for schema in SCHEMAS.values():
        for name, spec in schema.items():
            kind = _hive_type(spec)
            # A field two event types type differently is widened to what holds both.
            if fields.get(name, kind) != kind:
                kind = "double" if {fields[name], kind} <= {"bigint", "double"} else "string"
            fields[name] = kind
    return dict(sorted(fields.items()))


def detail_struct() -> str:
    """The Hive type of the ``detail`` column."""
    return "struct<" + ",".join(f"{n}:{t}" for n, t in detail_fields().items()) + ">"


COLUMNS: tuple[Column, ...] = (
    Column("version", "string", comment="EventBridge envelope version"),
    Column("id", "string", comment="EventBridge event id"),
    Column("detail_type", "string", "detail-type", "the domain event type"),
    Column("source", "string", comment="producer (marketplace.listings)"),
    Column("account", "string"),
    Column("event_time", "string", "time", "ISO-8601 time EventBridge received the event"),
    Column("region", "string"),
    Column("resources", "array<string>"),
    Column("detail", detail_struct(), comment="the domain event envelope"),
)

# Partition keys: Firehose's dynamic partitioning writes exactly these path segments.
PARTITION_KEYS: tuple[Column, ...] = (
    Column("event_type", "string", comment="detail-type of the events in the partition"),
    Column("dt", "string", comment="UTC date of the event, yyyy-MM-dd"),
    Column("hour", "string", comment="UTC hour of the event, 00-23"),
)
EVENTS_PREFIX = "events/"
PARTITION_TEMPLATE = "event_type=${event_type}/dt=${dt}/hour=${hour}/"
FIREHOSE_PREFIX = (EVENTS_PREFIX + "event_type=!{partitionKeyFromQuery:event_type}/"
                   "dt=!{partitionKeyFromQuery:dt}/hour=!{partitionKeyFromQuery:hour}/")
ERROR_PREFIX = "errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/"
# JQ over the EventBridge event: type from detail-type, date and hour from its UTC time.
PARTITION_QUERY = '{event_type: ."detail-type", dt: .time[0:10], hour: .time[11:13]}'
PROJECTION_START = "2025-01-01"


def column_names() -> set[str]:
    """Every column a query may reference: top-level, partition keys and ``detail`` fields."""
    names = {c.name for c in (*COLUMNS, *PARTITION_KEYS)}
    return names | set(detail_fields())


def json_key_mappings() -> dict[str, str]:
    """Column -> JSON key for columns renamed from the event's keys (OpenX JSON SerDe)."""
    return {c.name: c.json_key for c in COLUMNS if c.json_key}


def projection_parameters(bucket: str) -> dict[str, str]:
    """Glue table parameters for partition projection over Firehose's prefixes."""
    return {
        "projection.enabled": "true",
        "projection.event_type.type": "enum",
        "projection.event_type.values": ",".join(EVENT_TYPES),
        "projection.dt.type": "date",
        "projection.dt.format": "yyyy-MM-dd",
        "projection.dt.range": f"{PROJECTION_START},NOW",
        "projection.dt.interval": "1",
        "projection.dt.interval.unit": "DAYS",
        "projection.hour.type": "integer",
        "projection.hour.range": "0,23",
        "projection.hour.digits": "2",
        "storage.location.template": f"s3://{bucket}/{EVENTS_PREFIX}{PARTITION_TEMPLATE}",
        "classification": "parquet",
        "parquet.compression": "SNAPPY",
        "EXTERNAL": "TRUE",
    }
