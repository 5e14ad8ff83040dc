"""Physical names that fit AWS's length limits, for every stack name a team may choose.

Names start with the stack prefix (``<project>-<stack>``), so a long stack name such as
``production-eu-central`` pushes many of them past what AWS accepts for their type (see the
``names`` stack rule for the table of limits and its sources). :func:`fit` keeps a name that
fits exactly as it is, so existing stacks keep theirs; a name that does not fit keeps a
readable head and gets a short hash of the whole name, so two stacks (or two resources) whose
long names share a head still get different names.

:func:`autoname` does the same for resources Pulumi names itself: Pulumi appends ``-`` and
seven random characters to the logical name and refuses the preview when that exceeds the
provider's maximum length (https://www.pulumi.com/docs/iac/concepts/resources/names/).
"""

from __future__ import annotations

import hashlib

from policy.rules.names import NAME_LIMITS

HASH_LENGTH = 6  # hex characters: 16.7 million values, valid in every AWS name charset
AUTONAME_SUFFIX = 8  # what Pulumi's autonaming adds: "-" and 7 random characters
SEPARATORS = "-_."


def digest(text: str) -> str:
    """A short, stable hash of ``text`` (the same in every run and on every machine)."""
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_LENGTH]


def fit(name: str, limit: int, *, keep: str = "") -> str:
    """``name`` when it has at most ``limit`` characters, else ``<head>-<hash><keep>``.

    The hash covers the whole ``name``, so names that differ anywhere stay different after
    shortening. ``keep`` is a tail of ``name`` that must survive whole (a severity, a
    ``.fifo`` suffix, a suffix a filter matches on). The head loses trailing separators, so
    the result never has two in a row (DAX and CloudTrail refuse that).
    """
    if len(name) <= limit:
        return name
    if keep and not name.endswith(keep):
        raise ValueError(f"{name!r} does not end with {keep!r}")
    body = name[: len(name) - len(keep)]
    room = limit - len(keep) - HASH_LENGTH - 1
    head = body[:room].rstrip(SEPARATORS) if room > 0 else ""
    if not head:
        raise ValueError(f"{limit} characters leave no room for a readable head of {name!r}")
    return f"{head}-{digest(name)}{keep}"


def autoname(logical: str, limit: int) -> str | None:
    """``None`` when Pulumi's autoname for ``logical`` fits ``limit``, else a fitted name.

    ``None`` leaves the name input unset, so Pulumi keeps naming the resource (and stacks
    whose names already fit keep theirs); otherwise the resource gets the explicit name
    :func:`fit` makes from its logical name, which is unique per stack because the logical
    name starts with the stack prefix.
    """
    if len(logical) + AUTONAME_SUFFIX <= limit:
        return None
    return fit(logical, limit)


def limit(type_: str, prop: str = "name") -> int:
    """The longest name AWS takes for ``type_``'s ``prop``, from the ``names`` rule's table."""
    for row in NAME_LIMITS:
        if row.type == type_ and row.prop == prop:
            return row.max
    raise KeyError(f"the names table has no limit for {type_} {prop}")
