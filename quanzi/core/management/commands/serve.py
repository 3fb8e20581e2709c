"""Start the ASGI server and the background task worker together (the embedded mode).

Each child that exits while serve is running (a crash, an out-of-memory kill) is started again
after a pause that doubles with each quick failure (1 s, 2 s, 4 s … 30 s) and is forgotten once
the child has run for a minute, with a log line each time. Ctrl-C (or SIGTERM) stops both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from quanzi.core.signals import serving

FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
STABLE_AFTER_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10
POLL_SECONDS = 0.2


@dataclass
class Child:
    """One supervised process: its command line and its current run."""

    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    quick_failures: int = 0
    restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv)
        self.started_at = time.monotonic()
        self.restart_at = None
        self._say(f"started the {self.name} (pid {self.process.pid})")

    def check(self, now: float) -> None:
        """Notice an exit and schedule the restart; start it again when its pause is over."""
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.start()
            return
        if self.process is None or (code := self.process.poll()) is None:
            return
        if now - self.started_at >= STABLE_AFTER_SECONDS:
            self.quick_failures = 0
        delay = min(FIRST_BACKOFF_SECONDS * 2**self.quick_failures, MAX_BACKOFF_SECONDS)
        self.quick_failures += 1
        self.restart_at = now + delay
        self._say(
            f"the {self.name} (pid {self.process.pid}) exited with code {code}; "
            f"restarting it in {delay:g} s"
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def wait(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _say(self, line: str) -> None:
        sys.stderr.write(f"serve: {line}\n")
        sys.stderr.flush()


def supervise(children: list[Child]) -> None:
    """Run the children until Ctrl-C or SIGTERM, then stop them all."""

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        for child in children:
            child.start()
        while True:
            time.sleep(POLL_SECONDS)
            now = time.monotonic()
            for child in children:
                child.check(now)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        for child in children:
            child.stop()
        for child in children:
            child.wait()


class Command(BaseCommand):
    help = (
        "Run the ASGI server (uvicorn) and the task worker, restarting either if it exits; "
        "Ctrl-C stops both."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))

    def handle(self, *args: Any, **options: Any) -> None:
        port, host = options["port"], options["host"]
        py = sys.executable
        server = [
            py,
            "-m",
            "uvicorn",
            "quanzi.asgi:application",
            "--host",
            host,
            "--port",
            str(port),
            "--no-access-log",
            "--ws-max-size",
            str(settings.QUANZI_WS_MAX_MESSAGE_BYTES),
        ]
        # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise: any local
        # client could then name itself any address and walk past the per-address limits.
        if settings.QUANZI_TRUSTED_PROXIES:
            server += ["--forwarded-allow-ips", ",".join(settings.QUANZI_TRUSTED_PROXIES)]
        else:
            server.append("--no-proxy-headers")
        worker = [py, "manage.py", "task_worker", "--queue-name", "*", "--no-reload"]
        if "django_tasks_db" not in settings.TASKS["default"]["BACKEND"]:
            worker = [py, "manage.py", "rqworker", "default"]
        self.stdout.write(self.style.SUCCESS(f"Quanzi is running at http://{host}:{port}/"))
        serving.send(sender=self.__class__, out=self.stdout)
        self.stdout.flush()
        supervise([Child("server", server), Child("task worker", worker)])
