"""The live-article indexes also hold the article's id on PostgreSQL (``INCLUDE``).

A tag page walks the live articles newest first and tests each one's tags by its id;
without the id in the index, PostgreSQL read every walked article's table row for it
(about 330 rows for the first page of a tag on one article in sixteen). SQLite's
indexes always hold the rowid, so there the indexes are only rebuilt as they were."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("articles", "0009_article_tally")]

    operations = [
        migrations.RemoveIndex(model_name="article", name="article_live_idx"),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["status", "publish_at", "number", "expires_at"],
                include=["id"],
                name="article_live_idx",
            ),
        ),
        migrations.RemoveIndex(model_name="article", name="article_source_live_idx"),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["source", "status", "publish_at", "number", "expires_at"],
                include=["id"],
                name="article_source_live_idx",
            ),
        ),
        migrations.RunSQL('ANALYZE "articles_article"', migrations.RunSQL.noop),
    ]
