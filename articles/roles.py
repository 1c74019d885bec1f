"""The newsroom's roles, as Django groups, and what each may do.

Contributors write and edit drafts but cannot publish or schedule; Editors
publish, schedule and unpublish; the Wire desk imports wire copy.
"""

from __future__ import annotations

CONTRIBUTORS = "Contributors"
EDITORS = "Editors"
WIRE_DESK = "Wire desk"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    CONTRIBUTORS: [
        "articles.add_article",
        "articles.change_article",
        "articles.view_article",
        "articles.view_source",
        "taggit.view_tag",
    ],
    EDITORS: [
        "articles.add_article",
        "articles.change_article",
        "articles.delete_article",
        "articles.view_article",
        "articles.publish_article",
        "articles.add_source",
        "articles.change_source",
        "articles.view_source",
        "taggit.add_tag",
        "taggit.change_tag",
        "taggit.view_tag",
    ],
    WIRE_DESK: [
        "articles.view_article",
        "articles.import_wire",
        "articles.view_source",
        "taggit.view_tag",
    ],
}
