"""A listing's CloudFront invalidation paths."""

from __future__ import annotations

import pytest

from functions.shared.cdn_paths import invalidation_paths


def test_the_page_the_api_with_its_queries_and_the_media() -> None:
    assert invalidation_paths("lst-42") == ["/listings/lst-42", "/api/listings/lst-42*",
                                            "/media/listings/lst-42/*"]


@pytest.mark.parametrize("listing", ["", "a/b", "x*", "é", "a" * 65])
def test_an_id_a_path_cannot_carry_is_refused(listing: str) -> None:
    with pytest.raises(ValueError, match="characters a URL path cannot carry"):
        invalidation_paths(listing)


def test_the_longest_id_passes() -> None:
    assert invalidation_paths("a" * 64)[0] == "/listings/" + "a" * 64
