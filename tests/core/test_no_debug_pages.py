"""No DEBUG page, ever, for a user (issue 9, point 5).

These tests run the server the way `make run` does (uvicorn on quanzi.asgi with quanzi.settings,
nothing in the environment turning DEBUG on) in a subprocess, so what they check is the settings
module's own default, not the test runner's DEBUG=False. The urlconf adds one page and one API
operation that fail on purpose (tests/core/failing_urls.py).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
# What Django's debug pages show and a user must never see.
LEAKS = ("Traceback", "settings", "URLconf", "DEBUG = True", "site-packages")
FILE_PATH = re.compile(r"[\w./-]+\.py\b")

# Variables that would change what `make run` runs with; the server gets none of them.
NOT_INHERITED = (
    "DEBUG",
    "QUANZI_DEBUG",
    "QUANZI_TESTING",
    "QUANZI_PRODUCTION",
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    return {**env, **extra}


def assert_no_leak(response: httpx.Response) -> None:
    text = response.text
    for word in LEAKS:
        assert word not in text, f"{word!r} shown to the user: {text[:500]}"
    assert str(ROOT) not in text
    assert not FILE_PATH.search(text), FILE_PATH.search(text)


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's var/ (QUANZI_VAR_DIR): its SQLite file, secret key and media."""
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="module")
def server(var_dir: Path) -> Iterator[httpx.Client]:
    """A real server with the `make run` settings, on a socket of its own (uvicorn --fd)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    env = _clean_env(
        DJANGO_SETTINGS_MODULE="tests.core.server_settings", QUANZI_VAR_DIR=str(var_dir)
    )
    log = (var_dir / "server.log").open("wb")
    command = [sys.executable, "-m", "uvicorn", "quanzi.asgi:application"]
    proc = subprocess.Popen(
        [*command, "--fd", str(sock.fileno()), "--no-access-log"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        pass_fds=(sock.fileno(),),
    )
    sock.close()
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120)
    try:
        for _ in range(600):  # until it answers (it starts in a few seconds)
            if proc.poll() is not None:
                pytest.fail("the server exited:\n" + (var_dir / "server.log").read_text())
            try:
                if client.get("/api/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("the server never answered:\n" + (var_dir / "server.log").read_text())
        yield client
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_debug_is_off_unless_quanzi_debug_is_1(tmp_path: Path):
    # given the settings module imported as `make run` imports it, with and without the switch
    def debug(**env: str) -> str:
        code = "import quanzi.settings as s; print(s.DEBUG)"
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=_clean_env(QUANZI_VAR_DIR=str(tmp_path), **env),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    # then DEBUG is off by default, on only with QUANZI_DEBUG=1; the old DEBUG variable is gone
    assert debug() == "False"
    assert debug(QUANZI_DEBUG="1") == "True"
    assert debug(QUANZI_DEBUG="0") == "False"
    assert debug(DEBUG="1") == "False"


def assert_site_page(server: httpx.Client, path: str, status: int, zh: str, en: str) -> str:
    """The page at `path` is the site's own, with `status`, in Chinese by default and in English
    when asked, and shows nothing of Django's debug pages. Returns both texts."""
    pages = server.get(path), server.get(path, headers={"Accept-Language": "en"})
    for r, text in zip(pages, (zh, en), strict=True):
        assert r.status_code == status
        assert r.headers["content-type"].startswith("text/html")
        assert text in r.text
        assert_no_leak(r)
    return pages[0].text + pages[1].text


def test_an_unknown_url_is_a_plain_translated_404_without_the_url_list(server):
    # when a visitor opens a page that does not exist, in Chinese and in English
    shown = assert_site_page(
        server, "/no/such/page/", 404, "页面不存在", "This page does not exist."
    )
    # then they get the site's own 404 page, in their language, and no list of URL patterns
    assert "admin/" not in shown and "api/v1/" not in shown


def test_an_unknown_api_url_is_a_json_404(server):
    # when a client calls an API operation that does not exist
    r = server.get("/api/v1/no/such/operation", headers={"Accept-Language": "en"})
    # then the answer is the API's JSON error
    assert r.status_code == 404
    assert r.json() == {"detail": "Not found.", "code": "not_found"}


