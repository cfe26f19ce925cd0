"""The locust scenario of bench_load.py, run headless as a library in its own process (locust patches
the standard library with gevent when imported). Reads its configuration from the JSON file given as
argument and writes the raw figures to the file the configuration names.

Chatters: start a conversation with the published assistant, ask, read the server-sent events to
the end, think 1-3 s, again. Uploaders: upload a real document, poll it until Ready, delete it (so
that the same file can come back later), think, next file."""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import gevent
from locust import HttpUser, between, events, task
from locust.env import Environment

CONFIG: dict[str, Any] = json.loads(Path(sys.argv[1]).read_text()) if len(sys.argv) > 1 else {}
TIMINGS: dict[str, list[float]] = {"ttft": [], "answer": [], "upload": [], "ready": []}
COUNTS = {"streams_completed": 0, "documents_indexed": 0, "errors": 0}
ERROR_SAMPLES: list[str] = []
MEASURING = {"on": False}
POLL_SECONDS = 0.5
READY_TIMEOUT = 300


def _record(metric: str, milliseconds: float) -> None:
    if MEASURING["on"]:
        TIMINGS[metric].append(milliseconds)


def _error(message: str) -> None:
    if MEASURING["on"]:
        COUNTS["errors"] += 1
        if len(ERROR_SAMPLES) < 5:
            ERROR_SAMPLES.append(message[:300])


@events.request.add_listener
def _on_request(exception: Exception | None, name: str, response: Any, **kwargs: Any) -> None:
    if exception is not None:
        status = getattr(response, "status_code", None)
        _error(f"{name}: {status} {exception}")


class Chatter(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {CONFIG['chat_key']}"

    @task
    def ask(self) -> None:
        created = self.client.post(
            "/api/v1/conversations/", json={"assistant": CONFIG["assistant"]}, name="conversation"
        )
        if created.status_code != 201:
            return  # counted by the request listener
        conversation = created.json()["id"]
        started = time.perf_counter()
        first: float | None = None
        completed = False
        with self.client.post(
            f"/api/v1/conversations/{conversation}/messages/",
            json={"content": CONFIG["question"]},
            headers={"Accept": "text/event-stream"},
            stream=True,
            catch_response=True,
            name="message (stream)",
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return
            event = ""
            for line in response.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                    if event == "error":
                        response.failure("error event")
                        return
                    if event == "text.delta" and first is None:
                        first = time.perf_counter() - started
                    if event == "message.completed":
                        completed = True
            if not completed or first is None:
                response.failure(f"stream ended without an answer (last event {event!r})")
                return
            response.success()
        _record("ttft", first * 1000)
        _record("answer", (time.perf_counter() - started) * 1000)
        if MEASURING["on"]:
            COUNTS["streams_completed"] += 1


class Uploader(HttpUser):
    wait_time = between(1, 2)
    fixed_count = 2  # set from the configuration before the run

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {CONFIG['upload_key']}"
        self.files = list(CONFIG["files"])
        random.Random(id(self)).shuffle(self.files)
        self.next = 0

    @task
    def upload_until_ready(self) -> None:
        path = Path(self.files[self.next % len(self.files)])
        self.next += 1
        documents = f"/api/v1/knowledge-bases/{CONFIG['uploads_kb']}/documents/"
        started = time.perf_counter()
        with path.open("rb") as handle:
            response = self.client.post(documents, files={"files": (path.name, handle)}, name="upload")
        if response.status_code not in (200, 201):
            return
        [result] = response.json()
        if result["outcome"] != "created":
            _error(f"upload {path.name}: {result['outcome']} {result.get('reason')}")
            return
        uploaded = time.perf_counter()
        _record("upload", (uploaded - started) * 1000)
        document = result["document"]["id"]
        while time.perf_counter() - uploaded < READY_TIMEOUT:
            gevent.sleep(POLL_SECONDS)
            status = self.client.get(f"{documents}{document}/", name="document (poll)").json()["status"]
            if status == "ready":
                _record("ready", (time.perf_counter() - uploaded) * 1000)
                if MEASURING["on"]:
                    COUNTS["documents_indexed"] += 1
                break
            if status in ("failed", "cancelled"):
                _error(f"{path.name}: {status}")
                break
        else:
            _error(f"{path.name}: not Ready after {READY_TIMEOUT} s")
        self.client.delete(f"{documents}{document}/", name="document (delete)")


def main() -> int:
    Uploader.fixed_count = CONFIG["uploaders"]
    Chatter.host = Uploader.host = CONFIG["base"]
    environment = Environment(user_classes=[Chatter, Uploader], events=events)
    runner = environment.create_local_runner()
    users = CONFIG["users"] + CONFIG["uploaders"]
    runner.start(users, spawn_rate=max(1.0, users / max(CONFIG["ramp"], 0.1)))
    gevent.sleep(CONFIG["ramp"])
    environment.stats.reset_all()
    MEASURING["on"] = True
    started = time.perf_counter()
    gevent.sleep(CONFIG["duration"])
    MEASURING["on"] = False
    elapsed = time.perf_counter() - started
    requests = environment.stats.total.num_requests
    runner.quit()  # the answers still streaming are cut: not counted, measuring is over
    Path(CONFIG["out"]).write_text(
        json.dumps(
            {
                "duration_s": round(elapsed, 1),
                "requests": requests,
                **COUNTS,
                "error_samples": ERROR_SAMPLES,
                "timings": TIMINGS,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
