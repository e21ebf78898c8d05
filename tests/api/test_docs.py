"""docs/api.md cannot rot: it names every route, and each of its curl examples answers as documented."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
BASE = "http://127.0.0.1:8000"


def curl_examples() -> list[tuple[str, int | None]]:
    """Each curl line of the doc, with the status a following ``# {"status": N …}`` comment promises."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    found = []
    for index, line in enumerate(lines):
        if line.startswith("curl "):
            following = lines[index + 1] if index + 1 < len(lines) else ""
            promised = json.loads(following[2:])["status"] if following.startswith("# {") else None
            found.append((line, promised))
    return found


def request_of(line: str) -> dict:
    """The method, path, params, headers and body a curl line sends (the flags the doc uses)."""
    words = shlex.split(line)[1:]
    headers, data, params, raw, url, get = {}, [], [], None, None, False
    index = 0
    while index < len(words):
        word = words[index]
        if word in ("-s", "-G"):
            get = get or word == "-G"
        elif word == "-H":
            index += 1
            key, _, value = words[index].partition(":")
            headers[key.strip()] = value.strip()
        elif word == "--data-urlencode":
            index += 1
            data.append(tuple(words[index].split("=", 1)))
        elif word == "--data-binary":
            index += 1
            raw = words[index]
        elif word in ("-o", "-w"):
            index += 1
        elif word.startswith("http"):
            url = word
        else:
            raise AssertionError(f"flag {word!r} not understood: {line}")
        index += 1
    parts = urlsplit(url)
    query = [tuple(item.split("=", 1)) for item in parts.query.split("&") if item]
    if get or (not data and raw is None):
        return {"method": "GET", "url": parts.path, "params": query + data, "headers": headers}
    if raw is not None:
        return {"method": "POST", "url": parts.path, "params": query, "headers": headers, "content": raw.encode()}
    return {"method": "POST", "url": parts.path, "params": query, "headers": headers, "data": dict(data)}


@pytest.mark.parametrize(("line", "promised"), curl_examples())
def test_each_curl_example_answers_as_documented(client, line: str, promised: int | None) -> None:
    assert line.count(BASE) == 1, line
    spec = request_of(line)
    response = client.request(spec.pop("method"), spec.pop("url"), follow_redirects=False, **spec)
    if promised is not None:
        assert response.status_code == promised, response.text
    elif "redirect_url" in line:
        assert response.status_code == 303
    else:
        assert response.status_code == 200, (line, response.text[:300])


def test_the_doc_names_every_route(app) -> None:
    text = DOC.read_text(encoding="utf-8")
    for route in app.routes:
        path = getattr(route, "path", "")
        if path.startswith(("/openapi", "/static", "/graph", "/docs/oauth2")) or path == "/{path:path}":
            continue
        stem = re.sub(r"\{[^}]+\}.*", "", path).rstrip("/") or "/"
        assert f"`{stem}" in text or f"{BASE}{stem}" in text, path
