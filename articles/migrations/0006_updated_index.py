"""An index on the published articles' ``updated_at``: the sitemap index's lastmod is
the newest edit among live articles, found by walking it down to the first live one
instead of reading every article. Partial, so that SQLite does not count the whole
table from it (see Article.Meta)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_source_index_covers_expiry"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                condition=models.Q(("status", "published")),
                fields=["updated_at"],
                name="article_updated_idx",
            ),
        ),
        # Statistics for the new index, so the planner weighs it right from the start.
        migrations.RunSQL('ANALYZE "articles_article"', migrations.RunSQL.noop),
    ]
