# An ordinary member's product and campaign cards are limited per member per circle per
# rolling 24 hours (the store's people and promoters count against the commercial budget).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("circles", "0005_notification_after_sales_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="circle",
            name="member_share_daily_limit",
            field=models.PositiveSmallIntegerField(
                default=3, verbose_name="cards a member may share a day"
            ),
        ),
        migrations.AddConstraint(
            model_name="circle",
            constraint=models.CheckConstraint(
                condition=models.Q(("member_share_daily_limit__gte", 1)),
                name="circle_member_shares_ge_1",
            ),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                fields=["circle", "sender", "created_at"], name="message_sender_recent"
            ),
        ),
    ]
