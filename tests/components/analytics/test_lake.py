"""The data lake, Firehose's Parquet delivery, and the Glue/Athena catalog over it."""

from __future__ import annotations

import re

from components.analytics.kpi_queries import QUERIES
from components.analytics.lake_schema import COLUMNS, PARTITION_KEYS, column_names
from functions.shared.events import EVENT_TYPES
from tests.components.analytics.support import (
    BUCKET,
    FIREHOSE,
    GLUE_DB,
    GLUE_TABLE,
    KEY,
    LIFECYCLE,
    LOGGING,
    NAMED_QUERY,
    ROLE_POLICY,
    SSE,
    STREAM,
    WORKGROUP,
    analytics_config,
    prefix,
)
from tests.helpers import policy_document
from tools.mock_runtime import Registry, Resource


def bucket(registry: Registry, stack: str, role: str) -> Resource:
    return registry.named(BUCKET, f"{prefix(stack)}-analytics-data-{role}-bucket")


def of_bucket(registry: Registry, type_: str, stack: str, role: str) -> dict:
    return registry.named(type_, f"{prefix(stack)}-analytics-data-{role}-"
                          + {LIFECYCLE: "lifecycle", SSE: "encryption", LOGGING: "access-logs"}[
                              type_]).inputs


def test_raw_events_age_to_infrequent_access_then_glacier_ir(registry: Registry,
                                                             stack: str) -> None:
    c = analytics_config(stack)
    rules = {r["id"]: r for r in of_bucket(registry, LIFECYCLE, stack, "lake")["rules"]}
    aging = rules["age-raw-events"]
    assert aging["filter"] == {"prefix": "events/"}
    assert aging["transitions"] == [
        {"days": c.lake_ia_days, "storageClass": "STANDARD_IA"},
        {"days": c.lake_glacier_days, "storageClass": "GLACIER_IR"},
    ]
    if c.lake_expiration_days:
        assert aging["expiration"] == {"days": c.lake_expiration_days}
    else:
        assert "expiration" not in aging


def test_athena_results_expire(registry: Registry, stack: str) -> None:
    rules = of_bucket(registry, LIFECYCLE, stack, "athena-results")["rules"]
    (expiry,) = [r for r in rules if r["id"] == "expire-query-results"]
    assert expiry["expiration"] == {"days": analytics_config(stack).athena_results_days}


def test_lake_and_results_use_kms_and_log_to_an_sse_s3_bucket(registry: Registry,
                                                              stack: str) -> None:
    (key,) = [k for k in registry.by_type(KEY) if k.name.endswith("-core-key")]
    for role in ("lake", "athena-results"):
        rule = of_bucket(registry, SSE, stack, role)["rules"][0]
        by_default = rule["applyServerSideEncryptionByDefault"]
        assert by_default == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key.outputs["arn"]}
        logging = of_bucket(registry, LOGGING, stack, role)
        assert logging["targetBucket"] == bucket(registry, stack, "access-logs").outputs["bucket"]
    log_rule = of_bucket(registry, SSE, stack, "access-logs")["rules"][0]
    assert log_rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"


