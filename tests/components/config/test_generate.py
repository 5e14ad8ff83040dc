"""Generated config files: Pulumi.yaml's config block and the docs tables match the specs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from components.config.generate import (
    BEGIN,
    END,
    config_block,
    docs_page,
    docs_table,
    pulumi_yaml,
    stale,
)
from components.config.spec import KeySpec, Section
from tools.mock_runtime import ROOT


@dataclass(frozen=True)
class _Demo:
    size: int


DEMO = Section("demo", "demo area", "demo.md", _Demo, (
    KeySpec("aws:region", "region", "string", "us-east-1", choices=("us-east-1",),
            description="Provider key."),
    KeySpec("size", "size", "integer", 3, minimum=1, maximum=9, description="How big."),
    KeySpec("names", "names", "array", ("a",), description='Names: "a" or b.'),
    KeySpec("token", "token", "secret", required=True, description="A token."),
    KeySpec("rate", "rate", "number", 0.5, minimum=0, exclusive_minimum=True,
            description="A rate."),
    KeySpec("ttls", "ttls", "table", {"get": 60}, names=("get",), description="a|b <route>."),
    KeySpec("arn", "arn", "optional", what="an ARN", description="An ARN."),
))


def test_committed_files_are_what_make_config_generates() -> None:
    assert stale() == [], "run `make config` and commit the result"


def test_the_config_block_declares_types_defaults_and_secrets_as_the_cli_wants() -> None:
    ruler = "  # --- demo area " + "-" * 72
    assert config_block([DEMO]) == "\n".join([
        "config:",
        ruler,
        "  size:", "    type: integer", "    default: 3", "    description: How big.",
        "  names:", "    type: array", "    items:", "      type: string",
        '    default: ["a"]', "    description: 'Names: \"a\" or b.'",
        "  token:", "    type: string", "    secret: true", "    description: A token.",
        "  rate:", "    type: string", '    default: "0.5"', "    description: A rate.",
        "  ttls:", "    type: array", "    items:", "      type: string",
        '    default: ["get=60"]', "    description: a|b <route>.",
        "  arn:", "    type: string", '    default: ""', "    description: An ARN.",
    ]) + "\n"
    assert len(ruler) == 90


def test_pulumi_yaml_keeps_everything_before_its_config_block() -> None:
    text = Path(ROOT, "Pulumi.yaml").read_text()
    head = text[:text.index("\nconfig:\n")]
    assert head.startswith("name: marketplace\n")
    assert pulumi_yaml(text).startswith(head + "\nconfig:\n")
    with pytest.raises(ValueError, match="no top-level config"):
        pulumi_yaml("name: x\n")


def test_the_docs_table_says_type_default_and_what_is_allowed() -> None:
    assert docs_table(DEMO).splitlines() == [
        "### Keys: demo area",
        "",
        "| Key | Type | Default | Allowed | Meaning |",
        "| --- | --- | --- | --- | --- |",
        "| `aws:region` | string | `us-east-1` | us-east-1 | Provider key. |",
        "| `size` | integer | `3` | 1..9 | How big. |",
        '| `names` | array | `a` |  | Names: "a" or b. |',
        "| `token` | secret | required |  | A token. |",
        "| `rate` | decimal (string) | `0.5` | > 0 | A rate. |",
        "| `ttls` | array of name=value | `get=60` | names get | a\\|b \\<route>. |",
        "| `arn` | string, optional | – | an ARN | An ARN. |",
    ]


def test_a_docs_page_changes_only_between_its_markers() -> None:
    page = f"# Demo\n\nprose\n\n{BEGIN}\nold table\n{END}\n\nmore prose\n"
    new = docs_page(page, "demo.md", [DEMO])
    assert new.startswith(f"# Demo\n\nprose\n\n{BEGIN}\n\n### Keys: demo area\n")
    assert new.endswith(f"| An ARN. |\n\n{END}\n\nmore prose\n")
    assert "old table" not in new
    with pytest.raises(ValueError, match="markers"):
        docs_page("# no markers\n", "demo.md", [DEMO])
