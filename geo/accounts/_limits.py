"""Sign-in rate limiting: a pure decision from recent failures, per user and per client.

Failures within the window are counted separately for the user name tried and for the client
address. After each failure the next attempt must wait 1, 2, 4... seconds (the attempt is
refused without checking the password, so a guesser gets nothing from trying sooner); at the
limit every attempt is refused until enough failures have left the window. Refusing rather
than sleeping keeps a web worker free while a guesser waits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BASE_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 60.0


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str  # "ok", "slowed" (wait a little) or "locked" (until the window passes)
    retry_after: float  # seconds until an attempt is allowed again (0 when allowed)


def decide(
    failure_times: Sequence[Sequence[float]], now: float, max_failures: int, window: float
) -> Verdict:
    """The verdict for an attempt at ``now`` given each counter's failure times."""
    locked, slowed = 0.0, 0.0
    for times in failure_times:
        recent = sorted(t for t in times if now - window < t <= now)
        if len(recent) >= max_failures:
            # Allowed again when the count drops below the limit.
            locked = max(locked, recent[len(recent) - max_failures] + window - now)
        elif recent:
            delay = min(BASE_DELAY_SECONDS * 2 ** (len(recent) - 1), MAX_DELAY_SECONDS)
            slowed = max(slowed, recent[-1] + delay - now)
    if locked > 0:
        return Verdict(False, "locked", locked)
    if slowed > 0:
        return Verdict(False, "slowed", slowed)
    return Verdict(True, "ok", 0.0)
