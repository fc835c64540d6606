"""The checks' refusals, answered by the web app's one handler (``practica.web.app``)."""

from __future__ import annotations

import math

from practica.errors import RetryLaterError


class CheckCooldownError(RetryLaterError):
    """429: too soon after the previous check of this lesson; ``retry_after`` whole seconds to wait."""

    def __init__(self, seconds_left: float) -> None:
        wait = math.ceil(seconds_left)
        super().__init__(f"wait {wait} s before the next check", wait)
