"""Where people act from: an `AccessPrint` per person, network prefix and device, counted.

The network is the client address's /24 (IPv4) or /48 (IPv6): households and offices share a
prefix, and a phone moving between cells of one carrier mostly keeps it. The client address is
`REMOTE_ADDR`, as the rate limits read it (`quanzi.core.ratelimit.address_bucket`): the server
puts there what a trusted proxy says (QUANZI_TRUSTED_PROXIES, applied by `manage.py serve`).
Loopback, link-local and unspecified addresses say nothing about a person and are not kept.

The device is a short hash of the browser's User-Agent and Accept-Language: not an identity,
only "the same kind of browser set up the same way", which is what the overlap signal needs.

Prints not seen for `PRINT_DAYS` are deleted by the periodic analysis (`prune`).

Recording happens after the request's transaction commits and never raises into the request
(a sign-in or a checkout never fails because a print could not be written)."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from quanzi.trust.models import AccessPrint

log = logging.getLogger("quanzi.trust")

IPV4_PREFIX = 24
IPV6_PREFIX = 48
DEVICE_LENGTH = 16  # AccessPrint.device
MAX_HEADER = 500  # what is read of each header
PRINT_DAYS = 180  # prints not seen for this long are pruned (the analysis reads 180 days)


def ip_prefix(address: str) -> str:
    """The network of `address` as the overlap signal compares it ("58.246.12.0/24",
    "2408:8207:1234::/48"), or "" for what is no client address (empty, malformed, loopback,
    link-local, unspecified). An IPv4 address mapped into IPv6 counts as IPv4."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast:
        return ""
    bits = IPV4_PREFIX if isinstance(ip, ipaddress.IPv4Address) else IPV6_PREFIX
    return str(ipaddress.ip_network((ip, bits), strict=False))


def device_of(agent: str, language: str) -> str:
    """A short hash of the browser's User-Agent and Accept-Language ("" when both are empty)."""
    agent, language = agent.strip()[:MAX_HEADER], language.strip()[:MAX_HEADER]
    if not agent and not language:
        return ""
    raw = f"{agent}\n{language}".encode()
    return hashlib.sha256(raw).hexdigest()[:DEVICE_LENGTH]


def print_of(request: HttpRequest) -> tuple[str, str]:
    """(ip prefix, device) of a request."""
    meta = request.META
    return (
        ip_prefix(str(meta.get("REMOTE_ADDR", "") or "")),
        device_of(
            str(meta.get("HTTP_USER_AGENT", "") or ""),
            str(meta.get("HTTP_ACCEPT_LANGUAGE", "") or ""),
        ),
    )


def record_print(request: HttpRequest | None, user_id: object) -> None:
    """Count that the user `user_id` acted from where `request` came from, once the current
    transaction commits (at once outside one). Never raises."""
    try:
        if request is None or not isinstance(user_id, int) or isinstance(user_id, bool):
            return
        prefix, device = print_of(request)
        if not prefix and not device:
            return
    except Exception:
        log.exception("could not read the access print")
        return

    def write() -> None:
        try:
            upsert(user_id, prefix, device)
        except Exception:
            log.exception("could not record the access print of user %s", user_id)

    transaction.on_commit(write)


def upsert(user_id: int, prefix: str, device: str) -> None:
    """One more time from (prefix, device): the row's count goes up, or the row is created."""
    now = timezone.now()
    rows = AccessPrint.objects.filter(user_id=user_id, ip_prefix=prefix, device=device)
    if rows.update(times=F("times") + 1, last_seen=now):
        return
    try:
        with transaction.atomic():
            AccessPrint.objects.create(user_id=user_id, ip_prefix=prefix, device=device)
    except IntegrityError:  # a concurrent first visit created it
        rows.update(times=F("times") + 1, last_seen=now)


def prune(now: datetime | None = None) -> int:
    """Delete the prints not seen for `PRINT_DAYS`; answers how many."""
    before = (now or timezone.now()) - timedelta(days=PRINT_DAYS)
    deleted, _ = AccessPrint.objects.filter(last_seen__lt=before).delete()
    return deleted
