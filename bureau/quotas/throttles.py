"""The DRF side of the per-minute limit of API keys; the async chat views call the same service."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from bureau.quotas.services import actor_request_admit


class ApiKeyRequestsPerMinute(BaseThrottle):
    def allow_request(self, request: Request, view: Any) -> bool:
        # Refusing raises QuotaExceeded, which the exception handler answers with 429, the reset
        # time and Retry-After, instead of DRF's generic "throttled" message.
        actor_request_admit(request.user)
        return True
