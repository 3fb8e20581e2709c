"""After-sales requests get a thread: messages of the buyer and of the store's staff, with
photos, and a system line for each step of the request (stored as a code and its parameters,
written in the reader's language when shown). The requests made before it get the system lines
of what already happened to them, from their own fields, so every thread starts with its
request and ends with its outcome."""

import django.db.models.deletion
import quanzi.core.ids
from django.conf import settings
from django.db import migrations, models


BATCH = 500


def _lines_of(after_sale):
    """(when, author id, event, params, text) of what a request's own fields record."""
    buyer = after_sale.order.buyer_id
    decided = after_sale.decided_at or after_sale.updated_at
    lines = [
        (
            after_sale.created_at,
            buyer,
            "requested",
            {"kind": after_sale.kind, "amount": after_sale.amount},
            after_sale.reason,
        )
    ]
    if after_sale.return_tracking_number:
        number = {"number": after_sale.return_tracking_number}
        lines.append((after_sale.created_at, buyer, "return_tracking", number, ""))
    amount = {"amount": after_sale.amount}
    if after_sale.status in ("approved", "refunded"):
        lines.append((decided, after_sale.decided_by_id, "approved", amount, ""))
    if after_sale.status == "refunded":
        lines.append((after_sale.updated_at, None, "refunded", amount, ""))
    elif after_sale.status == "rejected":
        lines.append((decided, after_sale.decided_by_id, "rejected", {}, after_sale.merchant_reply))
    elif after_sale.status == "withdrawn":
        lines.append((after_sale.updated_at, buyer, "withdrawn", {}, ""))
    return lines


def open_threads(apps, schema_editor):
    AfterSale = apps.get_model("orders", "AfterSale")
    Message = apps.get_model("orders", "AfterSaleMessage")
    requests = AfterSale.objects.select_related("order").filter(messages__isnull=True)
    for after_sale in requests.order_by("created_at", "pk").iterator(chunk_size=BATCH):
        rows = [
            Message(
                after_sale=after_sale,
                seq=seq,
                author_id=author,
                role="system",
                event=event,
                params=params,
                text=text,
            )
            for seq, (_at, author, event, params, text) in enumerate(_lines_of(after_sale))
        ]
        Message.objects.bulk_create(rows)
        # created_at is set on insert: give each line the time of what it records.
        for row, (at, *_rest) in zip(rows, _lines_of(after_sale), strict=True):
            row.created_at = at
        Message.objects.bulk_update(rows, ["created_at"])


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0005_verbose_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AfterSaleMessage',
            fields=[
                ('id', models.CharField(default=quanzi.core.ids.new_id, editable=False, max_length=16, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('seq', models.PositiveIntegerField(verbose_name='number in the thread')),
                ('role', models.CharField(choices=[('buyer', 'Buyer'), ('merchant', 'Merchant'), ('system', 'System')], max_length=10, verbose_name='from')),
                ('event', models.CharField(blank=True, choices=[('requested', 'Request sent'), ('return_tracking', 'Return tracking number sent'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('refunded', 'Refunded'), ('refund_failed', 'Refund failed'), ('withdrawn', 'Withdrawn')], max_length=20, verbose_name='event')),
                ('params', models.JSONField(blank=True, default=dict, verbose_name='event details')),
                ('text', models.TextField(blank=True, max_length=500, verbose_name='text')),
                ('after_sale', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='orders.aftersale', verbose_name='after-sales request')),
                ('author', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='author')),
            ],
            options={
                'verbose_name': 'after-sales message',
                'verbose_name_plural': 'after-sales messages',
                'ordering': ['seq'],
            },
        ),
        migrations.CreateModel(
            name='AfterSalePhoto',
            fields=[
                ('id', models.CharField(default=quanzi.core.ids.new_id, editable=False, max_length=16, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('image', models.ImageField(upload_to='aftersales/%Y/%m/', verbose_name='image')),
                ('thumbnail', models.ImageField(upload_to='aftersales/thumbs/%Y/%m/', verbose_name='thumbnail')),
                ('width', models.PositiveIntegerField(verbose_name='width')),
                ('height', models.PositiveIntegerField(verbose_name='height')),
                ('position', models.PositiveSmallIntegerField(default=0, verbose_name='position')),
                ('message', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='photos', to='orders.aftersalemessage', verbose_name='after-sales message')),
            ],
            options={
                'verbose_name': 'after-sales photo',
                'verbose_name_plural': 'after-sales photos',
                'ordering': ['position'],
            },
        ),
        migrations.AddConstraint(
            model_name='aftersalemessage',
            constraint=models.UniqueConstraint(fields=('after_sale', 'seq'), name='after_sale_message_seq'),
        ),
        migrations.AddConstraint(
            model_name='aftersalemessage',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('role', 'system'), models.Q(('event', ''), _negated=True)), models.Q(('role__in', ['buyer', 'merchant']), ('event', '')), _connector='OR'), name='after_sale_message_event_iff_system'),
        ),
        migrations.AddConstraint(
            model_name='aftersalephoto',
            constraint=models.UniqueConstraint(fields=('message', 'position'), name='after_sale_photo_position'),
        ),
        migrations.AddConstraint(
            model_name='aftersalephoto',
            constraint=models.CheckConstraint(condition=models.Q(('position__lt', 6)), name='after_sale_photo_at_most_6'),
        ),
        migrations.RunPython(open_threads, migrations.RunPython.noop),
    ]
