"""Wallet fixtures: the red packets' room (a store's circle whose members hold money in their
wallets) is where wallets are used, so the wallet tests share it."""

from __future__ import annotations

from tests.campaigns.redpackets.conftest import room

__all__ = ["room"]
