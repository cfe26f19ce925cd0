"""Container health check for the web service: GET /healthz on the local server.

The slim Python image has no curl, so this runs with the standard library only. It sends the
first concrete name of ALLOWED_HOSTS as the Host header (Django answers 400 to a host it does not
allow) and `X-Forwarded-Proto: https` (so that SECURE_SSL_REDIRECT, behind a trusted proxy, does
not answer with a redirect). Liveness only: any HTTP answer below 500 means the process is up;
/readyz is the check that also asks the database and the broker.
"""

from __future__ import annotations

import http.client
import os
import sys


def _host() -> str:
    for item in os.environ.get("ALLOWED_HOSTS", "").split(","):
        name = item.strip().lstrip(".")
        if name and "*" not in name:
            return name
    return "localhost"


def main() -> int:
    connection = http.client.HTTPConnection("127.0.0.1", 8000, timeout=4)
    try:
        connection.request("GET", "/healthz", headers={"Host": _host(), "X-Forwarded-Proto": "https"})
        status = connection.getresponse().status
    except OSError as error:
        print(f"healthz: {error}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if status >= 500:
        print(f"healthz: HTTP {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
