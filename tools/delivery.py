"""A deployment as the DORA metrics see it: one event on the bus and three metrics.

The deploy workflow runs ``python -m tools.delivery`` after each ``pulumi up``, whatever its
outcome. It puts

- a ``DeploymentCompleted`` domain event (``functions/shared/events.py``) on the stack's bus,
  from where it flows through Kinesis and Firehose into the lake (the ``deployments`` query);
- ``Deployments`` (1), ``DeploymentFailed`` (1 or 0) and, for a deployment that succeeded,
  ``LeadTimeSeconds`` (commit to deploy) into the stack's namespace ``<project>/<stack>`` with
  the dimension ``service`` = :data:`SERVICE`: the developer dashboard's deployment
  frequency, change failure rate and lead time;
- for a deployment that succeeded, the stack's last-deployment SSM parameter
  (``components/alerting/last_deployment.py``), which the alert router reads to count a
  critical incident soon after it as a change failure.

The commit time is the committer date of the deployed commit (``git show -s --format=%cI``),
so a rebased or amended commit counts from when it last changed.

    python -m tools.delivery --stack dev --outcome success --commit "$GITHUB_SHA" \\
        --run-id "$GITHUB_RUN_ID"
"""

from __future__ import annotations

import argparse
import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3

from components.alerting.last_deployment import parameter_name
from functions.shared.events import envelope, to_entry

SERVICE = "delivery"  # the `service` dimension of the delivery metrics
EVENT_TYPE = "DeploymentCompleted"
# GitHub's step outcome -> the event's outcome; a cancelled or skipped `pulumi up` changed
# nothing it finished, so it is no deployment to count.
OUTCOMES: Mapping[str, str] = {"success": "succeeded", "failure": "failed"}


@dataclass(frozen=True)
class Deployment:
    """One finished ``pulumi up`` of a stack."""

    stack: str
    commit_sha: str
    succeeded: bool
    committed_at: datetime
    deployed_at: datetime
    run_id: str | None = None

    @property
    def lead_time_seconds(self) -> int:
        """Whole seconds from commit to deploy (0 when the clocks disagree)."""
        return max(0, int((self.deployed_at - self.committed_at).total_seconds()))


def iso(moment: datetime) -> str:
    """UTC ISO-8601 with a ``Z``, as the events write times."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event_entry(deployment: Deployment, bus_name: str, *,
                event_id: str | None = None) -> dict[str, Any]:
    """The PutEvents entry of the ``DeploymentCompleted`` event (validated by its schema)."""
    fields: dict[str, Any] = {
        "stack": deployment.stack,
        "commit_sha": deployment.commit_sha,
        "outcome": "succeeded" if deployment.succeeded else "failed",
        "committed_at": iso(deployment.committed_at),
        "deployed_at": iso(deployment.deployed_at),
        "lead_time_seconds": deployment.lead_time_seconds,
    }
    if deployment.run_id:
        fields["run_id"] = deployment.run_id
    detail = envelope(EVENT_TYPE, fields, now=deployment.deployed_at, event_id=event_id)
    return to_entry(EVENT_TYPE, detail, bus_name)


def metric_data(deployment: Deployment) -> list[dict[str, Any]]:
    """PutMetricData entries: Deployments, DeploymentFailed, LeadTimeSeconds when it succeeded."""
    dims = [{"Name": "service", "Value": SERVICE}]
    data = [
        {"MetricName": "Deployments", "Value": 1.0, "Unit": "Count"},
        {"MetricName": "DeploymentFailed", "Value": 0.0 if deployment.succeeded else 1.0,
         "Unit": "Count"},
    ]
    if deployment.succeeded:
        data.append({"MetricName": "LeadTimeSeconds",
                     "Value": float(deployment.lead_time_seconds), "Unit": "Seconds"})
    return [{**d, "Dimensions": dims, "Timestamp": deployment.deployed_at} for d in data]


def commit_time(commit: str) -> datetime:
    """The committer date of ``commit`` in the current repository."""
    out = subprocess.run(["git", "show", "-s", "--format=%cI", commit], check=True,
                         capture_output=True, text=True).stdout.strip()
    return datetime.fromisoformat(out)


def last_deployment_value(deployment: Deployment) -> str:
    """The JSON the alert router reads to tell a change failure (``delivery_metrics.py``)."""
    return json.dumps({"commit_sha": deployment.commit_sha, "stack": deployment.stack,
                       "deployed_at": iso(deployment.deployed_at)}, separators=(",", ":"))


def publish(deployment: Deployment, *, project: str, events: Any, cloudwatch: Any,
            ssm: Any) -> None:
    """Put the event on ``<project>-<stack>-events`` and the metrics into ``<project>/<stack>``.

    A successful deployment also becomes the stack's last deployment (the SSM parameter the
    stack owns), from which the router counts the critical incidents that follow it. Raises
    when EventBridge refuses the entry, so the workflow step fails visibly.
    """
    entry = event_entry(deployment, f"{project}-{deployment.stack}-events")
    response = events.put_events(Entries=[entry])
    if response.get("FailedEntryCount"):
        raise RuntimeError(f"EventBridge refused the deployment event: {response['Entries']}")
    cloudwatch.put_metric_data(Namespace=f"{project}/{deployment.stack}",
                               MetricData=metric_data(deployment))
    if deployment.succeeded:
        ssm.put_parameter(Name=parameter_name(f"{project}-{deployment.stack}"),
                          Value=last_deployment_value(deployment), Type="String",
                          Overwrite=True)


def main(argv: list[str] | None = None) -> int:
    """Publish one deployment; a cancelled or skipped outcome publishes nothing."""
    parser = argparse.ArgumentParser(prog="python -m tools.delivery", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--project", default="marketplace")
    parser.add_argument("--outcome", required=True,
                        help="the `pulumi up` step's outcome: success, failure, cancelled, "
                             "skipped")
    parser.add_argument("--commit", required=True, help="the deployed commit")
    parser.add_argument("--run-id", default=None, help="the workflow run")
    args = parser.parse_args(argv)
    outcome = OUTCOMES.get(args.outcome)
    if outcome is None:
        print(f"outcome {args.outcome}: no deployment to publish")
        return 0
    deployment = Deployment(stack=args.stack, commit_sha=args.commit,
                            succeeded=outcome == "succeeded",
                            committed_at=commit_time(args.commit),
                            deployed_at=datetime.now(UTC), run_id=args.run_id)
    publish(deployment, project=args.project, events=boto3.client("events"),
            cloudwatch=boto3.client("cloudwatch"), ssm=boto3.client("ssm"))
    print(f"{args.stack}: {outcome}, lead time {deployment.lead_time_seconds}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
