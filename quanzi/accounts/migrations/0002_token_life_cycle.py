"""API tokens get a public id (for listing and revoking them) and a revocation time.

The public id is added in three steps, as Django documents for a unique field with a callable
default: nullable, filled row by row, then unique and required."""

from django.db import migrations, models

import quanzi.core.ids


def fill_public_ids(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in ApiToken.objects.filter(public_id=None).only("pk"):
        token.public_id = quanzi.core.ids.new_id()
        token.save(update_fields=["public_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="public_id",
            field=models.CharField(editable=False, max_length=16, null=True),
        ),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="public_id",
            field=models.CharField(
                default=quanzi.core.ids.new_id, editable=False, max_length=16, unique=True
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
