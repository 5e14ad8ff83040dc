"""Fitting the text preview in 120 columns: the CLI's type display names, elision, wrapping."""

from __future__ import annotations

import pytest

from tools.preview_layout import display_type, elide, property_lines, tree_lines, wrapped


@pytest.mark.parametrize(("token", "shown"), [
    # The cases of TestTypeDisplayName in pulumi/pulumi's sdk/go/common/tokens/tokens_test.go.
    ("incomplete", "incomplete"),
    ("pkg:mod:", "pkg:mod:"),
    ("pkg:mod:typ", "pkg:mod:typ"),
    ("pkg:Mod/foo:typ", "pkg:Mod/foo:typ"),
    ("pkg:mod/foo/bar:Bar", "pkg:mod/foo:Bar"),
    ("pkg:mod/foo/bar/baz:Baz", "pkg:mod/foo/bar:Baz"),
    # This project's tokens.
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch:MetricAlarm"),
    ("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
     "aws:s3:BucketServerSideEncryptionConfiguration"),
    ("cloudflare:index/zoneSetting:ZoneSetting", "cloudflare:index:ZoneSetting"),
    ("aws:s3/bucketV2:BucketV2", "aws:s3:BucketV2"),
    ("aws:iam/role:Policy", "aws:iam/role:Policy"),  # the file is not the name: kept whole
    ("pulumi:providers:aws", "pulumi:providers:aws"),
    ("marketplace:core:PlatformCore", "marketplace:core:PlatformCore"),
])
def test_type_tokens_shorten_as_the_cli_displays_them(token: str, shown: str) -> None:
    assert display_type(token) == shown


def test_elide_keeps_both_ends() -> None:
    assert elide("abcdefghij", 10) == "abcdefghij"
    assert elide("abcdefghij", 9) == "abcd…ghij"
    assert elide("abcdefghij", 6) == "abc…ij"
    assert elide("abcdefghij", 2) == "a…"
    assert elide("abcdefghij", 1) == "…"


def test_a_tree_that_fits_keeps_its_natural_columns() -> None:
    assert tree_lines([("", "pulumi:pulumi:Stack", "s"),
                       ("└─ ", "aws:sqs/queue:Queue", "s-queue")]) == [
        "     Type                 Name     Plan",
        " +   pulumi:pulumi:Stack  s        create",
        " +   └─ aws:sqs:Queue     s-queue  create",
    ]


def test_a_wide_tree_is_cut_to_120_columns_in_the_middle_of_its_cells() -> None:
    name = "marketplace-prod-observability-analytics-consumers-window-aggregator-on-failure-depth"
    type_ = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    lines = tree_lines([("", "pulumi:pulumi:Stack", "marketplace-prod"),
                        ("└─ ", type_, name)])
    assert [len(line) for line in lines] == [118, 120, 120]
    # Types (49 columns with the glyphs) keep their natural column; the name gets the rest.
    assert lines[2] == (" +   └─ aws:s3:BucketServerSideEncryptionConfiguration  "
                        "marketplace-prod-observabili…aggregator-on-failure-depth  create")


def test_outputs_spread_maps_and_lists_over_lines_like_the_cli() -> None:
    assert property_lines({"url": "https://x", "topics": {"info": "arn:i", "critical": "arn:c"},
                           "tags": ["a", 2], "empty": {}}) == [
        '    empty : {}',
        "    tags  : [",
        '        [0]: "a"',
        "        [1]: 2",
        "    ]",
        "    topics: {",
        '        critical: "arn:c"',
        '        info    : "arn:i"',
        "    }",
        '    url   : "https://x"',
    ]


def test_a_long_output_value_is_cut_to_the_line() -> None:
    (line,) = property_lines({"arn": "x" * 200})
    assert line == f'    arn: "{"x" * 54}…{"x" * 54}"'
    assert len(line) == 120


def test_wrapped_lists_break_after_a_comma_within_the_width() -> None:
    assert wrapped(["3 aws:sqs:Queue", "2 aws:iam:Role", "1 aws:kms:Key"], "    ", width=40) == [
        "    3 aws:sqs:Queue, 2 aws:iam:Role,",
        "    1 aws:kms:Key",
    ]
    assert wrapped([], "    ") == []
