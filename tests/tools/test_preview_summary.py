"""The per-component summary after the preview's tree: resources by type and fixed cost."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from tools.mock_runtime import run
from tools.preview_summary import summary_lines


class _Box(pulumi.ComponentResource):
    def __init__(self, name: str, parent: pulumi.Resource | None = None) -> None:
        super().__init__("test:summary:Box", name, opts=pulumi.ResourceOptions(parent=parent))


def _program() -> None:
    queues = _Box("queues")
    for name in ("a", "b"):
        aws.sqs.Queue(f"queues-{name}", opts=pulumi.ResourceOptions(parent=queues))
    inner = _Box("queues-inner", parent=queues)
    aws.sqs.QueuePolicy("queues-inner-policy", queue_url="https://q", policy="{}",
                        opts=pulumi.ResourceOptions(parent=inner))
    keys = _Box("keys")
    aws.kms.Key("keys-key", opts=pulumi.ResourceOptions(parent=keys))
    _Box("empty")
    aws.ssm.Parameter("loose", type="String", value="v")


def test_each_top_level_component_with_its_counts_and_cost_dearest_first() -> None:
    registry = run("dev", {}, [], _program)
    assert summary_lines(registry, {"keys": 1.0, "queues": 1234.5}) == [
        "Components (resources below each, by type; fixed USD a month):",
        "",
        "    queues (test:summary:Box): 4 resources, $1,234.50 fixed",
        "        2 aws:sqs:Queue, 1 aws:sqs:QueuePolicy, 1 test:summary:Box",
        "",
        "    keys (test:summary:Box): 1 resource, $1.00 fixed",
        "        1 aws:kms:Key",
        "",
        "    (stack): 1 resource, $0.00 fixed",
        "        1 aws:ssm:Parameter",
        "",
        "    empty (test:summary:Box): 0 resources, $0.00 fixed",
    ]
