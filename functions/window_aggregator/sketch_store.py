"""The durable per-day active-user sketches: one DynamoDB item per UTC day.

Lambda resets a tumbling window's state when the window closes (at most 15 minutes), so the
day's sketch cannot live there. Each closing window merges its per-day sketches into the
day's item: 4 KiB of registers as a binary attribute, a ``version`` counter and an
``expires_at`` TTL. DAU/WAU/MAU then read the 30 items ending on the day.

Several shards' windows close at the same moment, so a blind put would lose one writer's
users. The merge is optimistic: read the item (strongly consistent), merge, and put only if
``version`` is still the one read (or the item still does not exist). A writer that loses the
race reads again and merges into the winner's registers; merging is a register-wise max, so
the order of the writers does not matter and retrying a window twice counts nobody twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from functions.shared.retry import Backoff, Deadline, sleep
from functions.window_aggregator.hll import HyperLogLog

logger = Logger(child=True)

KEY = "day"
REGISTERS = "registers"
VERSION = "version"
EXPIRES_AT = "expires_at"
# A day is read by the MAU of the 29 days after it; two more days cover late windows.
KEEP_DAYS = 32
MAX_BATCH_GET = 100  # BatchGetItem: keys per request
CONFLICT = "ConditionalCheckFailedException"


class SketchStoreError(RuntimeError):
    """Other writers kept winning the merge, or reads stayed unprocessed; Lambda retries
    the window."""


def expires_at(day: str) -> int:
    """Epoch seconds at which DynamoDB's TTL may delete the day's item."""
    end = datetime.combine(date.fromisoformat(day), time(), UTC) + timedelta(days=KEEP_DAYS)
    return int(end.timestamp())


class SketchStore:
    """Reads and merges per-day sketches in one table (``day`` is its partition key)."""

    def __init__(self, client: Any, table: str, backoff: Backoff) -> None:
        self._client = client
        self._table = table
        self._backoff = backoff

    def merge(self, day: str, sketch: HyperLogLog, deadline: Deadline) -> HyperLogLog:
        """Fold ``sketch`` into the day's stored one; the merged sketch that was stored."""
        for attempt in range(self._backoff.attempts):
            found = self._client.get_item(TableName=self._table, Key={KEY: {"S": day}},
                                          ConsistentRead=True).get("Item")
            stored = HyperLogLog(found[REGISTERS]["B"]) if found else HyperLogLog()
            version = int(found[VERSION]["N"]) if found else 0
            stored.merge(sketch)
            if found and HyperLogLog(found[REGISTERS]["B"]) == stored:
                return stored  # nothing new: no write
            condition = ("attribute_not_exists(#day)" if not found else "#version = :read")
            names = {"#day": KEY} if not found else {"#version": VERSION}
            values = {} if not found else {":read": {"N": str(version)}}
            try:
                self._client.put_item(
                    TableName=self._table,
                    Item={KEY: {"S": day}, REGISTERS: {"B": bytes(stored.registers)},
                          VERSION: {"N": str(version + 1)},
                          EXPIRES_AT: {"N": str(expires_at(day))}},
                    ConditionExpression=condition, ExpressionAttributeNames=names,
                    **({"ExpressionAttributeValues": values} if values else {}))
                return stored
            except self._client.exceptions.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != CONFLICT:
                    raise
                pause = self._backoff.delay(attempt)
                if attempt + 1 >= self._backoff.attempts or not deadline.allows(pause):
                    break
                logger.info("sketch write conflict", extra={"day": day, "attempt": attempt})
                sleep(pause)
        raise SketchStoreError(f"the sketch of {day} kept changing under the merge")

    def load(self, days: Iterable[str], deadline: Deadline) -> dict[str, HyperLogLog]:
        """The stored sketches of ``days`` (days without an item are left out)."""
        wanted = list(dict.fromkeys(days))
        found: dict[str, HyperLogLog] = {}
        for start in range(0, len(wanted), MAX_BATCH_GET):
            keys: list[Mapping[str, Any]] = [{KEY: {"S": d}}
                                             for d in wanted[start:start + MAX_BATCH_GET]]
            for attempt in range(self._backoff.attempts):
                response = self._client.batch_get_item(RequestItems={self._table: {
                    "Keys": keys, "ProjectionExpression": "#day, #registers",
                    "ExpressionAttributeNames": {"#day": KEY, "#registers": REGISTERS}}})
                for item in response.get("Responses", {}).get(self._table, []):
                    found[item[KEY]["S"]] = HyperLogLog(item[REGISTERS]["B"])
                keys = response.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", [])
                if not keys:
                    break
                pause = self._backoff.delay(attempt)
                if attempt + 1 >= self._backoff.attempts or not deadline.allows(pause):
                    raise SketchStoreError(f"{len(keys)} sketches stayed unprocessed")
                sleep(pause)
        return found
