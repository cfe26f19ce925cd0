"""Signed checkpoints of each organization's audit chain, kept outside the database.

A checkpoint records a chain's head (how many events, the last one's id and hash), signed with the
audit key. Written after every verification that found the chain intact (`manage.py audit_verify`
and the hourly beat task), to a directory as JSON lines (settings.BUREAU_AUDIT_CHECKPOINT_DIR,
`var/audit` on the embedded default), and to syslog when BUREAU_AUDIT_CHECKPOINT_SYSLOG names a
receiver. Only the directory can be read back: verification compares the chain with the last valid
checkpoint found there. Whoever can write the database can cut the chain's tail or, holding the key,
recompute it; without also writing here, they cannot make the chain agree with a checkpoint.
Settings import this module: it imports nothing of Django's models.
"""

from __future__ import annotations

import hmac
import json
import os
import socket
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from logging.handlers import SysLogHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from bureau.audit import keys

FILE_NAME = "checkpoints.jsonl"
SYSLOG_TAG = "bureau-audit-checkpoint"
# Security messages, "notice": where a syslog server files what it must keep.
SYSLOG_PRIORITY = SysLogHandler.LOG_AUTH * 8 + SysLogHandler.LOG_NOTICE


class CheckpointWriteError(Exception):
    """A checkpoint could not be written where the settings say: verification must not pass quietly."""


class InvalidCheckpoint(ValueError):
    pass


@dataclass(frozen=True)
class Checkpoint:
    organization_id: int
    events: int
    last_id: int | None  # None for an empty chain
    last_hash: str
    at: str  # when it was written, ISO 8601 in UTC
    key_id: str
    signature: str = ""

    @property
    def created_at(self) -> datetime:
        return datetime.fromisoformat(self.at)

    def _signed_part(self) -> bytes:
        fields = asdict(self)
        del fields["signature"]
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def signed(self) -> Checkpoint:
        signature = keys.sign(key_id=self.key_id, purpose="checkpoint", payload=self._signed_part())
        return Checkpoint(**(asdict(self) | {"signature": signature}))

    def to_json(self) -> str:
        fields = asdict(self)
        fields["organization"] = fields.pop("organization_id")
        return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def checkpoint_make(*, organization_id: int, events: int, last_id: int | None, last_hash: str) -> Checkpoint:
    return Checkpoint(
        organization_id=organization_id,
        events=events,
        last_id=last_id,
        last_hash=last_hash,
        at=datetime.now(UTC).isoformat(timespec="microseconds"),
        key_id=keys.current_key_id(),
    ).signed()


def checkpoint_parse(text: str) -> Checkpoint:
    """A checkpoint from its JSON line, its signature verified; InvalidCheckpoint says why not."""
    try:
        fields: dict[str, Any] = json.loads(text)
        checkpoint = Checkpoint(
            organization_id=int(fields["organization"]),
            events=int(fields["events"]),
            last_id=None if fields["last_id"] is None else int(fields["last_id"]),
            last_hash=str(fields["last_hash"]),
            at=str(fields["at"]),
            key_id=str(fields["key_id"]),
            signature=str(fields["signature"]),
        )
        checkpoint.created_at  # noqa: B018 - a time that does not parse is a malformed line
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidCheckpoint(f"it is not a checkpoint ({error})") from None
    try:
        expected = checkpoint.signed().signature
    except keys.UnknownAuditKey:
        raise InvalidCheckpoint(
            f"it is signed with key id {checkpoint.key_id!r}, which is not configured"
        ) from None
    if not hmac.compare_digest(expected, checkpoint.signature):
        raise InvalidCheckpoint("its signature does not verify (forged or altered)")
    return checkpoint


@dataclass
class CheckpointLog:
    """What the checkpoint directory holds: the last valid checkpoint of each organization, and
    the lines that are not valid checkpoints (by organization when the line names one)."""

    latest: dict[int, Checkpoint] = field(default_factory=dict)
    problems: dict[int | None, list[str]] = field(default_factory=lambda: defaultdict(list))
    source: str = ""  # the file read, or why none was

    def problems_of(self, organization_id: int) -> list[str]:
        return [*self.problems.get(organization_id, []), *self.problems.get(None, [])]


