"""The name shortener: names that fit stay as they are; others keep a head and get a hash.

Expected hashes are the first six hex characters of the SHA-256 of the whole name, worked
out with ``printf %s <name> | sha256sum`` rather than by the code under test.
"""

from __future__ import annotations

import pytest

from components.blocks.naming import autoname, fit, limit


def test_a_name_that_fits_is_kept_as_it_is() -> None:
    assert fit("marketplace-prod-dax", 20) == "marketplace-prod-dax"
    assert fit("marketplace-prod-errors", 32, keep="-errors") == "marketplace-prod-errors"


def test_a_long_name_keeps_a_readable_head_and_a_hash_of_the_whole_name() -> None:
    # 20 characters: 13 of the head, "-", 6 of sha256("marketplace-production-eu-central-dax").
    assert fit("marketplace-production-eu-central-dax", 20) == "marketplace-p-2f7e94"


def test_two_long_names_that_share_a_head_do_not_collide() -> None:
    central = fit("marketplace-production-eu-central-dax", 20)
    west = fit("marketplace-production-eu-west-dax", 20)
    assert (central, west) == ("marketplace-p-2f7e94", "marketplace-p-a0c909")


def test_the_kept_tail_survives_whole() -> None:
    assert (fit("marketplace-production-eu-central-errors", 32, keep="-errors")
            == "marketplace-produc-f33474-errors")
    assert (fit("marketplace-production-eu-west-errors", 32, keep="-errors")
            == "marketplace-produc-da6547-errors")


def test_the_head_never_ends_in_a_separator() -> None:
    # The first 12 characters are "marketplace-"; DAX and CloudTrail refuse "--".
    assert fit("marketplace-production", 19) == "marketplace-1874c6"


def test_impossible_requests_are_refused() -> None:
    with pytest.raises(ValueError, match="does not end with"):
        fit("marketplace-production-eu-central", 20, keep="-errors")
    with pytest.raises(ValueError, match="no room"):
        fit("marketplace-production-eu-central-errors", 12, keep="-errors")


def test_autoname_leaves_names_that_fit_to_pulumi() -> None:
    # Pulumi adds "-" and 7 characters: 56 + 8 = 64 fits IAM's 64, 57 + 8 does not.
    assert autoname("a" * 56, 64) is None
    assert autoname("a" * 57, 64) == "a" * 57
    assert autoname("a" * 57, 50) == "a" * 43 + "-f13b2d"


def test_limits_come_from_the_names_table() -> None:
    assert limit("aws:iam/role:Role") == 64
    assert limit("aws:dax/cluster:Cluster", "clusterName") == 20
    assert limit("aws:cloudwatch/eventTarget:EventTarget", "targetId") == 64
    with pytest.raises(KeyError):
        limit("aws:iam/role:Role", "path")
