"""Signals of needs for the domains above it (needs never imports them).

`text_analysed` is sent after the transaction that stored an analysis commits, with `item_ids`
(the `TextItem` pks just analysed, their sentiment set): trust watches for complaint spikes."""

from __future__ import annotations

from django.dispatch import Signal

text_analysed = Signal()
