"""Start the ASGI server and the background task worker together (the embedded mode)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the ASGI server (uvicorn) and the task worker; Ctrl-C stops both."

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
        worker = [py, "manage.py", "db_worker", "--queue-name", "*", "--no-reload"]
        if "django_tasks_db" not in settings.TASKS["default"]["BACKEND"]:
            worker = [py, "manage.py", "rqworker", "default"]
        procs = [subprocess.Popen(server), subprocess.Popen(worker)]
        self.stdout.write(self.style.SUCCESS(f"Quanzi is running at http://{host}:{port}/"))
        from quanzi.core.demo import print_logins

        print_logins(self.stdout)
        try:
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGINT)
            for p in procs:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        failed = [p.returncode for p in procs if p.returncode not in (0, -2, None)]
        if failed:
            raise SystemExit(failed[0])