def checkpoint_dir() -> Path | None:
    from django.conf import settings

    value = settings.BUREAU_AUDIT_CHECKPOINT_DIR
    return Path(value) if value else None


def checkpoints_read() -> CheckpointLog:
    directory = checkpoint_dir()
    if directory is None:
        return CheckpointLog(source="BUREAU_AUDIT_CHECKPOINT_DIR is not set")
    path = directory / FILE_NAME
    log = CheckpointLog(source=str(path))
    try:
        text = path.read_text()
    except FileNotFoundError:
        return log
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            checkpoint = checkpoint_parse(line)
        except InvalidCheckpoint as error:
            log.problems[_organization_named(line)].append(f"checkpoint on line {number} of {path}: {error}")
            continue
        log.latest[checkpoint.organization_id] = checkpoint
    return log


def _organization_named(line: str) -> int | None:
    try:
        return int(json.loads(line)["organization"])
    except (ValueError, KeyError, TypeError):
        return None  # concerns every organization


def checkpoints_write(checkpoints: list[Checkpoint]) -> list[str]:
    """Append the checkpoints to the directory and send them to syslog, as configured; returns
    where they went."""
    from django.conf import settings

    if not checkpoints:
        return []
    written = []
    lines = [checkpoint.to_json() for checkpoint in checkpoints]
    directory = checkpoint_dir()
    if directory is not None:
        path = directory / FILE_NAME
        try:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                # One write per run: appends of concurrent runs do not interleave within a line.
                os.write(descriptor, "".join(f"{line}\n" for line in lines).encode())
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        except OSError as error:
            raise CheckpointWriteError(f"checkpoints not written to {path}: {error}") from error
        written.append(str(path))
    if settings.BUREAU_AUDIT_CHECKPOINT_SYSLOG:
        try:
            _send_to_syslog(settings.BUREAU_AUDIT_CHECKPOINT_SYSLOG, lines)
        except OSError as error:
            raise CheckpointWriteError(
                f"checkpoints not sent to syslog {settings.BUREAU_AUDIT_CHECKPOINT_SYSLOG}: {error}"
            ) from error
        written.append(f"syslog {settings.BUREAU_AUDIT_CHECKPOINT_SYSLOG}")
    return written


def parse_syslog_address(value: str) -> tuple[str | tuple[str, int], socket.SocketKind]:
    """BUREAU_AUDIT_CHECKPOINT_SYSLOG: a Unix socket path (/dev/log), udp://host:port or
    tcp://host:port."""
    if value.startswith("/"):
        return value, socket.SOCK_DGRAM
    parts = urlsplit(value)
    kinds = {"udp": socket.SOCK_DGRAM, "tcp": socket.SOCK_STREAM}
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in kinds or not parts.hostname or port is None:
        raise ImproperlyConfigured(
            "BUREAU_AUDIT_CHECKPOINT_SYSLOG must be a socket path (/dev/log), udp://host:port or "
            f"tcp://host:port, not {value!r}"
        )
    return (parts.hostname, port), kinds[parts.scheme]


def _send_to_syslog(value: str, lines: list[str]) -> None:
    address, kind = parse_syslog_address(value)
    messages = [f"<{SYSLOG_PRIORITY}>{SYSLOG_TAG}: {line}".encode() for line in lines]
    if isinstance(address, str):
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as unix:
                unix.connect(address)
                for message in messages:
                    unix.send(message)
        except OSError:
            # Some syslog daemons listen on a stream socket instead (as logging's SysLogHandler allows).
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
                unix.connect(address)
                for message in messages:
                    unix.sendall(message + b"\n")
        return
    host, port = address
    family, _, _, _, target = socket.getaddrinfo(host, port, type=kind)[0]
    with socket.socket(family, kind) as sock:
        sock.settimeout(10)
        sock.connect(target)
        for message in messages:
            # Over TCP, each message ends with a newline (RFC 6587's non-transparent framing).
            sock.sendall(message + b"\n" if kind == socket.SOCK_STREAM else message)
