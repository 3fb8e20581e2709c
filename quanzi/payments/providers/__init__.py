"""Payment providers: each registers itself (`register_provider`) in its app's AppConfig.ready —
the sandbox by payments, the wallet by wallets — so payments imports none of the domains that
bring one. A real gateway implements PaymentProvider and registers the same way."""

from __future__ import annotations

from django.conf import settings

from quanzi.payments.providers.base import PaymentProvider

DEFAULT_PROVIDER = "sandbox"

_providers: dict[str, type[PaymentProvider]] = {}


def register_provider(provider: type[PaymentProvider]) -> None:
    """Make `provider` available under its `name` (a second registration replaces the first)."""
    _providers[provider.name] = provider


def get_provider(name: str | None = None) -> PaymentProvider:
    """The provider called `name`, or the configured default (QUANZI_PAYMENT_PROVIDER)."""
    name = name or getattr(settings, "QUANZI_PAYMENT_PROVIDER", DEFAULT_PROVIDER)
    if name not in _providers:
        raise LookupError(f"unknown payment provider {name!r}")
    return _providers[name]()
