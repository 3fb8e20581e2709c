"""Settings of the servers that tests/accounts/test_login_server.py starts with `manage.py serve`:
the real settings (not the test switches, so `serve` runs its database task worker), with a fast
password hasher so that many login attempts stay cheap."""

from quanzi.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
