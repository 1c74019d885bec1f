"""The public search page: /search/?q=…"""

from __future__ import annotations

from django.shortcuts import render

from ..pagination import paginate
from .backends import backend_for
from .query import parse_query


def search(request):
    """Live articles containing every term of ``q``, best match first, with snippets.

    An empty query (or one with no letters or digits) shows the form and a hint, not
    an error; a page number past the end is a 404 like every other list. Queries made
    of very common words are ranked among the newest matches only (see ``backends``).
    """
    query = parse_query(request.GET.get("q", ""))
    context = {"query": query, "q": query.text, "page": None, "results": [], "matches": None}
    if not query.is_empty:
        backend = backend_for()
        matches = backend.matching(query)
        page = paginate(request, matches.articles)
        results = list(page.object_list)
        snippets = backend.snippets(query, results)
        for article in results:
            article.search_snippet = snippets.get(article.pk, "")
        context.update(page=page, results=results, matches=matches)
    response = render(request, "articles/search.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
