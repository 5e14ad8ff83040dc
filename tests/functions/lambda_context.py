"""A stand-in for the Lambda context object: what Powertools and the handlers read of it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class FakeLambdaContext:
    """``function_name``'s context; ``ticking`` counts the time left down from ``remaining_ms``.

    A fixed ``remaining_ms`` (``ticking=False``) gives the handler's deadline a known start;
    a ticking one lets a test that waits (a ``Retry-After``, a backoff) run the clock down.
    """

    function_name: str
    memory_limit_in_mb: int = 256
    remaining_ms: int = 30_000
    ticking: bool = False
    aws_request_id: str = "0f5b8e4a-1111-2222-3333-444455556666"
    _end: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._end = time.monotonic() + self.remaining_ms / 1000

    @property
    def invoked_function_arn(self) -> str:
        """The ``live`` alias the stack invokes."""
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}:live"

    def get_remaining_time_in_millis(self) -> int:
        """What Lambda reports: fixed, or the time to the end when ``ticking``."""
        if not self.ticking:
            return self.remaining_ms
        return int((self._end - time.monotonic()) * 1000)
