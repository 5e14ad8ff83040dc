"""The floor for the preview benchmarks: Pulumi alone registering N plain resources.

    python -m bench.baseline_program --count N [--import MODULE ...]

Runs under the same recording mocks as the offline preview (``tools.mock_runtime.run``) and
registers ``N`` resources with a few plain inputs each and no provider SDK, so its wall time
is what the framework costs for that many resources. ``bench_preview`` divides the real
preview's time by this one's. ``--import`` first imports the given modules (the provider SDK
modules a stack's program loads), to separate what importing the SDK costs from what the
program itself does.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

import pulumi

from tools.mock_runtime import run

PLAIN_TYPE = "bench:index:Plain"


class Plain(pulumi.CustomResource):
    """A resource with no provider behind it: only the engine's registration work."""

    def __init__(self, name: str, index: int) -> None:
        super().__init__(PLAIN_TYPE, name, {"index": index, "description": f"plain {index}"})


def program(count: int) -> None:
    """Register ``count`` plain resources."""
    for index in range(count):
        Plain(f"plain-{index}", index)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bare program under the mocks and check every resource was recorded."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--import", dest="modules", action="append", default=[],
                        metavar="MODULE", help="import this module first (repeatable)")
    args = parser.parse_args(argv)
    # The SDKs import service modules lazily: any ordinary attribute lookup loads one.
    loaded = [hasattr(importlib.import_module(name), "__all__") for name in args.modules]
    registry = run("bench", {}, [], lambda: program(args.count))
    if len(registry) != args.count:
        raise SystemExit(f"recorded {len(registry)} resources, expected {args.count}")
    print(f"registered {len(registry)} plain resources after importing {len(loaded)} modules")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