def test_a_20_mb_json_body_to_signup_is_the_json_413(server):
    # given a 20 MB JSON body (over DATA_UPLOAD_MAX_MEMORY_SIZE, under QUANZI_MAX_REQUEST_BYTES)
    body = b'{"username": "' + b"a" * (20 * MB) + b'", "password": "correct-horse-42"}'
    # when an anonymous client posts it to the signup API
    r = server.post(
        "/api/v1/accounts/signup",
        content=body,
        headers={"Content-Type": "application/json", "Accept-Language": "en"},
    )
    # then it is the documented 413
    assert r.status_code == 413, r.text[:300]
    assert r.json() == {"detail": "The request is too large.", "code": "too_large"}


def _chunks(total: int, piece: int = MB) -> Iterator[bytes]:
    yield b'{"username": "'
    for _ in range(total // piece):
        yield b"a" * piece
    yield b'", "password": "correct-horse-42"}'


def test_a_40_mb_chunked_body_to_signup_is_the_json_413(server):
    # when a client streams 40 MB without a Content-Length (Transfer-Encoding: chunked)
    r = server.post(
        "/api/v1/accounts/signup",
        content=_chunks(40 * MB),
        headers={"Content-Type": "application/json", "Accept-Language": "en"},
    )
    # then it is the same 413, not an HTML 400
    assert r.request.headers.get("transfer-encoding") == "chunked"
    assert r.status_code == 413, r.text[:300]
    assert r.json() == {"detail": "The request is too large.", "code": "too_large"}


@pytest.mark.parametrize("chunked", [False, True])
def test_an_oversized_upload_is_a_413(server, chunked: bool):
    # given a multipart upload over QUANZI_MAX_REQUEST_BYTES (30 MB), declared or streamed
    boundary = "quanzi-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def parts() -> Iterator[bytes]:
        yield head
        for _ in range(40):
            yield b"\xff" * MB
        yield tail

    content = parts() if chunked else b"".join(parts())
    # when it is posted to an upload endpoint of the API
    r = server.post(
        "/api/v1/catalog/products/x/images",
        content=content,
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Accept-Language": "en",
        },
    )
    # then it is refused as too large before anything reads it
    assert r.status_code == 413, r.text[:300]
    assert r.json()["code"] == "too_large"


@pytest.mark.parametrize("chunked", [False, True])
def test_a_20_mb_form_to_a_page_is_a_plain_translated_413_page(server, chunked: bool):
    # given a 20 MB form body to the signup page, declared or streamed
    def parts() -> Iterator[bytes]:
        yield b"username="
        for _ in range(20):
            yield b"a" * MB

    content = parts() if chunked else b"".join(parts())
    # when it is posted
    r = server.post(
        "/accounts/signup/",
        content=content,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    # then the answer is the site's page saying so, in Chinese by default
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html")
    assert "请求内容过大。" in r.text
    assert_no_leak(r)


def test_static_files_and_media_are_served_with_debug_off(server, var_dir: Path):
    # given an uploaded photo under the server's MEDIA_ROOT (var/media)
    photo = var_dir / "media" / "products" / "p.png"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    # when the browser loads the stylesheet, HTMX, the site's script and the photo
    css = server.get("/static/quanzi/app.css")
    htmx = server.get("/static/django_htmx/htmx-2.min.js")
    app = server.get("/static/quanzi/app.js")
    image = server.get("/media/products/p.png")
    # then WhiteNoise serves the static files (no collectstatic step) and the media view the photo
    assert css.status_code == htmx.status_code == app.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.headers["x-content-type-options"] == "nosniff"
    assert image.content == photo.read_bytes()


def test_a_server_error_in_a_page_is_the_friendly_500_page(server):
    # when a page view fails with an unexpected exception, in Chinese and in English
    shown = assert_site_page(
        server, "/test-failures/boom/", 500, "服务器出了点问题", "Something went wrong on our side"
    )
    # then the visitor sees the site's 500 page in their language, and nothing of the error
    assert "SECRET_KEY" not in shown


def test_a_server_error_in_an_api_view_is_a_json_500(server):
    # when an API operation fails with an unexpected exception
    r = server.get("/api/v1/test-failures/boom", headers={"Accept-Language": "en"})
    # then the client gets the API's JSON error, and nothing of the exception
    assert r.status_code == 500
    assert r.json() == {
        "detail": "Something went wrong on our side. Please try again later.",
        "code": "server_error",
    }
    assert_no_leak(r)
