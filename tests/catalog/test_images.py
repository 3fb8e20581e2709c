from __future__ import annotations

import io
import os

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from quanzi.catalog.models import ProductImage
from tests.stores.roles import image_file

pytestmark = pytest.mark.django_db


def _upload(api, user, product, upload):
    return api(user).post(f"catalog/products/{product.pk}/images", {"file": upload}, multipart=True)


def test_an_image_is_stored_with_its_thumbnail(api, cast, product):
    # given a 1200 × 800 JPEG photo
    # when the owner uploads it
    r = _upload(api, cast.owner, product, image_file("照片.jpg", (1200, 800), "JPEG"))
    # then it is stored under our own name with a thumbnail of at most 400 px
    assert r.status_code == 201, r.content
    image = ProductImage.objects.get(pk=r.json()["id"])
    assert (image.width, image.height) == (1200, 800)
    assert image.image.name.endswith(f"{image.pk}.jpg")
    with default_storage.open(image.thumbnail.name) as f, Image.open(f) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == 400
    assert r.json()["thumbnail"].endswith(".jpg")


@pytest.mark.parametrize(
    "upload,status,code",
    [
        (SimpleUploadedFile("x.png", b"this is not an image", "image/png"), 400, "not_an_image"),
        (SimpleUploadedFile("empty.png", b"", "image/png"), 400, "not_an_image"),
        (
            SimpleUploadedFile("x.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 100, "image/jpeg"),
            400,
            "not_an_image",
        ),
    ],
)
def test_a_non_image_is_refused_and_nothing_is_written(api, cast, product, upload, status, code):
    r = _upload(api, cast.owner, product, upload)
    assert (r.status_code, r.json()["code"]) == (status, code)
    assert not ProductImage.objects.exists()


def test_a_bmp_is_refused(api, cast, product):
    r = _upload(api, cast.owner, product, image_file("x.bmp", (32, 32), "BMP"))
    assert (r.status_code, r.json()["code"]) == (400, "not_an_image")
    assert not ProductImage.objects.exists()


def test_a_too_large_file_is_refused(api, cast, product):
    # given a photo over the 5 MB limit (noise does not compress)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (1400, 1400), os.urandom(1400 * 1400 * 3)).save(buffer, "PNG")
    assert buffer.tell() > 5 * 1024 * 1024
    upload = SimpleUploadedFile("big.png", buffer.getvalue(), "image/png")
    # when it is uploaded, then it is a 413 with its own code, and no row exists
    r = _upload(api, cast.owner, product, upload)
    assert (r.status_code, r.json()["code"]) == (413, "image_too_large")
    assert not ProductImage.objects.exists()


def test_a_huge_pixel_size_is_refused(api, cast, product):
    # given a small file of 7000 × 100 pixels (a decompression bomb would be similar)
    upload = image_file("wide.png", (7000, 100), "PNG")
    assert upload.size < 100_000
    # when it is uploaded
    r = _upload(api, cast.owner, product, upload)
    # then it is refused before being decoded
    assert (r.status_code, r.json()["code"]) == (400, "image_too_big")
    assert not ProductImage.objects.exists()


def test_at_most_nine_images(api, cast, product):
    for _ in range(9):
        assert _upload(api, cast.staff, product, image_file(size=(20, 20))).status_code == 201
    r = _upload(api, cast.staff, product, image_file(size=(20, 20)))
    assert (r.status_code, r.json()["code"]) == (409, "too_many_images")
    assert ProductImage.objects.count() == 9


def test_reorder_and_delete_images(api, cast, product, django_capture_on_commit_callbacks):
    client = api(cast.owner)
    ids = [
        _upload(api, cast.owner, product, image_file(size=(20, 20))).json()["id"] for _ in range(3)
    ]
    # when reordered, the listed order is the gallery order
    r = client.put(f"catalog/products/{product.pk}/images/order", {"ids": ids[::-1]})
    assert [i["id"] for i in r.json()] == ids[::-1]
    detail = api().get(f"catalog/products/{product.pk}").json()
    assert [i["id"] for i in detail["images"]] == ids[::-1]
    # an incomplete order is refused
    assert (
        client.put(f"catalog/products/{product.pk}/images/order", {"ids": ids[:2]}).status_code
        == 400
    )
    # a deleted image loses its files too
    name = ProductImage.objects.get(pk=ids[0]).image.name
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"catalog/products/{product.pk}/images/{ids[0]}").status_code == 204
    assert not ProductImage.objects.filter(pk=ids[0]).exists()
    assert client.delete(f"catalog/products/{product.pk}/images/{ids[0]}").status_code == 404
    assert not default_storage.exists(name)


def test_a_fifty_megabyte_body_is_refused_at_the_door(api, cast, product):
    r = api(cast.owner).post(
        f"catalog/products/{product.pk}/images",
        b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert r.status_code == 413
    assert not ProductImage.objects.exists()
