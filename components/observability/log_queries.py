"""CloudWatch Logs Insights saved queries over the functions' log groups.

Functions log JSON (Lambda's JSON log format with Powertools' structured logger), so the
queries read fields, not text: Powertools' ``level``, ``exception_name``, ``cold_start`` and
``service``; Lambda's ``platform.report`` records for duration and init duration; and the
data-access fields handlers add to their DynamoDB log lines, ``access_pattern``,
``latency_ms``, ``table`` and ``partition_key`` (the contract is in docs/observability.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

MAX_LOG_GROUPS = 50  # a query definition names at most 50 log groups


@dataclass(frozen=True)
class SavedQuery:
    """One saved query: its short name and Logs Insights text."""

    key: str
    title: str
    query: str


QUERIES: tuple[SavedQuery, ...] = (
    SavedQuery(
        "errors-by-type", "Errors by type",
        "fields @timestamp, service, exception_name, message\n"
        '| filter level = "ERROR"\n'
        "| stats count(*) as errors by service, exception_name\n"
        "| sort errors desc",
    ),
    SavedQuery(
        "slowest-requests", "Slowest requests",
        'filter type = "platform.report"\n'
        "| fields @timestamp, @log, record.requestId as request, "
        "record.metrics.durationMs as duration_ms, record.metrics.maxMemoryUsedMB as memory_mb\n"
        "| sort duration_ms desc\n"
        "| limit 50",
    ),
    SavedQuery(
        "cold-starts", "Cold starts and init duration",
        # A SnapStart function's report has restoreDurationMs instead of initDurationMs.
        'filter type = "platform.report" and (ispresent(record.metrics.initDurationMs) '
        "or ispresent(record.metrics.restoreDurationMs))\n"
        "| stats count(*) as cold_starts, avg(record.metrics.initDurationMs) as avg_init_ms, "
        "pct(record.metrics.initDurationMs, 99) as p99_init_ms, "
        "avg(record.metrics.restoreDurationMs) as avg_restore_ms, "
        "pct(record.metrics.restoreDurationMs, 99) as p99_restore_ms by @log\n"
        "| sort cold_starts desc",
    ),
    SavedQuery(
        # What `python -m tools.tune` reads (tools/tune.py runs this text): one row per log
        # group with the duration, billed duration, memory and init figures a size needs.
        "memory-sizing", "Memory sizing from REPORT records",
        'filter type = "platform.report"\n'
        "| stats count(*) as invocations, avg(record.metrics.durationMs) as avg_duration_ms, "
        "pct(record.metrics.durationMs, 50) as p50_duration_ms, "
        "pct(record.metrics.durationMs, 99) as p99_duration_ms, "
        "avg(record.metrics.billedDurationMs) as avg_billed_ms, "
        "min(record.metrics.memorySizeMB) as min_memory_size_mb, "
        "max(record.metrics.memorySizeMB) as memory_size_mb, "
        "pct(record.metrics.maxMemoryUsedMB, 99) as p99_memory_used_mb, "
        "max(record.metrics.maxMemoryUsedMB) as max_memory_used_mb, "
        "count(record.metrics.initDurationMs) as cold_starts, "
        "pct(record.metrics.initDurationMs, 99) as p99_init_ms by @log\n"
        "| sort invocations desc",
    ),
    SavedQuery(
        "dynamodb-latency-by-access-pattern", "DynamoDB latency by access pattern",
        "filter ispresent(access_pattern) and ispresent(latency_ms)\n"
        "| stats count(*) as calls, avg(latency_ms) as avg_ms, pct(latency_ms, 50) as p50_ms, "
        "pct(latency_ms, 99) as p99_ms by table, access_pattern\n"
        "| sort p99_ms desc",
    ),
    SavedQuery(
        "hot-keys", "Hot partition keys",
        "filter ispresent(partition_key)\n"
        "| stats count(*) as requests by table, partition_key\n"
        "| sort requests desc\n"
        "| limit 25",
    ),
)


def create(name: str, prefix: str, log_groups: Sequence[pulumi.Input[str]],
           opts: pulumi.ResourceOptions) -> list[aws.cloudwatch.QueryDefinition]:
    """One query definition per saved query (per 50 log groups), in the ``<prefix>`` folder."""
    groups = list(log_groups)
    chunks = [groups[i:i + MAX_LOG_GROUPS] for i in range(0, len(groups), MAX_LOG_GROUPS)]
    created = []
    for q in QUERIES:
        for index, chunk in enumerate(chunks):
            part = "" if len(chunks) == 1 else f" ({index + 1} of {len(chunks)})"
            created.append(aws.cloudwatch.QueryDefinition(
                f"{name}-query-{q.key}" + (f"-{index + 1}" if part else ""),
                name=f"{prefix}/{q.title}{part}",
                query_string=q.query,
                log_group_names=chunk,
                opts=opts,
            ))
    return created
