"""The published articles' updated_at index becomes a plain (status, updated_at) index.

As a partial index (``WHERE status = 'published'``) it made SQLite re-plan, on every
run, each statement that binds ``status``, which is every live() query: about 25 µs
for the article page's own lookup and more for its larger queries."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("articles", "0006_updated_index")]

    operations = [
        migrations.RemoveIndex(model_name="article", name="article_updated_idx"),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["status", "updated_at"], name="article_edited_idx"),
        ),
        migrations.RunSQL('ANALYZE "articles_article"', migrations.RunSQL.noop),
    ]
