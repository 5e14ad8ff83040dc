"""The whole stack's configuration: every area's section read by one loop.

:data:`SECTIONS` lists the areas' key tables in reading order (security reads the platform's
``ownsAccountBaseline``, so the platform comes first). :func:`build` validates raw values
and raises one :class:`~components.config.errors.ConfigError` listing every problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from components.alerting.config_keys import ALERTING, AlertingConfig
from components.analytics.config_keys import ANALYTICS, AnalyticsConfig
from components.automation.config_keys import AUTOMATION, AutomationConfig
from components.backend.config_keys import BACKEND, BackendConfig
from components.config.errors import ConfigError
from components.config.reader import Reader
from components.config.rules import RULES
from components.config.spec import KeySpec, Section, read_section
from components.cost.config_keys import COST, CostConfig
from components.edge.config_keys import EDGE, EdgeConfig
from components.observability.config_keys import OBSERVABILITY, ObservabilityConfig
from components.platform.config_keys import (
    EVENTS,
    LAMBDAS,
    PLATFORM,
    EventsConfig,
    LambdaDefaults,
    PlatformConfig,
)
from components.security.config_keys import SECURITY, SecurityConfig

# Reading order, also the order of Pulumi.yaml's config block and of the docs tables.
SECTIONS: tuple[Section, ...] = (PLATFORM, LAMBDAS, EVENTS, EDGE, ANALYTICS, BACKEND, ALERTING,
                                 AUTOMATION, SECURITY, COST, OBSERVABILITY)


@dataclass(frozen=True)
class StackConfig:
    """The whole validated configuration of one stack."""

    platform: PlatformConfig
    lambdas: LambdaDefaults
    events: EventsConfig
    backend: BackendConfig
    edge: EdgeConfig
    analytics: AnalyticsConfig
    alerting: AlertingConfig
    automation: AutomationConfig
    security: SecurityConfig
    cost: CostConfig
    observability: ObservabilityConfig


def all_keys() -> tuple[KeySpec, ...]:
    """Every key spec of every section, in order."""
    return tuple(spec for section in SECTIONS for spec in section.keys)


def build(raw: Mapping[str, Any], secret_keys: Iterable[str] = (), *, project: str,
          stack: str) -> StackConfig:
    """Validate ``raw`` config values; raise one :class:`ConfigError` listing every problem."""
    r = Reader(raw, secret_keys)
    read: dict[str, Any] = {"project": project, "stack": stack}
    for section in SECTIONS:
        read[section.name] = read_section(r, section, RULES.get(section.name, ()), read)
    r.unknown_keys()
    if r.problems:
        raise ConfigError(r.problems)
    return StackConfig(**{section.name: read[section.name] for section in SECTIONS})


def declared_secret_keys() -> set[str]:
    """Every key :func:`build` reads as a secret (declared ``secret: true`` in Pulumi.yaml)."""
    return {spec.full for spec in all_keys() if spec.secret}


def declared_keys() -> dict[str, str]:
    """Every key :func:`build` reads, with its Pulumi.yaml type (checked against Pulumi.yaml)."""
    return {spec.full: spec.pulumi_type for spec in all_keys()}


def declared_defaults() -> dict[str, Any]:
    """Every key's default as Pulumi.yaml declares it; ``None`` marks a required key."""
    return {spec.full: spec.declared_default for spec in all_keys()}


def raw_config() -> tuple[dict[str, Any], set[str]]:
    """All config values and secret keys the Pulumi engine gave this program."""
    raw = dict(runtime_config.get_config_env())
    raw.update(runtime_config.CONFIG.get())
    secrets = set(runtime_config.get_config_secret_keys_env())
    secrets.update(k for k in raw if runtime_config.is_config_secret(k))
    return raw, secrets


def load() -> StackConfig:
    """Read and validate the running stack's config."""
    raw, secrets = raw_config()
    return build(raw, secrets, project=pulumi.get_project(), stack=pulumi.get_stack())
