"""moto for the automation scripts: the stack's region, an audit log group, fresh modules."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

REGION = "eu-west-1"
ACCOUNT = "123456789012"
AUDIT_GROUP = "/marketplace-dev/audit"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in the stack's region (Lambda invokes without Docker), with the audit log group."""
    for key, value in {"AWS_DEFAULT_REGION": REGION, "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws(config={"lambda": {"use_docker": False}}):
        boto3.client("logs", region_name=REGION).create_log_group(logGroupName=AUDIT_GROUP)
        yield


def script(name: str) -> ModuleType:
    """``functions.automation.<name>`` imported afresh (its clients made inside moto)."""
    importlib.reload(importlib.import_module("functions.automation.runbook"))
    return importlib.reload(importlib.import_module(f"functions.automation.{name}"))


def audit_inputs(execution: str = "exec-1") -> dict[str, Any]:
    """The inputs every document passes for the audit record."""
    return {"AuditLogGroup": AUDIT_GROUP, "AuditRegion": REGION, "ExecutionId": execution}


def audit_records() -> list[dict[str, Any]]:
    """Every record in the audit log group, oldest first."""
    logs = boto3.client("logs", region_name=REGION)
    events = logs.filter_log_events(logGroupName=AUDIT_GROUP)["events"]
    return [json.loads(e["message"]) for e in events]
