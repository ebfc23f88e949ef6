"""Citations as W3C Web Annotations (JSON-LD), the form machine readers of the catalogue get."""

ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"


def passage_annotation(passage, record_url, build_absolute_uri):
    """One Web Annotation: the record (body) is described by this span of the source (target).

    `build_absolute_uri` makes a path a URL (`programmes.site.absolute_url`).
    """
    source = passage.source
    return {
        "@context": ANNOTATION_CONTEXT,
        "id": build_absolute_uri(passage.get_absolute_url()),
        "type": "Annotation",
        "motivation": "describing",
        "body": build_absolute_uri(record_url),
        "target": {
            "source": build_absolute_uri(source.get_absolute_url()),
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
