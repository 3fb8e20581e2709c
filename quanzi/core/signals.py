"""Signals other apps listen to (core never imports them).

`serving` is sent by `manage.py serve` once it has said where Quanzi runs, before it starts the
server and the task worker, with `out` (the command's stdout): the demo prints its logins from
it.
"""

from __future__ import annotations

from django.dispatch import Signal

serving = Signal()
