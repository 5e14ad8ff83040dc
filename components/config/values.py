"""Facts several areas' key specs share: AWS's allowed values and the text patterns.

Data only: this module imports nothing of the project, so every ``config_keys`` module and
the Reader can read it.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

NAMESPACE = "marketplace"

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)
AWS_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1",
    "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1",
    "il-central-1", "me-south-1", "me-central-1", "mx-central-1", "sa-east-1",
)
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
TAG_VALUE_RE = re.compile(r"^[\w\s.:/=+\-@]{1,256}$")


def did_you_mean(value: str, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``options``, or an empty string."""
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def as_int(value: Any) -> int | None:
    """``value`` as a whole number (an int or its decimal text), else None; booleans are not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip(), 10)
    except ValueError:
        return None


def as_list(value: Any) -> list[Any] | None:
    """An array value (a list, or the JSON text Pulumi passes) as a list, else None."""
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, list) else None
    return None


def short(value: Any) -> str:
    """``repr(value)`` cut to 60 characters for a problem message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def positive_int(text: str) -> int:
    """Parse a table value that must be a whole number >= 0."""
    number = as_int(text)
    if number is None or number < 0:
        raise ValueError(f"{text!r} is not a whole number >= 0")
    return number


def non_negative_float(text: str) -> float:
    """Parse a table value that must be a finite number >= 0."""
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not number >= 0 or number == float("inf"):
        raise ValueError(f"{text!r} must be a finite number >= 0")
    return number


def one_of(options: tuple[str, ...], what: str = "allowed") -> Callable[[str], str]:
    """An array item check: the item itself if it is one of ``options``, else ValueError.

    The message reads ``'x' is not <what>; use one of a, b`` (``what`` "allowed" reads
    ``is not allowed``) and a did-you-mean suggestion.
    """
    def check(value: str) -> str:
        if value not in options:
            raise ValueError(f"{value!r} is not {what}; use one of {', '.join(options)}"
                             + did_you_mean(value, options))
        return value
    return check


def matching(pattern: re.Pattern[str], message: str) -> Callable[[str], str]:
    """An array item check: the item if ``pattern`` matches, else ValueError(``message``).

    ``message`` may name the item as ``{value!r}``.
    """
    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(message.format(value=value))
        return value
    return check
