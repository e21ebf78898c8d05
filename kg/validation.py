"""SHACL validation of the built graph against ``ontology/shapes.ttl`` (pyshacl)."""

from __future__ import annotations

from dataclasses import dataclass

from pyshacl import validate
from rdflib import RDF, Graph
from rdflib.namespace import SH

from kg.vocabulary import ontology_dir, vocabulary_graph


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    text: str
    violations: int


def validate_graph(data: Graph) -> ValidationReport:
    """Validate ``data`` (plans and regions) against the shapes; the vocabularies are added, since shapes
    check that a pollutant, sector or agency type is a concept of its scheme."""
    data = data + vocabulary_graph()
    shapes = Graph().parse(ontology_dir() / "shapes.ttl", format="turtle")
    conforms, report, text = validate(
        data, shacl_graph=shapes, ont_graph=vocabulary_graph(), inference="none", advanced=True,
        allow_warnings=True,
    )
    violations = sum(1 for _ in report.subjects(RDF.type, SH.ValidationResult))
    return ValidationReport(conforms=bool(conforms), text=str(text), violations=violations)
