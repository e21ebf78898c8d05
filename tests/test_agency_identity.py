"""Agency identity (issue 13, finding 11): an agency's IRI depends on its jurisdiction, a name's place is
looked up in the plan's own region before its province, and ``airkg validate`` passes on a corpus generated
by ``bench/corpus.py`` that holds same-named bodies (城关镇人民政府, 城关区…) of two provinces."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from kg.extract.agencies import canonical_agency
from kg.loading import ingest_files
from kg.rdf_building import agency_iri, agency_key
from kg.regions import gazetteer
from kg.store import OxigraphStore
from kg.validation import validate_graph

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from corpus import DEFAULT_SEED, generate_plan  # noqa: E402

#: Generated plans that write 城关… bodies: counties of Tibet (岗巴县, 察雅县) and Gansu (陇西县, 榆中县),
#: Gansu's 城关区 itself and Lhasa, and the first plans of the corpus.
PLANS = (43, 69, 205, 217, 826, 1042, *range(8))
#: Plans of Lhasa and Lanzhou whose first lead or responsible body becomes 城关区交警大队: each city has a
#: 城关区, so the one name is two bodies, in two provinces.
TWO_TRAFFIC_POLICES = (826, 2328)
_FIRST_BODY = re.compile(r"([〔（])(市[^，、〕）牵负]{2,12}?)(牵头|负责)")


def region(name: str):
    return next(r for r in gazetteer().all() if r.name == name)


def test_same_named_bodies_of_two_places_are_two_agencies() -> None:
    lanzhou, lhasa = gazetteer().by_code("620102"), gazetteer().by_code("540102")
    assert agency_iri("城关区人民政府", "620102") != agency_iri("城关区人民政府", "540102")
    assert agency_key("城关区人民政府", "620102") == "620102|城关区人民政府"
    assert lanzhou.name == lhasa.name == "城关区"
    # a province's bodies, national ones and those of no known place keep the IRI of their name alone
    assert str(agency_iri("山东省生态环境厅", "370000")).endswith("agency/76edf130b6dd")
    assert agency_iri("生态环境部", "100000") == agency_iri("生态环境部")


def test_a_town_of_the_plans_region_is_not_a_district_elsewhere_in_the_province() -> None:
    nima = region("尼玛县")
    town = canonical_agency("城关镇人民政府", nima)
    assert town.jurisdiction == nima and town.canonical == "尼玛县城关镇人民政府"
    district = canonical_agency("城关区生态环境局", nima)  # a district named in full is still found
    assert district.jurisdiction is not None and district.jurisdiction.code == "540102"
    jining = region("济宁市")
    assert canonical_agency("济宁海关", jining).jurisdiction == jining
    # inside a city, its own districts come first
    lanzhou_city = gazetteer().by_code("620100")
    assert canonical_agency("城关区交警大队", lanzhou_city).jurisdiction.code == "620102"


@pytest.mark.slow
def test_validate_passes_on_a_generated_corpus(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for index in PLANS:
        plan = generate_plan(DEFAULT_SEED, index)
        (folder / plan.file_name).write_text(plan.text, encoding="utf-8")
    for index in TWO_TRAFFIC_POLICES:
        plan = generate_plan(DEFAULT_SEED, index)
        text, changed = _FIRST_BODY.subn(r"\1城关区交警大队\3", plan.text, count=1)
        assert changed
        (folder / plan.file_name).write_text(text, encoding="utf-8")
    with OxigraphStore(tmp_path / "store") as store:
        ingest_files(store, [folder], jobs=2)
        shared = store.query("""
            SELECT ?agency (COUNT(DISTINCT ?j) AS ?n) WHERE { ?agency a airkg:Agency ; airkg:jurisdiction ?j }
            GROUP BY ?agency HAVING (COUNT(DISTINCT ?j) > 1)""").rows
        assert not shared, f"agencies with several jurisdictions: {shared[:3]}"
        towns = store.query("""
            SELECT DISTINCT ?label ?place WHERE { ?agency a airkg:Agency ; rdfs:label ?label ;
              airkg:jurisdiction/rdfs:label ?place . FILTER(CONTAINS(STR(?label), "城关镇") && LANG(?place) = "zh"
              && LANG(?label) = "zh") }""").rows
        police = store.query("""
            SELECT DISTINCT ?agency ?code WHERE { ?agency rdfs:label "城关区交警大队"@zh ;
              airkg:jurisdiction/airkg:adminCode ?code }""").rows
        assert sorted(str(row["code"]) for row in police) == ["540102", "620102"]
        assert len({row["agency"] for row in police}) == 2
        assert len(towns) >= 4  # each town the one of its plan's county (not Lhasa's or Lanzhou's 城关区)
        assert all(str(row["label"]).startswith(str(row["place"])) for row in towns), towns
        union = Graph()
        for graph in store.dataset().graphs():
            union += graph
    report = validate_graph(union)
    assert report.conforms, report.text[:3000]
