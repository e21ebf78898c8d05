"""Facet counts beside the timeline and the entity pages (agency, pollutant, sector, region, plan), as on /measures:
the same code (api/reads/facets.py), on the page's basis (stated unless ``basis`` says otherwise), each value a link
narrowing the selection.

Expected counts are read from the Shandong plan (seeds/000_aa781de31b5c5cff.txt, hand-annotated in
tests/golden/000_aa781de31b5c5cff.json): of its 17 measures, five name VOCs (2.5, 3.1, 3.2, 3.3, 4.3) and one dust
(5.3); 山东省生态环境厅 is responsible for fifteen of them, those five and that one among them; eight measures carry a
deadline, each with a responsible and an implementing agency, and four of them name VOCs (3.3 has no deadline)."""

from __future__ import annotations

import re

import pytest

from api_cases import AGENCY_ID, PLAN_ID


def facet_counts(html: str) -> dict[str, dict[str, int]]:
    """Heading -> value -> count, read from the page's facet list."""
    aside = re.search(r'<aside class="facets".*?</aside>', html, re.S)
    assert aside, "no facets on the page"
    out: dict[str, dict[str, int]] = {}
    for heading, body in re.findall(r"<h3>([^<]+)</h3>\s*<ul>(.*?)</ul>", aside.group(0), re.S):
        out[heading] = {title: int(count) for title, count in
                        re.findall(r'title="([^"]+)">[^<]*</a> <span class="count">(\d+)</span>', body)}
    return out


@pytest.mark.parametrize("path", [f"/plans/{PLAN_ID}", f"/agencies/{AGENCY_ID}"])
def test_plan_and_agency_pages_count_pollutants_on_the_stated_basis(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    counts = facet_counts(response.text)
    assert counts["Pollutants (stated)"] == {"VOCs": 5, "dust": 1}
    assert "Counting" in response.text and "<strong>stated</strong>" in response.text
    assert f'href="/measures?{"plan=" + PLAN_ID if "plans" in path else "agency=" + AGENCY_ID}&amp;basis=stated' \
           f'&amp;pollutant=VOCs"' in response.text  # each value opens those measures on /measures
    wider = facet_counts(client.get(path, params={"basis": "any"}).text)["Pollutants (any)"]
    assert wider["VOCs"] >= 5 and len(wider) > 2  # inferred ones too: PM, SO2, NOx … from the sectors named


def test_the_agency_page_counts_its_measures_roles(client) -> None:
    assert facet_counts(client.get(f"/agencies/{AGENCY_ID}").text)["Roles"]["responsible"] == 15


def test_the_timeline_counts_the_measures_with_deadlines(client) -> None:
    counts = facet_counts(client.get("/timeline", params={"plan": PLAN_ID}).text)
    assert counts["Roles"] == {"responsible": 8, "implementing": 8}
    assert counts["Pollutants (stated)"] == {"VOCs": 4}
    assert "Plans" not in counts  # the filter given is not counted again
    narrowed = facet_counts(client.get("/timeline", params={"plan": PLAN_ID, "pollutant": "挥发性有机物"}).text)
    assert narrowed["Roles"] == {"responsible": 4, "implementing": 4}


@pytest.mark.parametrize("path, heading", [("/pollutants/VOCs", "Sectors (stated)"), ("/sectors/steel", "Plans"),
                                           ("/regions/370000", "Pollutants (stated)")])
def test_concept_and_region_pages_have_facets(client, path: str, heading: str) -> None:
    counts = facet_counts(client.get(path).text)
    assert counts[heading] and all(count > 0 for count in counts[heading].values())
    if path == "/regions/370000":
        assert counts[heading]["VOCs"] >= 5  # Shandong's own plan's five, and Jining's and Zhoucun's
