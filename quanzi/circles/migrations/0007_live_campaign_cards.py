# Campaign cards in the chat (a group buy, a group, a bargain, a coupon) and the reference that
# lets their domain redraw every message of one object when its state changes.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("circles", "0006_member_share_limit"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="card_ref",
            field=models.CharField(blank=True, max_length=40, verbose_name="card of"),
        ),
        migrations.AlterField(
            model_name="message",
            name="kind",
            field=models.CharField(
                choices=[
                    ("text", "Text"),
                    ("image", "Image"),
                    ("product", "Product card"),
                    ("order", "Order card"),
                    ("review", "Review card"),
                    ("campaign", "Campaign card"),
                    ("announcement", "Announcement"),
                    ("system", "System"),
                ],
                default="text",
                max_length=12,
                verbose_name="kind",
            ),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                condition=models.Q(("card_ref", ""), _negated=True),
                fields=["card_ref"],
                name="message_card_ref",
            ),
        ),
    ]
