"""Han characters written more than one way: 大連 (Japanese and traditional Chinese) and 大连
(simplified Chinese) name one city, 開発調査 and 开发调查 one study.

Search matches a word in every form it has here, and a record's searched text carries its
simplified form beside its own, so a query in one script finds a record written in another.
The conversions are OpenCC's dictionaries (Japanese shinjitai to traditional, traditional to
simplified and back): the maintained tables, not a list of characters of ours.
"""

import functools

import opencc


@functools.cache
def _converter(config):
    return opencc.OpenCC(config)


def has_han(text):
    """Whether `text` holds a CJK ideograph (or kana: Japanese words mix the two)."""
    return any("\u3040" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" for char in text)


def simplified(text):
    """`text` with its Japanese and traditional Han characters in their simplified forms."""
    if not has_han(text):
        return text
    return _converter("t2s").convert(_converter("jp2t").convert(text))


def forms(term):
    """The ways `term` may be written in a source: as typed, simplified, traditional and
    Japanese; one form for a term without Han characters."""
    if not has_han(term):
        return [term]
    simple = simplified(term)
    traditional = _converter("s2t").convert(simple)
    return list(dict.fromkeys([term, simple, traditional, _converter("t2jp").convert(traditional)]))
