"""The site's own error pages and the uploaded-media view (issue 9, point 5), in process. The
real-server tests with the `make run` settings are in test_no_debug_pages.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client
from django.utils.http import http_date

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
SECRET = b"the bytes of a file outside MEDIA_ROOT"


def test_a_form_without_its_csrf_token_is_a_translated_403_page():
    # given a browser whose form lost its CSRF token (a page left open past its session)
    client = Client(enforce_csrf_checks=True)
    # when it posts the login form, in Chinese and in English
    zh = client.post("/accounts/login/", {"username": "a", "password": "b"})
    en = client.post("/accounts/login/", {"username": "a"}, headers={"Accept-Language": "en"})
    # then it gets the site's page saying what to do, not Django's English CSRF page
    assert zh.status_code == en.status_code == 403
    assert "表单已过期，请刷新页面后重试。" in zh.content.decode()
    assert "This form has expired. Reload the page and try again." in en.content.decode()
    assert b"CSRF verification failed" not in zh.content


def test_a_host_we_do_not_serve_is_the_400_page():
    # when a request names a host outside ALLOWED_HOSTS
    r = Client().get("/", headers={"Host": "evil.example", "Accept-Language": "en"})
    # then the answer is the site's 400 page
    assert r.status_code == 400
    assert "The request is not valid." in r.content.decode()
    assert b"ALLOWED_HOSTS" not in r.content


def test_an_unknown_page_and_an_unknown_api_url_are_404s_of_their_kind():
    # when a visitor and an API client ask for what does not exist
    page = Client().get("/nothing/here/", headers={"Accept-Language": "en"})
    api = Client().post("/api/v1/nothing/here", headers={"Accept-Language": "en"})
    # then the visitor gets the page, the client the API's JSON
    assert page.status_code == api.status_code == 404
    assert "This page does not exist." in page.content.decode()
    assert page.headers["Content-Type"].startswith("text/html")
    assert api.json() == {"detail": "Not found.", "code": "not_found"}


def test_http404_inside_an_api_operation_is_the_api_json(user, api):
    # when an operation raises Http404 (get_object_or_404 on an unknown store)
    r = api(user).get("/api/v1/stores/no-such-store", headers={"Accept-Language": "en"})
    # then the answer has the API's error shape
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


@pytest.fixture
def media_root(tmp_path: Path, settings) -> Path:  # type: ignore[no-untyped-def]
    """MEDIA_ROOT with an uploaded photo, files no upload makes, and a secret beside it."""
    root = tmp_path / "media"
    (root / "products" / "2025").mkdir(parents=True)
    (root / "products" / "2025" / "p.png").write_bytes(PNG)
    (root / "products" / "2025" / "t.JPG").write_bytes(b"\xff\xd8\xff" + b"\0" * 8)
    (root / "page.html").write_text("<script>alert(1)</script>")
    (root / "drawing.svg").write_text("<svg onload='alert(1)'/>")
    (tmp_path / "secret.png").write_bytes(SECRET)
    os.symlink(tmp_path / "secret.png", root / "link.png")
    settings.MEDIA_ROOT = root
    return root


def test_the_media_view_serves_an_uploaded_image_with_safe_headers(media_root: Path):
    # when a browser loads an uploaded photo
    r = Client().get("/media/products/2025/p.png")
    # then it gets the bytes with the type of its kind, never sniffed, cacheable
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == PNG
    assert r.headers["Content-Type"] == "image/png"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "public" in r.headers["Cache-Control"]
    # and an upper-case extension is the same type
    assert Client().get("/media/products/2025/t.JPG").headers["Content-Type"] == "image/jpeg"


def test_the_media_view_answers_304_when_the_copy_is_fresh(media_root: Path):
    # given the photo's modification time
    mtime = (media_root / "products" / "2025" / "p.png").stat().st_mtime
    # when the browser asks again with If-Modified-Since
    r = Client().get(
        "/media/products/2025/p.png", headers={"If-Modified-Since": http_date(mtime + 1)}
    )
    # then it is told to keep its copy
    assert r.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/media/page.html",  # not an image type: never served as HTML
        "/media/drawing.svg",  # SVG can carry scripts
        "/media/products/",  # a directory: no listing
        "/media/products/2025",
        "/media/products/2025/missing.png",
        "/media/../secret.png",  # out of MEDIA_ROOT
        "/media/products/..%2F..%2Fsecret.png",
        "/media/%2Fetc%2Fpasswd.png",
        "/media/link.png",  # a symlink that leads out of MEDIA_ROOT
    ],
)
def test_the_media_view_is_a_404_for_anything_but_an_image_under_media_root(
    media_root: Path, path: str
):
    # when anything else is asked for under /media/
    r = Client().get(path, headers={"Accept-Language": "en"})
    # then it is the site's 404 page, and nothing of the file
    assert r.status_code == 404
    assert SECRET not in r.content and b"alert" not in r.content


def test_the_media_view_only_reads(media_root: Path):
    # when something else than GET or HEAD is sent
    r = Client().post("/media/products/2025/p.png")
    # then it is refused
    assert r.status_code == 405
