"""What coupons tell the domains above them (docs/architecture.md, "News travels upward")."""

from __future__ import annotations

from django.dispatch import Signal

# A coupon changed what it shows: a copy was handed out (claimed or granted), its terms or
# quantity changed, or it was deactivated. Sent on commit (`quanzi.core.events.send_on_commit`)
# with `coupon_id`; circles redraws the coupon's cards in the chat.
coupon_changed = Signal()