def test_log_bucket_admits_s3_log_delivery_from_this_account_only(registry: Registry,
                                                                  stack: str) -> None:
    policy = registry.named("aws:s3/bucketPolicy:BucketPolicy",
                            f"{prefix(stack)}-analytics-data-access-logs-policy")
    statements = policy_document(policy.inputs["policy"])["Statement"]
    (delivery,) = [s for s in statements if s.get("Sid") == "S3ServerAccessLogsDelivery"]
    log_bucket = bucket(registry, stack, "access-logs").outputs["bucket"]
    assert re.fullmatch(delivery["Resource"].removeprefix("arn:aws:s3:::").replace("*", ".*"),
                        f"{log_bucket}/x")
    assert delivery["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"


def firehose(registry: Registry) -> dict:
    (f,) = registry.by_type(FIREHOSE)
    return f.inputs


def test_firehose_reads_the_stream_and_writes_the_lake_encrypted(registry: Registry,
                                                                 stack: str) -> None:
    (s,) = [r for r in registry.by_type(STREAM) if "-analytics-" in r.name]
    (key,) = [k for k in registry.by_type(KEY) if k.name.endswith("-core-key")]
    f = firehose(registry)
    assert f["kinesisSourceConfiguration"]["kinesisStreamArn"] == s.outputs["arn"]
    s3 = f["extendedS3Configuration"]
    assert s3["bucketArn"] == bucket(registry, stack, "lake").outputs["arn"]
    assert s3["kmsKeyArn"] == key.outputs["arn"]


def test_firehose_buffers_partitions_and_reports_errors(registry: Registry, stack: str) -> None:
    s3 = firehose(registry)["extendedS3Configuration"]
    c = analytics_config(stack)
    assert s3["bufferingSize"] == c.firehose_buffer_mb >= 64
    assert s3["bufferingInterval"] == c.firehose_buffer_seconds
    assert "!{firehose:error-output-type}" in s3["errorOutputPrefix"]
    assert s3["dynamicPartitioningConfiguration"]["enabled"] is True
    (processor,) = s3["processingConfiguration"]["processors"]
    params = {p["parameterName"]: p["parameterValue"] for p in processor["parameters"]}
    assert processor["type"] == "MetadataExtraction"
    assert params["JsonParsingEngine"] == "JQ-1.6"
    # Every partition key the prefix uses is extracted by the JQ query.
    used = set(re.findall(r"!\{partitionKeyFromQuery:(\w+)\}", s3["prefix"]))
    assert used == {k.name for k in PARTITION_KEYS}
    assert all(f"{k}:" in params["MetadataExtractionQuery"] for k in used)
    logging = s3["cloudwatchLoggingOptions"]
    assert logging["enabled"] is True
    log_group = registry.named("aws:cloudwatch/logGroup:LogGroup",
                               f"{prefix(stack)}-analytics-delivery-logs")
    assert logging["logGroupName"] == log_group.inputs["name"]
    assert log_group.inputs["kmsKeyId"].startswith("arn:aws:kms:")


def test_parquet_conversion_uses_the_catalog_table(registry: Registry) -> None:
    conversion = firehose(registry)["extendedS3Configuration"]["dataFormatConversionConfiguration"]
    (db,) = registry.by_type(GLUE_DB)
    (table,) = [t for t in registry.by_type(GLUE_TABLE) if t.inputs["name"] == "events"]
    assert conversion["enabled"] is True
    assert conversion["schemaConfiguration"]["databaseName"] == db.outputs["name"]
    assert conversion["schemaConfiguration"]["tableName"] == table.outputs["name"]
    assert "parquetSerDe" in conversion["outputFormatConfiguration"]["serializer"]
    mappings = conversion["inputFormatConfiguration"]["deserializer"]["openXJsonSerDe"][
        "columnToJsonKeyMappings"]
    assert mappings == {c.name: c.json_key for c in COLUMNS if c.json_key}


def test_projection_template_matches_firehose_prefix(registry: Registry) -> None:
    (table,) = [t for t in registry.by_type(GLUE_TABLE) if t.inputs["name"] == "events"]
    params = table.inputs["parameters"]
    s3 = firehose(registry)["extendedS3Configuration"]
    bucket_name = s3["bucketArn"].removeprefix("arn:aws:s3:::")
    firehose_path = re.sub(r"!\{partitionKeyFromQuery:(\w+)\}", r"${\1}", s3["prefix"])
    assert params["storage.location.template"] == f"s3://{bucket_name}/{firehose_path}"
    assert params["projection.enabled"] == "true"
    assert params["projection.event_type.values"].split(",") == list(EVENT_TYPES)
    assert params["projection.dt.format"] == "yyyy-MM-dd"
    assert params["projection.hour.range"] == "0,23"
    assert params["projection.hour.digits"] == "2"


def test_table_columns_come_from_the_event_schemas(registry: Registry) -> None:
    (table,) = [t for t in registry.by_type(GLUE_TABLE) if t.inputs["name"] == "events"]
    sd = table.inputs["storageDescriptor"]
    assert [(c["name"], c["type"]) for c in sd["columns"]] == [(c.name, c.type) for c in COLUMNS]
    assert [k["name"] for k in table.inputs["partitionKeys"]] == [k.name for k in PARTITION_KEYS]
    assert "ParquetHiveSerDe" in sd["serDeInfo"]["serializationLibrary"]
    from functions.shared.events import SCHEMAS

    every_field = {f for schema in SCHEMAS.values() for f in schema}
    assert every_field <= column_names()


def test_workgroup_enforces_encrypted_results_cutoff_and_metrics(registry: Registry,
                                                                 stack: str) -> None:
    (wg,) = registry.by_type(WORKGROUP)
    (key,) = [k for k in registry.by_type(KEY) if k.name.endswith("-core-key")]
    conf = wg.inputs["configuration"]
    assert conf["enforceWorkgroupConfiguration"] is True
    assert conf["publishCloudwatchMetricsEnabled"] is True
    assert conf["bytesScannedCutoffPerQuery"] == (
        analytics_config(stack).athena_bytes_scanned_cutoff_mb * 1024 * 1024)
    result = conf["resultConfiguration"]
    assert result["encryptionConfiguration"] == {"encryptionOption": "SSE_KMS",
                                                 "kmsKeyArn": key.outputs["arn"]}
    results_bucket = bucket(registry, stack, "athena-results").outputs["bucket"]
    assert result["outputLocation"].startswith(f"s3://{results_bucket}/")


def test_named_queries_are_the_kpi_files(registry: Registry) -> None:
    (wg,) = registry.by_type(WORKGROUP)
    (db,) = registry.by_type(GLUE_DB)
    named = {q.inputs["name"]: q.inputs for q in registry.by_type(NAMED_QUERY)}
    assert set(named) == {q.title for q in QUERIES}
    for q in QUERIES:
        assert named[q.title]["query"] == q.sql
        assert named[q.title]["workgroup"] == wg.outputs["name"]
        assert named[q.title]["database"] == db.outputs["name"]


def test_firehose_role_is_scoped_to_its_stream_bucket_table_and_key(registry: Registry,
                                                                    stack: str) -> None:
    policy = registry.named(ROLE_POLICY, f"{prefix(stack)}-analytics-delivery-policy")
    statements = {s["Sid"]: s for s in policy_document(policy.inputs["policy"])["Statement"]}
    (s,) = [r for r in registry.by_type(STREAM) if "-analytics-" in r.name]
    lake = bucket(registry, stack, "lake").outputs["arn"]
    assert statements["ReadEventsStream"]["Resource"] == s.outputs["arn"]
    assert statements["WriteLake"]["Resource"] == [lake, f"{lake}/*"]
    assert any(r.endswith("/events") for r in statements["ReadTableSchema"]["Resource"])
    for statement in statements.values():
        assert "*" not in statement["Action"]
