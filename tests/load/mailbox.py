"""The load users' inbox: the one-time codes the Celery worker e-mailed, read from the files
Django's file-based e-mail backend writes into the worker's ``VAR_DIR/mail`` (no ``EMAIL_HOST``).

That is the person reading their e-mail: the code travels the real way (outbox row, after-commit
task, worker, e-mail), and the time it takes is reported beside the HTTP figures. Nothing in the
portal is opened for the load run.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import gevent

CODE_SUBJECT = "Tu código de verificación"
CODE_RE = re.compile(r"Código (\d{6}) para (.*?)\. No lo compartas")
SEPARATOR = b"\n" + b"-" * 79 + b"\n"
SCAN_EVERY = 0.05  # seconds: one folder listing serves every user waiting meanwhile
STILL_GROWING = 5.0  # seconds a file is read again after it appeared (see ``scan``)


@dataclass(frozen=True)
class Code:
    code: str
    what: str  # what it approves, as the message says ("transferir $ 4.20 a …")


class Mailbox:
    def __init__(self, folder: Path):
        self.folder = folder
        self.consumed: dict[str, int] = {}  # file name -> bytes of it parsed so far
        self.growing: dict[str, float] = {}  # files that may still be appended to -> first seen
        self.codes: dict[str, list[Code]] = defaultdict(list)
        self.scanned_at = 0.0

    def count(self, recipient: str) -> int:
        """How many codes this address has received: take it before asking for a new one."""
        self.scan(force=True)
        return len(self.codes[recipient])

    def wait(self, recipient: str, *, after: int, about: str, timeout: float) -> Code | None:
        """The first code sent to ``recipient`` after its ``after`` first ones whose message
        mentions ``about``; None if none came within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            self.scan()
            for code in self.codes[recipient][after:]:
                if about in code.what:
                    return code
            if time.monotonic() > deadline:
                return None
            gevent.sleep(SCAN_EVERY)

    def scan(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.scanned_at < SCAN_EVERY:
            return
        self.scanned_at = now
        try:
            names = os.listdir(self.folder)
        except FileNotFoundError:
            return  # the worker has sent nothing yet
        for name in names:
            if name not in self.consumed:
                self.consumed[name] = 0
                self.growing[name] = now
        # Django names a file by the second and the address of its backend object, which the
        # next send often reuses: a message sent within the same second is appended to the same
        # file. So a file is read again while it may still grow.
        for name, seen in list(self.growing.items()):
            self._read(name)
            if now - seen > STILL_GROWING:
                del self.growing[name]

    def _read(self, name: str) -> None:
        """Parse the complete messages (each followed by a line of 79 dashes) added to a file
        since it was last read."""
        path = self.folder / name
        if path.stat().st_size <= self.consumed[name]:
            return
        with path.open("rb") as handle:
            handle.seek(self.consumed[name])
            content = handle.read()
        end = content.rfind(SEPARATOR)
        if end < 0:
            return  # the first message is still being written
        complete = content[: end + len(SEPARATOR)]
        self.consumed[name] += len(complete)
        for raw in complete.split(SEPARATOR):
            if raw.strip():
                self._message(raw)

    def _message(self, raw: bytes) -> None:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        if message["Subject"] != CODE_SUBJECT:
            return
        body = message.get_body(preferencelist=("plain",)).get_content()
        match = CODE_RE.search(body)
        if match:
            recipient = str(message["To"]).strip()
            self.codes[recipient].append(Code(match.group(1), match.group(2)))
