"""The expiry index also holds each article's publish time.

The archive counts a period's live articles as all of its articles minus those not
live; its expired ones are then read from this index alone, without a row lookup each
for the publish time."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_edited_index")]

    operations = [
        migrations.RemoveIndex(model_name="article", name="article_expiry_idx"),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["status", "expires_at", "publish_at"], name="article_expiry_idx"
            ),
        ),
        migrations.RunSQL('ANALYZE "articles_article"', migrations.RunSQL.noop),
    ]
