"""Chat fixtures (imported explicitly by tests/circles/test_chat_*.py) and a WebSocket test
client.

`channels.testing` imports Daphne (for ChannelsLiveServerTestCase) at package import, and
Daphne is not a dependency, so `Socket` is a small WebSocket communicator on asgiref's
ApplicationCommunicator, the same base Channels' WebsocketCommunicator uses.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from asgiref.testing import ApplicationCommunicator
from channels.routing import URLRouter
from django.conf import settings

from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.circles.models import Circle, Membership, Role
from quanzi.core.ids import new_id
from quanzi.routing import websocket_urlpatterns
from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner


class Socket(ApplicationCommunicator):  # type: ignore[misc]
    """A WebSocket client of an ASGI application, as one user (`user` goes into the scope as
    the auth middleware would put it; None means anonymous)."""

    def __init__(self, path: str, user: User | None, application: Any = None) -> None:
        from django.contrib.auth.models import AnonymousUser

        parsed = urlparse(path)
        scope = {
            "type": "websocket",
            "path": parsed.path,
            "query_string": parsed.query.encode(),
            "headers": [(b"accept-language", b"en")],
            "subprotocols": [],
            "user": user if user is not None else AnonymousUser(),
        }
        super().__init__(application or URLRouter(websocket_urlpatterns), scope)

    async def connect(self, timeout: float = 3) -> tuple[bool, Any]:
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        assert response["type"] == "websocket.accept"
        return True, None

    async def refused(self, timeout: float = 3) -> int:
        """The close code of a refused handshake: the server accepts, then closes at once (a
        close before the accept would reach a browser as an HTTP 403, without the code)."""
        await self.send_input({"type": "websocket.connect"})
        accepted = await self.receive_output(timeout)
        assert accepted["type"] == "websocket.accept", accepted
        closed = await self.receive_output(timeout)
        assert closed["type"] == "websocket.close", closed
        code: int = closed["code"]
        return code

    async def send_json(self, data: dict[str, Any]) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def send_text(self, text: str) -> None:
        """A text frame of any content (hostile frames: not JSON, escapes json.dumps avoids)."""
        await self.send_input({"type": "websocket.receive", "text": text})

    async def send_bytes(self, data: bytes) -> None:
        await self.send_input({"type": "websocket.receive", "bytes": data})

    async def receive_json(self, timeout: float = 3) -> dict[str, Any]:
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        data: dict[str, Any] = json.loads(response["text"])
        return data

    async def receive_until(self, frame_type: str, timeout: float = 3) -> list[dict[str, Any]]:
        """Every frame up to and including the first of `frame_type`."""
        frames = []
        while True:
            frame = await self.receive_json(timeout)
            frames.append(frame)
            if frame["type"] == frame_type:
                return frames

    async def close(self) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.wait(1)


@dataclass
class ChatCircle:
    circle: Circle
    owner: User
    admin: User
    alice: User
    bob: User
    outsider: User
    product: Product

    @property
    def id(self) -> str:
        return self.circle.pk

    def refresh(self) -> Circle:
        self.circle.refresh_from_db()
        return self.circle


def make_chat_circle(**circle_fields: Any) -> ChatCircle:
    """A store circle with an owner, an admin, two members (alice, bob), an outsider and one
    on-shelf product of the store with one SKU."""
    owner = UserFactory(username="owner", nickname="店主")
    store = store_with_owner(owner)
    circle = Circle.objects.create(
        name="咖啡圈", store=store, owner=owner, invite_code=new_id(), **circle_fields
    )
    admin = UserFactory(username="admin1", nickname="管理员")
    alice = UserFactory(username="alice", nickname="小爱")
    bob = UserFactory(username="bob", nickname="阿宝")
    Membership.objects.create(circle=circle, user=owner, role=Role.OWNER)
    Membership.objects.create(circle=circle, user=admin, role=Role.ADMIN)
    Membership.objects.create(circle=circle, user=alice)
    Membership.objects.create(circle=circle, user=bob)
    Circle.objects.filter(pk=circle.pk).update(member_count=4)
    product = ProductFactory(store=store, title="耶加雪菲")
    SkuFactory(product=product, stock=5)
    return ChatCircle(circle, owner, admin, alice, bob, UserFactory(username="stranger"), product)


@pytest.fixture(name="cc")
def chat_circle_fixture(db: None) -> ChatCircle:
    """`cc`: the chat circle of make_chat_circle (import `chat_circle_fixture` to use it)."""
    return make_chat_circle()


# --- Real server processes (browser and Redis tests) ------------------------------------------
#
# pytest-django's live_server speaks HTTP only (no WebSockets) and Channels' own live server
# needs Daphne, which is not a dependency. These tests run uvicorn (the production server) in
# child processes against a migrated file SQLite database of their own.

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_env(db_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("QUANZI_TESTING", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="quanzi.settings",
        DATABASE_URL=f"sqlite:///{db_path}",
        SECRET_KEY="chat-test-secret-key-not-for-production",
        DEBUG="1",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def run_django(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


SEED = """
import json, django
django.setup()
from tests.circles.conftest_chat import seed_live
print("SEED" + json.dumps(seed_live()))
"""


def seed_live() -> dict[str, Any]:
    """Run inside a server's database: the chat circle, plus a session and an API token for
    each person (the browser gets the session cookie)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from quanzi.accounts.models import ApiToken

    made = make_chat_circle()
    people: dict[str, dict[str, str]] = {}
    for name in ("owner", "admin", "alice", "bob", "outsider"):
        user: User = getattr(made, name)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "quanzi.accounts.backends.PhoneOrUsernameBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        _, token = ApiToken.issue(user)
        people[name] = {"session": str(session.session_key), "token": token}
    return {"circle": made.id, "people": people}


