"""Payment providers. The sandbox is built in; a real gateway implements PaymentProvider."""

from __future__ import annotations

from django.conf import settings

from quanzi.payments.providers.base import PaymentProvider


def get_provider(name: str | None = None) -> PaymentProvider:
    """The provider called `name`, or the configured default (QUANZI_PAYMENT_PROVIDER)."""
    from quanzi.campaigns.redpackets.wallet_pay import WalletProvider
    from quanzi.payments.providers.sandbox import SandboxProvider

    providers: dict[str, type[PaymentProvider]] = {
        SandboxProvider.name: SandboxProvider,
        WalletProvider.name: WalletProvider,  # campaigns issue 5: pay from the wallet
    }
    name = name or getattr(settings, "QUANZI_PAYMENT_PROVIDER", SandboxProvider.name)
    if name not in providers:
        raise LookupError(f"unknown payment provider {name!r}")
    return providers[name]()
