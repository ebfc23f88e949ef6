"""The search page and its JSON twin: one form checks `q`, `search.search` does the rest."""

import unicodedata

import pycountry
from django import forms
from django.db.models.functions import Substr
from django.http import JsonResponse
from django.shortcuts import render

from ..http.errors import bad_request, unknown_parameters
from ..lists.parameters import at_most_max_words
from ..models import Source
from ..search import MAX_QUERY_LENGTH, search
from ..site import absolute_url


class SearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=MAX_QUERY_LENGTH,
        validators=[at_most_max_words],
        error_messages={
            "max_length": f"a search of at most {MAX_QUERY_LENGTH} characters: words, "
            '"quoted phrases", -excluded words'
        },
    )


def _results(request):
    refused = unknown_parameters(request, list(SearchForm.base_fields), who="search")
    if refused:
        return None, refused
    form = SearchForm(request.GET)
    if not form.is_valid():
        return None, bad_request(request, form.errors)
    q = form.cleaned_data["q"]
    return (q, search(q) if q else None), None


def _scripts(text):
    """The writing systems of the letters of `text`, by their Unicode names: LATIN, CJK, …"""
    return {unicodedata.name(c, "?").split()[0] for c in text if c.isalpha()}


def scripts_hint(q):
    """For a search that found nothing in a script none of the sources is written in (红线
    where the sources are English), the sources' languages, to say so; else nothing."""
    sources = Source.objects.values_list("language", Substr("text", 1, 2000))
    languages, written = set(), set()
    for language, text in sources:
        languages.add(language)
        written |= _scripts(text)
    if not _scripts(q) - written:
        return {}
    names = sorted(
        getattr(pycountry.languages.get(alpha_2=code), "name", code) for code in languages
    )
    return {"other_script": True, "source_languages": " and ".join(names)}


def search_page(request):
    found, error = _results(request)
    if error:
        return error
    q, results = found
    hint = scripts_hint(q) if results is not None and not results.groups else {}
    return render(
        request,
        "programmes/search.html",
        {
            "search_query": q,
            "results": results,
            **hint,
            "page_description": (
                f"Cities, programmes, funded projects, partners and source passages matching “{q}” "
                "in the city cooperation catalogue."
                if q
                else "Search every record of the city cooperation catalogue and the full text "
                "of its sources."
            ),
        },
    )


def search_json(request):
    found, error = _results(request)
    if error:
        return error
    q, results = found
    url = absolute_url
    groups = results.groups if results else []
    return JsonResponse(
        {
            "query": q,
            "engine": results.engine if results else None,
            "count": results.count if results else 0,
            "groups": [
                {
                    "kind": g.kind,
                    "label": g.label,
                    "truncated": g.truncated,
                    "results": [
                        {
                            "title": hit.title,
                            "title_evidence": (
                                {"status": hit.status, "note": hit.note} if hit.status else None
                            ),
                            "url": url(hit.url),
                            "snippet": str(hit.snippet),
                            "source": (
                                {
                                    "title": hit.source_title,
                                    "url": url(hit.source_url),
                                    "year": hit.year,
                                }
                                if hit.source_url
                                else None
                            ),
                            "cited_for": (
                                {"title": hit.cited_for, "url": url(hit.cited_for_url)}
                                if hit.cited_for
                                else None
                            ),
                        }
                        for hit in g.hits
                    ],
                }
                for g in groups
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )
