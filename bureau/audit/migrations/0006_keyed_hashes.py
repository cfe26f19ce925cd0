import django.db.models.deletion
from django.db import migrations, models

# Events already in the table were hashed with plain SHA-256: they keep verifying that way under the
# reserved key id "sha256-legacy" (bureau/audit/keys.py). The column is added with that default and
# the default dropped at once, which PostgreSQL does without rewriting (or UPDATE-ing) any row, so
# the append-only trigger is not involved. New events always name their key.
# The chain checks lose their foreign key constraint, as the events have none: the application's
# role may not delete them (0007), so deleting an organization must not cascade to them.


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_usage_by_user_index"), ("tenancy", "0002_postgres_extensions")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(default="sha256-legacy", max_length=32),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditchaincheck",
            name="organization",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="tenancy.organization",
            ),
        ),
        migrations.AddField(
            model_name="auditchaincheck",
            name="checkpoint_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
