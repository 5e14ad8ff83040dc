"""The marketplace stack: load config, build the components, wire them, export outputs."""

from __future__ import annotations

import pulumi

from components.config import load
from components.core import PlatformCore, PlatformCoreArgs

config = load()
platform = config.platform

core = PlatformCore(f"{platform.prefix}-core", PlatformCoreArgs(platform=platform))

pulumi.export("region", platform.region)
pulumi.export("kmsKeyArn", core.kms_key_arn)
