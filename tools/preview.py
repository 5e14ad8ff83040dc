"""Offline ``pulumi preview``: run the program under the mocks and show what it would create.

    python -m tools.preview --stack dev|prod [--config FILE] [--json OUT] [--mermaid OUT]
                            [--mermaid-components OUT] [--diff OLD.json]

The stack's settings come from ``Pulumi.<stack>.yaml`` (or ``--config FILE``); ``secure:``
values cannot be decrypted offline and become placeholders. The tree printed is the one the
Pulumi CLI prints (fitted to 120 columns; ``tools/preview_layout.py``), a summary per
component (``tools/preview_summary.py``), then what the stack costs a month (fixed, and with
the traffic in config; ``tools/cost_report.py``). ``--diff OLD.json`` prints instead a
Markdown diff against a saved ``--json`` document (``tools/preview_diff.py``). ``--json``
writes the CLI's ``--json`` document with a ``cost`` member, ``--mermaid`` the architecture
diagram (``tools/architecture.py``: the actors this stack turns on and the flows between
them) and ``--mermaid-components`` the graph of the components and the values they hand each
other (``tools/flow_diagram.py``). A bad stack file prints its problems and exits 2; a fixed
cost over ``costCeilingUsd`` prints the whole preview, then the reason, and exits 3; a
resource the price table cannot price (a new type, or a setting with no row in
``policy/cost/prices.csv``) exits 4.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from components.config import ConfigError, build
from policy.cost.price_table import PriceTableError
from tools import architecture, flow_diagram
from tools.cost_report import as_json, report, text
from tools.mock_runtime import (
    PROJECT,
    SECRET_PLACEHOLDER,
    Registry,
    Resource,
    config_from_file,
    run,
    stack_file,
)
from tools.plans import plan_of
from tools.preview_diff import UnreadablePreviewError, compare, load, markdown, unreadable_note
from tools.preview_json import STACK_TYPE, document, masked
from tools.preview_layout import property_lines, tree_lines
from tools.preview_summary import summary_lines

EXIT_BAD_CONFIG = 2
EXIT_OVER_CEILING = 3
EXIT_CANNOT_PRICE = 4


@dataclass(frozen=True)
class Row:
    """One line of the tree: a resource at a depth, with the glyphs that draw its branch."""

    prefix: str
    type: str
    name: str
    urn: str


def tree(registry: Registry) -> list[Row]:
    """The stack and every resource, children under their parents in registration order."""
    children: dict[str, list[Resource]] = {}
    for resource in registry:
        children.setdefault(resource.parent, []).append(resource)
    stack_name = registry.stack_urn.rsplit("::", 1)[-1]
    rows = [Row("", STACK_TYPE, stack_name, registry.stack_urn)]

    def walk(urn: str, indent: str) -> Iterator[Row]:
        kids = children.get(urn, [])
        for i, child in enumerate(kids):
            last = i == len(kids) - 1
            yield Row(indent + ("└─ " if last else "├─ "), child.type, child.name, child.urn)
            yield from walk(child.urn, indent + ("   " if last else "│  "))

    rows.extend(walk(registry.stack_urn, ""))
    return rows


def render(registry: Registry, stack: str, fixed_usd: Mapping[str, float]) -> str:
    """The text ``pulumi preview`` prints for a new stack, in 120 columns: tree, outputs, summary.

    The CLI's summary line is followed by one per top-level component, with its resources
    counted by type and its fixed monthly cost (``fixed_usd``, by component name).
    """
    rows = tree(registry)
    lines = [f"Previewing update ({stack}) offline, under mocks:", "",
             *tree_lines([(r.prefix, r.type, r.name) for r in rows])]
    if registry.exports:
        outputs = {key: SECRET_PLACEHOLDER if key in registry.secret_exports else masked(value)
                   for key, value in registry.exports.items()}
        lines += ["", "Outputs:", *property_lines(outputs)]
    lines += ["", "Resources:", f"    + {len(rows)} to create", "",
              *summary_lines(registry, fixed_usd), ""]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m tools.preview",
                                     description="Offline pulumi preview under mocks.")
    parser.add_argument("--stack", required=True, help="stack name, e.g. dev or prod")
    parser.add_argument("--config", type=Path,
                        help="stack settings file (default: Pulumi.<stack>.yaml)")
    parser.add_argument("--json", type=Path, metavar="OUT",
                        help="write the `pulumi preview --json` document here")
    parser.add_argument("--mermaid", type=Path, metavar="OUT",
                        help="write the Mermaid architecture diagram (actors and flows) here")
    parser.add_argument("--mermaid-components", type=Path, metavar="OUT",
                        help="write a Mermaid graph of the components and what they hand on")
    parser.add_argument("--diff", type=Path, metavar="OLD",
                        help="print, instead of the tree, a Markdown diff against the "
                             "--json document OLD")
    return parser.parse_args(argv)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def diff_section(old: Path, stack: str, doc: Mapping[str, Any]) -> str:
    """The Markdown diff of ``doc`` against the saved preview ``old``, or a note saying why not."""
    title = f"Resources ({stack}) against {old.name}"
    try:
        return markdown(compare(load(old), doc), title)
    except UnreadablePreviewError as error:
        return unreadable_note(title, error)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the preview: 0, or 2 (bad settings), 3 (over the ceiling), 4 (cannot price)."""
    args = parse_args(argv)
    path = args.config or stack_file(args.stack)
    started = time.perf_counter_ns()
    try:
        config, secrets = config_from_file(path)
    except (OSError, yaml.YAMLError, ValueError) as error:
        print(f"error: cannot read stack settings {path}: {error}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    try:
        # The program validates them too; checking first reports a bad stack file before the
        # program loads its providers (seconds of imports).
        cost = build(config, secrets, project=PROJECT, stack=args.stack).cost
        registry = run(args.stack, config, secrets)
    except ConfigError as error:
        print(f"error: {path.name}: {error}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    duration = time.perf_counter_ns() - started
    try:
        costs = report(plan_of(registry, components=True), cost.requests_per_month,
                       cost.events_per_month)
    except (PriceTableError, KeyError, ValueError) as error:
        message = error.args[0] if error.args else error
        print(f"error: cannot price the plan: {message}", file=sys.stderr)
        return EXIT_CANNOT_PRICE
    # Only built when asked for: the plain preview is what `make bench` times.
    doc = ({**document(registry, config, set(secrets), duration), "cost": as_json(costs)}
           if args.json or args.diff else {})
    # With --diff, stdout is the Markdown alone, ready to post; the notes go to stderr.
    notes = sys.stderr if args.diff else sys.stdout
    if args.diff:
        print(diff_section(args.diff, args.stack, doc))
    else:
        print(render(registry, args.stack, costs.fixed.by("component")))
        print(text(costs))
    if args.json:
        _write(args.json, json.dumps(doc, indent=2) + "\n")
        print(f"wrote {args.json}", file=notes)
    if args.mermaid:
        _write(args.mermaid, architecture.mermaid(registry))
        print(f"wrote {args.mermaid}", file=notes)
    if args.mermaid_components:
        _write(args.mermaid_components, flow_diagram.mermaid(registry))
        print(f"wrote {args.mermaid_components}", file=notes)
    if costs.over:
        print(f"error: {path.name}: {costs.over}", file=sys.stderr)
        return EXIT_OVER_CEILING
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
