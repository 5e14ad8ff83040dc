"""The stack context: what it reads from the platform config and how it grows."""

from __future__ import annotations

import dataclasses

import pytest

from components.platform.alert_topics import Placement, placements
from components.platform.context import StackContext, stack_context
from tests.components.platform.support import (
    EDGE_KEY,
    KEY,
    LAMBDAS,
    PLATFORM,
    US_EAST_1,
    literal_context,
)


def test_names_and_place_come_from_the_platform_config() -> None:
    context = literal_context()
    assert context.prefix == "marketplace-qa"
    assert context.stack == "qa"
    assert context.region == "eu-west-1"
    assert context.owner == "team-a"
    assert context.metrics_namespace == "marketplace/qa"
    assert context.runbook_base_url == "https://runbooks.example/marketplace"
    assert context.owns_account_baseline is False
    assert literal_context(owns_account_baseline=True).owns_account_baseline is True


def test_the_core_leaves_no_topics_or_access_logs_and_each_step_adds_its_part() -> None:
    bare = stack_context(PLATFORM, LAMBDAS, account_id="123456789012", kms_key_arn=KEY,
                         us_east_1=US_EAST_1, us_east_1_kms_key_arn=EDGE_KEY)
    assert (dict(bare.topic_arns), dict(bare.edge_topic_arns), bare.access_log_bucket) == (
        {}, {}, None)
    topics = {"critical": "arn:aws:sns:eu-west-1:123456789012:c"}
    edge = {"critical": "arn:aws:sns:us-east-1:123456789012:c"}
    with_topics = bare.with_topics(topics, edge)
    assert dict(with_topics.topic_arns) == {"critical": "arn:aws:sns:eu-west-1:123456789012:c"}
    assert dict(with_topics.edge_topic_arns) == {
        "critical": "arn:aws:sns:us-east-1:123456789012:c"}
    logged = with_topics.with_access_logs("marketplace-qa-access-logs-bucket")
    assert logged.access_log_bucket == "marketplace-qa-access-logs-bucket"
    assert dict(logged.topic_arns) == {"critical": "arn:aws:sns:eu-west-1:123456789012:c"}
    # Each step is a new context: the earlier ones stay as they were.
    assert dict(bare.topic_arns) == {}
    assert with_topics.access_log_bucket is None
    topics["warning"] = "later"  # the context keeps its own copy
    assert set(with_topics.topic_arns) == {"critical"}


def test_alert_topics_get_twins_in_us_east_1_only_outside_it() -> None:
    assert placements(literal_context()) == (
        Placement("", None, KEY), Placement("-us-east-1", US_EAST_1, EDGE_KEY))
    assert placements(literal_context(region="us-east-1")) == (Placement("", None, KEY),)


def test_context_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        literal_context().kms_key_arn = "other"  # type: ignore[misc]
    assert isinstance(literal_context(), StackContext)
