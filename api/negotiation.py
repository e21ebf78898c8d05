"""Choosing a representation from the ``Accept`` header (RFC 9110 §12.5.1): q-values and wildcards.

>>> choose("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", ["text/turtle", "text/html"])
'text/html'
>>> choose("application/ld+json;q=0.5, text/turtle", ["application/ld+json", "text/turtle"])
'text/turtle'
>>> choose("", ["text/turtle", "text/html"])
'text/turtle'
"""

from __future__ import annotations

from collections.abc import Sequence

from api.errors import NotAcceptable


def _ranges(accept: str) -> list[tuple[str, float, int]]:
    """(media range, q, position) for each entry of the header."""
    out = []
    for position, part in enumerate(accept.split(",")):
        fields = [field.strip() for field in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        out.append((media, q, position))
    return out


def _specificity(media_range: str, offer: str) -> int | None:
    """How closely a range matches an offer: 3 exact, 2 type/*, 1 */*, None no match."""
    if media_range == offer:
        return 3
    kind, _, sub = media_range.partition("/")
    if sub == "*" and offer.startswith(kind + "/"):
        return 2
    if media_range in ("*/*", "*"):
        return 1
    return None


def choose(accept: str | None, offers: Sequence[str]) -> str:
    """The offer the client prefers; the first offer when the header is absent or empty.

    Among offers of equal q the most specific match wins, then the server's order.

    Raises:
        NotAcceptable: The client accepts none of the offers.
    """
    if not accept or not accept.strip():
        return offers[0]
    ranges = _ranges(accept)
    best: tuple[float, int, int] | None = None
    chosen = None
    for index, offer in enumerate(offers):
        matches = [(spec, q) for media, q, _ in ranges if (spec := _specificity(media, offer)) is not None]
        if not matches:
            continue
        spec, q = max(matches)  # the most specific range decides the offer's q
        if q <= 0:
            continue
        key = (q, spec, -index)
        if best is None or key > best:
            best, chosen = key, offer
    if chosen is None:
        raise NotAcceptable(f"cannot answer {accept!r}; available: {', '.join(offers)}")
    return chosen
