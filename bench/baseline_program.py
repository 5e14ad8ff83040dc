"""The floor for the preview benchmarks: Pulumi alone registering N plain resources.

    python -m bench.baseline_program --count N

Runs under the same recording mocks as the offline preview (``tools.mock_runtime.run``) and
registers ``N`` resources with a few plain inputs each and no provider SDK, so its wall time
is what the framework costs for that many resources. ``bench_preview`` divides the real
preview's time by this one's.
"""

from __future__ import annotations

import argparse
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
    args = parser.parse_args(argv)
    registry = run("bench", {}, [], lambda: program(args.count))
    if len(registry) != args.count:
        raise SystemExit(f"recorded {len(registry)} resources, expected {args.count}")
    print(f"registered {len(registry)} plain resources")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
