"""The severity topics: encrypted, publishable from the account only, delivery status logged."""

from __future__ import annotations

from components.platform.alert_topics import PUBLISHERS, SEVERITIES
from tests.components.alerting.helpers import alert_topics, kms_key_arn, topic_arns
from tests.helpers import policy_document
from tools.mock_runtime import Registry


def test_one_encrypted_topic_per_severity(registry: Registry) -> None:
    assert set(topic_arns(registry)) == set(SEVERITIES)
    for topic in alert_topics(registry):
        assert topic.inputs["kmsMasterKeyId"] == kms_key_arn(registry)
        assert topic.inputs["lambdaFailureFeedbackRoleArn"].startswith("arn:aws:iam::")
        assert topic.inputs["lambdaSuccessFeedbackSampleRate"] == 100


def test_topic_policies_admit_the_account_and_its_services_only(registry: Registry) -> None:
    arns = topic_arns(registry)
    policies = [p for p in registry.by_type("aws:sns/topicPolicy:TopicPolicy")
                if p.inputs["arn"] in arns.values()]
    assert len(policies) == len(arns)
    account = arns["critical"].split(":")[4]
    for p in policies:
        account_stmt, services = policy_document(p.inputs["policy"])["Statement"]
        assert account_stmt["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"}
        assert services["Principal"]["Service"] == list(PUBLISHERS)
        assert services["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
        assert services["Resource"] == p.inputs["arn"]
