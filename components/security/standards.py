"""Security Hub standards: the short names of ``securityHubStandards`` as ARNs and names.

The table itself (:data:`~components.security.config_keys.SECURITYHUB_STANDARDS`) is config
data; these turn a row into what the subscriptions and the compliance report need.
"""

from __future__ import annotations

from components.security.config_keys import SECURITYHUB_STANDARDS


def standards_arn(region: str, short: str) -> str:
    """The ARN of the Security Hub standard ``short`` (SECURITYHUB_STANDARDS) in ``region``."""
    return f"arn:aws:securityhub:{region}::{SECURITYHUB_STANDARDS[short]}"


def standard_slug(short: str) -> str:
    """The subscription's name suffix: the standard's name, its version only when the
    table holds another version of it (the first two keep the names they were created with)."""
    path = SECURITYHUB_STANDARDS[short]
    name, version = path.split("/")[1], path.rsplit("/", 1)[1]
    namesakes = [p for p in SECURITYHUB_STANDARDS.values() if p.split("/")[1] == name]
    return name if path == namesakes[0] else f"{name}-v{version.replace('.', '-')}"


def standards_ids(shorts: tuple[str, ...]) -> list[str]:
    """The ``StandardsId`` of each of ``shorts``, as ``Compliance.AssociatedStandards`` holds it.

    "The resource portion of the ARN returned for a standard in the DescribeStandards API
    response" (https://docs.aws.amazon.com/securityhub/1.0/APIReference/
    API_AssociatedStandard.html): the table's path, without ``arn:aws:securityhub:<region>::``.
    """
    return [SECURITYHUB_STANDARDS[short] for short in shorts]
