"""Which stack function ``python -m tools.tune`` sizes, and the config lines that set its size.

:data:`TARGETS` is the one table: a function's short name (``--function``), the suffix of its
physical name after the stack prefix (as its component names it), and where its memory is set
in ``Pulumi.<stack>.yaml``: its own key (``apiMemoryMb``), or its row in the
``lambdaFunctionMemoryMb`` table. Log groups are ``/aws/lambda/<physical name>``, the name the
Lambda block gives them, shortened by the same :func:`components.blocks.naming.fit`.

The Lambda@Edge image function is not here: Lambda@Edge writes its logs to a log group in each
region where it ran (``/aws/lambda/us-east-1.<name>``) and bills at Lambda@Edge prices, which
the price table does not carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from components.blocks.naming import fit, limit
from components.config import StackConfig

TABLE_KEY = "lambdaFunctionMemoryMb"


@dataclass(frozen=True)
class Target:
    """One function the tool can size."""

    key: str
    suffix: str
    config_key: str | None = None  # its own memory key; None: a row in TABLE_KEY

    def function_name(self, prefix: str) -> str:
        """The function's physical name in the stack with ``prefix`` (``<project>-<stack>``)."""
        return fit(f"{prefix}-{self.suffix}", limit("aws:lambda/function:Function"))

    def log_group(self, prefix: str) -> str:
        """The function's log group."""
        return f"/aws/lambda/{self.function_name(prefix)}"

    def memory_mb(self, config: StackConfig) -> int:
        """The memory the stack's config gives the function today."""
        if self.config_key == "apiMemoryMb":
            return config.backend.api_memory_mb
        if self.config_key == "postConfirmationMemoryMb":
            return config.backend.post_confirmation_memory_mb
        return config.lambdas.function_memory_mb.get(self.key, config.lambdas.memory_mb)


TARGETS: dict[str, Target] = {t.key: t for t in (
    Target("api", "api", "apiMemoryMb"),
    Target("postConfirmation", "post-confirmation", "postConfirmationMemoryMb"),
    Target("streamProcessor", "stream-processor"),
    Target("windowAggregator", "window-aggregator"),
    Target("alertRouter", "alert-router"),
    Target("cachePurger", "cache-purger"),
)}


def config_lines(sizes: Mapping[str, int], config: StackConfig) -> list[str]:
    """The lines to paste under ``config:`` in the stack file to give each target its size.

    A table row keeps the stack's other rows, so the pasted key replaces the old one whole.
    """
    lines: list[str] = []
    rows = dict(config.lambdas.function_memory_mb)
    table_changed = False
    for key, size in sizes.items():
        target = TARGETS[key]
        if target.config_key is not None:
            lines.append(f"  marketplace:{target.config_key}: {size}")
        else:
            rows[key] = size
            table_changed = True
    if table_changed:
        lines.append(f"  marketplace:{TABLE_KEY}:")
        lines.extend(f"    - {name}={rows[name]}" for name in TARGETS if name in rows)
    return lines
