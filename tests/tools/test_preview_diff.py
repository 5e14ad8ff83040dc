"""The preview diff: resources added, removed and changed by URN, secrets hidden."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tools.preview_diff import (
    MISSING,
    Change,
    UnreadablePreviewError,
    changes,
    compare,
    load,
    markdown,
    unreadable_note,
)

QUEUE = "urn:pulumi:dev::marketplace::aws:sqs/queue:Queue::orders"
TOPIC = "urn:pulumi:dev::marketplace::aws:sns/topic:Topic::alerts"
ROLE = "urn:pulumi:dev::marketplace::aws:iam/role:Role::api"
PARAM = "urn:pulumi:dev::marketplace::aws:ssm/parameter:Parameter::webhook"
STACK = "urn:pulumi:dev::marketplace::pulumi:pulumi:Stack::marketplace-dev"


def _doc(states: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    steps = []
    for urn, inputs in states.items():
        state: dict[str, Any] = {"urn": urn, "custom": True, "type": urn.split("::")[2]}
        if inputs is not None:
            state["inputs"] = inputs
        steps.append({"op": "create", "urn": urn, "newState": state, "detailedDiff": None})
    return {"steps": steps}


def test_nested_keys_are_dotted_paths_and_list_items_indexed() -> None:
    old = {"name": "orders", "tags": {"Name": "a", "team": "x"}, "rules": [{"port": 80}]}
    new = {"name": "orders", "tags": {"Name": "b", "kubernetes.io/role": "y"},
           "rules": [{"port": 443}, {"port": 22}]}
    assert changes(old, new) == [
        Change("rules[0].port", 80, 443),
        Change("rules[1]", MISSING, {"port": 22}),
        Change("tags.Name", "a", "b"),
        Change('tags["kubernetes.io/role"]', MISSING, "y"),
        Change("tags.team", "x", MISSING),
    ]


def test_a_json_document_in_a_string_is_compared_inside() -> None:
    old = {"policy": json.dumps({"Statement": [{"Action": "s3:GetObject", "Effect": "Allow"}]})}
    new = {"policy": json.dumps({"Statement": [{"Action": "s3:PutObject", "Effect": "Allow"}]})}
    assert changes(old, new) == [Change("policy.Statement[0].Action", "s3:GetObject",
                                        "s3:PutObject")]


def test_values_python_would_call_equal_still_differ() -> None:
    # True == 1 and 1 == 1.0 in Python; the engine sees a bool, an int and a float.
    assert changes({"a": True, "b": 1}, {"a": 1, "b": 1.0}) == [
        Change("a", True, 1), Change("b", 1, 1.0)]
    assert changes({"a": {"b": [1, 2]}}, {"a": {"b": [1, 2]}}) == []


def test_a_container_that_becomes_a_scalar_is_one_change() -> None:
    assert changes({"a": {"b": 1}}, {"a": "x"}) == [Change("a", {"b": 1}, "x")]
    assert changes({"a": []}, {}) == [Change("a", [], MISSING)]


def test_a_secret_on_either_side_masks_both() -> None:
    found = changes({"value": "[secret]", "other": "[secret]"},
                    {"value": "hunter2", "other": "[secret]"})
    assert found == [Change("value", "[secret]", "[secret]", secret=True)]
    assert changes({"value": "hunter2"}, {}) == [Change("value", "hunter2", MISSING)]
    assert changes({}, {"value": "[secret]"}) == [
        Change("value", MISSING, "[secret]", secret=True)]


def test_compare_sorts_urns_into_added_removed_changed() -> None:
    old = _doc({STACK: None, QUEUE: {"name": "orders", "delaySeconds": 0},
                TOPIC: {"name": "alerts"}, ROLE: {"name": "api"}})
    new = _doc({STACK: {}, QUEUE: {"name": "orders", "delaySeconds": 5},
                ROLE: {"name": "api"}, PARAM: {"value": "[secret]"}})
    diff = compare(old, new)
    assert diff.added == (PARAM,)
    assert diff.removed == (TOPIC,)
    # The stack's inputs, absent in one document and {} in the other, are the same.
    assert diff.changed == ((QUEUE, (Change("delaySeconds", 0, 5),)),)
    assert diff.unchanged == 2
    # No parents in these documents: everything counts under the stack.
    assert diff.by_component == (("(stack)", 1, 1, 1),)


def test_each_change_counts_under_its_top_level_component() -> None:
    box = "urn:pulumi:dev::marketplace::pulumi:pulumi:Stack$test:x:Box::box"
    inner = "urn:pulumi:dev::marketplace::pulumi:pulumi:Stack$test:x:Box$test:x:Box::box-inner"
    leaf = ("urn:pulumi:dev::marketplace::pulumi:pulumi:Stack$test:x:Box$test:x:Box"
            "$aws:sqs/queue:Queue::box-inner-q")
    loose = "urn:pulumi:dev::marketplace::pulumi:pulumi:Stack$aws:sqs/queue:Queue::loose"

    def doc(leaf_inputs: dict[str, Any], with_loose: bool) -> dict[str, Any]:
        states = [{"urn": STACK, "custom": False, "type": "pulumi:pulumi:Stack"},
                  {"urn": box, "custom": False, "type": "test:x:Box", "parent": STACK},
                  {"urn": inner, "custom": False, "type": "test:x:Box", "parent": box},
                  {"urn": leaf, "custom": True, "type": "aws:sqs/queue:Queue", "parent": inner,
                   "inputs": leaf_inputs}]
        if with_loose:
            states.append({"urn": loose, "custom": True, "type": "aws:sqs/queue:Queue",
                           "parent": STACK})
        return {"steps": [{"op": "create", "urn": st["urn"], "newState": st} for st in states]}

    diff = compare(doc({"name": "a"}, with_loose=False), doc({"name": "b"}, with_loose=True))
    assert diff.by_component == (("(stack)", 1, 0, 0), ("box", 0, 0, 1))


def test_markdown_for_a_pr_comment() -> None:
    old = _doc({QUEUE: {"name": "orders", "delaySeconds": 0, "tags": {"env": "dev"}},
                TOPIC: {"name": "alerts"},
                PARAM: {"value": "https://hooks.example.com/T0/B0/xyz", "type": "String"}})
    new = _doc({QUEUE: {"name": "orders", "delaySeconds": 5},
                ROLE: {"name": "api"},
                PARAM: {"value": "[secret]", "type": "SecureString"}})
    text = markdown(compare(old, new), "Resources (dev) against main-dev.json")
    assert text == "\n".join([
        "### Resources (dev) against main-dev.json: 1 added, 1 removed, 2 changed, 0 unchanged",
        "",
        "| component | added | removed | changed |",
        "|---|---:|---:|---:|",
        "| (stack) | 1 | 1 | 2 |",
        "",
        "**Added**",
        "",
        f"- `{ROLE}`",
        "",
        "**Removed**",
        "",
        f"- `{TOPIC}`",
        "",
        "**Changed** (inputs: old → new)",
        "",
        f"- `{QUEUE}`",
        "  - `delaySeconds`: `0` → `5`",
        '  - `tags`: `{"env": "dev"}` → (unset)',
        f"- `{PARAM}`",
        '  - `type`: `"String"` → `"SecureString"`',
        "  - `value`: `[secret]` → `[secret]` (secret on one side only)",
        "",
    ])
    assert "hooks.example.com" not in text


def test_no_change_says_so() -> None:
    doc = _doc({QUEUE: {"name": "orders"}})
    assert markdown(compare(doc, doc), "Resources (dev) against main-dev.json") == (
        "### Resources (dev) against main-dev.json: 0 added, 0 removed, 0 changed, 1 unchanged\n"
        "\nNo resource is added, removed or changed.\n")


def test_long_values_are_cut_and_backticks_fenced() -> None:
    old = _doc({QUEUE: {"policy": "a" * 100, "note": "uses `x`"}})
    new = _doc({QUEUE: {"policy": "b" * 100, "note": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}})
    lines = markdown(compare(old, new), "t").splitlines()
    assert lines[-2] == '  - `note`: ``"uses `x`"`` → (unknown)'
    # 80 columns: the opening quote and 39 a's, the ellipsis, 38 a's and the closing quote.
    assert lines[-1] == f'  - `policy`: `"{"a" * 39}…{"a" * 38}"` → `"{"b" * 39}…{"b" * 38}"`'


def test_long_lists_say_how_many_more() -> None:
    old = _doc({})
    new = _doc({f"urn:pulumi:dev::marketplace::aws:sqs/queue:Queue::q{i:03}": {}
                for i in range(102)})
    lines = markdown(compare(old, new), "t").splitlines()
    assert lines[-2:] == ["- `urn:pulumi:dev::marketplace::aws:sqs/queue:Queue::q099`",
                          "- … and 2 more"]
    assert sum(line.startswith("- `urn:") for line in lines) == 100


@pytest.mark.parametrize(("text", "why"), [
    (None, "cannot read {path}: No such file or directory"),
    ("{not json", "{path} is not JSON: Expecting property name enclosed in double quotes: "
                  "line 1 column 2 (char 1)"),
    ('{"config": {}}', "{path} is not a preview document (no steps)"),
    ("[1, 2]", "{path} is not a preview document (no steps)"),
])
def test_an_unusable_old_preview_is_one_clear_line(tmp_path: Path, text: str | None,
                                                   why: str) -> None:
    path = tmp_path / "main-dev.json"
    if text is not None:
        path.write_text(text)
    with pytest.raises(UnreadablePreviewError) as caught:
        load(path)
    assert str(caught.value) == why.format(path=path)
    assert unreadable_note("Resources (dev) against main-dev.json", caught.value) == (
        f"### Resources (dev) against main-dev.json: no diff ({why.format(path=path)})\n")
