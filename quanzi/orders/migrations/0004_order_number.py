"""Orders get a number people read (issue 11, point 8): the Asia/Shanghai date of the order and
8 random digits. Added in three steps, as Django documents for a unique field with a callable
default: nullable, filled row by row (from each order's own creation date), then unique and
required."""

import secrets
from zoneinfo import ZoneInfo

from django.db import migrations, models
from django.db.models import Q
from django.utils import timezone

import quanzi.orders.models

SHANGHAI = ZoneInfo("Asia/Shanghai")
BATCH = 500


def fill_numbers(apps, schema_editor):
    """Give every order without a number (None, or "" for a row written before the field was
    required) the number of its creation day: what `new_order_number` would have given it."""
    Order = apps.get_model("orders", "Order")
    taken = set(Order.objects.exclude(number=None).exclude(number="").values_list("number", flat=True))
    missing = Order.objects.filter(Q(number=None) | Q(number="")).only("pk", "created_at")
    batch = []
    for order in missing.order_by("created_at", "pk").iterator(chunk_size=BATCH):
        day = timezone.localdate(order.created_at, SHANGHAI)
        number = f"{day:%Y%m%d}{secrets.randbelow(10**8):08d}"
        while number in taken:
            number = f"{day:%Y%m%d}{secrets.randbelow(10**8):08d}"
        taken.add(number)
        order.number = number
        batch.append(order)
        if len(batch) >= BATCH:
            Order.objects.bulk_update(batch, ["number"])
            batch = []
    if batch:
        Order.objects.bulk_update(batch, ["number"])


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_campaign_orders"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="number",
            field=models.CharField(
                editable=False, max_length=16, null=True, verbose_name="order number"
            ),
        ),
        migrations.RunPython(fill_numbers, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="order",
            name="number",
            field=models.CharField(
                default=quanzi.orders.models.new_order_number,
                editable=False,
                max_length=16,
                unique=True,
                verbose_name="order number",
            ),
        ),
    ]
