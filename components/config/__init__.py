"""Stack configuration: the only package that reads Pulumi config.

Every key lives in the ``marketplace`` namespace (plus the standard ``aws:region``) and is
declared once, as a :class:`~components.config.spec.KeySpec` in its area's table
(``components/<pkg>/config_keys.py``). :func:`load` reads them all with one loop,
validates ranges the AWS APIs enforce, applies the cross-field rules
(:mod:`components.config.rules`) and returns frozen dataclasses. Every problem found is
collected and raised together as one :class:`ConfigError`, so a broken stack file is fixed
in one pass instead of one error per ``pulumi preview``. ``Pulumi.yaml``'s ``config:``
block and the docs tables are generated from the same tables (``make config``).

Modules by job: :mod:`.errors`, :mod:`.values` (shared facts and parsers), :mod:`.reader`,
:mod:`.spec` (key specs and the loop), :mod:`.rules`, :mod:`.stack` (sections, ``build``,
``load``) and :mod:`.generate`. The names below stay importable from here; they resolve on
first use, so an area's ``config_keys`` module can import :mod:`.spec` without a cycle.
"""

from __future__ import annotations

import importlib
from typing import Any

# Where each public name lives (module under ``components``).
_HOMES: dict[str, tuple[str, ...]] = {
    "config.errors": ("ConfigError", "Problem"),
    "config.reader": ("Reader",),
    "config.spec": ("KeySpec", "Section"),
    "config.values": ("AWS_REGIONS", "DOMAIN_RE", "EMAIL_RE", "LOG_RETENTION_DAYS", "NAMESPACE",
                      "TAG_VALUE_RE", "non_negative_float", "positive_int"),
    "config.stack": ("SECTIONS", "StackConfig", "build", "declared_defaults", "declared_keys",
                     "declared_secret_keys", "load", "raw_config"),
    "platform.config_keys": ("LAMBDA_PYTHON_RUNTIMES", "LOG_LEVELS", "RESERVED_FUNCTIONS",
                             "EventsConfig", "LambdaDefaults", "PlatformConfig"),
    "edge.config_keys": ("CLOUDFLARE_ID_RE", "CLOUDFLARE_OWASP_THRESHOLDS", "CLOUDFLARE_POLISH",
                         "CLOUDFLARE_RATELIMIT_PERIODS", "CLOUDFLARE_RATELIMIT_TIMEOUTS",
                         "CLOUDFLARE_WAF_ACTIONS", "CLOUDFRONT_PRICE_CLASSES",
                         "ORIGIN_SHIELD_REGIONS", "EdgeConfig"),
    "analytics.config_keys": ("INFLUX_DEPLOYMENT_TYPES", "INFLUX_INSTANCE_TYPES",
                              "QUICKSIGHT_PRINCIPAL_RE", "QUICKSIGHT_REFRESH_INTERVALS",
                              "STREAM_MODES", "TIMESERIES_STORES", "AnalyticsConfig"),
    "backend.config_keys": ("API_CACHED_ROUTES", "API_CACHE_SIZES_GB", "BILLING_MODES", "CIDR_RE",
                            "DAX_NODE_TYPES", "EMAIL_FROM_RE", "LAYER_ARN_RE",
                            "SES_CONFIGURATION_SET_RE", "SES_IDENTITY_RE", "STAGE_RE",
                            "VPC_ENDPOINT_SERVICES", "BackendConfig"),
    "alerting.config_keys": ("ALERT_SEVERITIES", "ALERT_SOURCES", "CHANNEL_RE", "SLACK_ID_RE",
                             "WEEKDAYS", "WINDOW_RE", "AlertRoute", "AlertingConfig",
                             "parse_route"),
    "automation.config_keys": ("ROLE_NAME_RE", "AutomationConfig"),
    "security.config_keys": ("GUARDDUTY_FEATURES", "GUARDDUTY_FREQUENCIES", "SecurityConfig"),
    "cost.config_keys": ("BUDGET_CURRENCIES", "CostConfig"),
    "observability.config_keys": ("ObservabilityConfig", "ThresholdOverride"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = sorted(_HOME_OF)  # noqa: PLE0605 - built from the table above


def __getattr__(name: str) -> Any:
    """Resolve a public name from the module that defines it (PEP 562)."""
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"components.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME_OF])

