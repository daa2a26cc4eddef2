"""The start tags of an HTML fragment, as the standard library's ``html.parser`` reads them (test helper)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def start_tags(markup: str) -> list[str]:
    """The names of the fragment's start tags, in order."""
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser.tags