def wait_until_serving(proc: subprocess.Popen[bytes], base: str, tries: int = 200) -> str:
    """Wait until the server process answers its health check; returns `base`."""
    for _ in range(tries):
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode()[-3000:] if proc.stderr else "")
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health", timeout=1):
                return base
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


@dataclass
class LiveSite:
    """A migrated, seeded database and the uvicorn servers running on it."""

    db_path: Path
    env: dict[str, str]
    seed: dict[str, Any]
    servers: list[tuple[subprocess.Popen[bytes], str]]

    def start(self, **extra_env: str) -> str:
        """Start one more server process; returns its base URL."""
        port = free_port()
        env = {**self.env, **extra_env}
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "quanzi.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--ws-max-size",  # as manage.py serve runs it
                str(settings.QUANZI_WS_MAX_MESSAGE_BYTES),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}"
        self.servers.append((proc, base))
        return wait_until_serving(proc, base)

    def stop(self) -> None:
        for proc, _base in self.servers:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.servers.clear()

    def post(self, base: str, who: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST JSON to the API of one server as one of the seeded people."""
        request = urllib.request.Request(
            f"{base}/api/v1/{path}",
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.seed['people'][who]['token']}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            data: dict[str, Any] = json.loads(response.read())
            return data


def make_live_site(tmp_dir: Path, seed: str = SEED, **env: str) -> LiveSite:
    """A migrated database seeded by the script `seed` (it prints "SEED" and its JSON)."""
    db_path = tmp_dir / "chat.sqlite3"
    site_env = server_env(db_path, MEDIA_ROOT=str(tmp_dir / "media"), **env)
    run_django(site_env, "manage.py", "migrate", "--noinput")
    out = run_django(site_env, "-c", seed)
    return LiveSite(db_path, site_env, json.loads(out.split("SEED", 1)[1]), [])


def open_chat(
    browser: Any, site: tuple[LiveSite, str], who: str, *, lang: str = "en"
) -> tuple[Any, Any]:
    """A fresh phone-sized browser context logged in as `who` (a seeded person), on the
    circle's chat, connected; `lang` "en" or "zh-hans"."""
    live, base = site
    chinese = lang.startswith("zh")
    context = browser.new_context(
        base_url=base,
        locale="zh-CN" if chinese else "en-US",
        extra_http_headers={"Accept-Language": "zh-CN" if chinese else "en"},
        viewport={"width": 390, "height": 844},
    )
    context.set_default_timeout(15_000)
    context.add_cookies(
        [{"name": "sessionid", "value": live.seed["people"][who]["session"], "url": base}]
    )
    page = context.new_page()
    page.goto(f"/circles/{live.seed['circle']}/chat/")
    page.wait_for_selector("[data-testid=chat-status][data-state=online]")
    return context, page
