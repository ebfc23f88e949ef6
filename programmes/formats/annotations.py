"""Citations as W3C Web Annotations (JSON-LD), the form machine readers of the catalogue get."""

ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"


def passage_annotation(passage, record_url, build_absolute_uri):
    """One Web Annotation: the record (body) is described by this span of the source (target).

    `build_absolute_uri` makes a path a URL (`programmes.site.absolute_url`).
    """
    source = passage.source
    record = build_absolute_uri(record_url)
    return {
        "@context": ANNOTATION_CONTEXT,
        # One annotation per record and passage: two records citing the same words are two.
        "id": f"{record}#cites-{passage.anchor}",
        "type": "Annotation",
        "motivation": "describing",
        "body": record,
        "target": {
            # The plain text, in which the positions count; the reader shows the passage.
            "source": build_absolute_uri(source.get_text_url()),
            "scope": build_absolute_uri(passage.get_absolute_url()),
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": passage.quote,
                    "prefix": passage.prefix,
                    "suffix": passage.suffix,
                },
                {"type": "TextPositionSelector", "start": passage.start, "end": passage.end},
            ],
        },
    }
