"""The demo's flow: data, tiny model, warm-up, RFT and the SFT control, evals, report.

Four rows are compared on the same held-out rows, graded by the same bundle:

- **baseline**: the classical phenotype-similarity ranker fitted on the training diseases
  (rare-disease only; its top-10 list is written as an answer and graded like any other);
- **warm-up**: SFT on labelled training rows whose targets are candidate lists, so the policy
  emits lists from the start;
- **SFT continued** (`SFT-longer` in the scarce protocol): the warm-up model trained further
  on the same labelled rows for the same seconds of training as the RL phase (the control:
  does RL beat simply training longer?);
- **RFT**: the warm-up model trained with GRPO on every training prompt, reward = the bundle.

Two protocols (`DemoConfig.protocol`): `label-for-label` (the default, ReFT's): the warm-up
and the control see every labelled training row, as many labels as the reward reads; `scarce`:
they see a few rows per disease while the reward reads all training labels.

Every run goes through `rft.train.run.run` with a `JobConfig` built here; both trained arms
log held-out evals with `elapsed` training seconds (one time axis); every model is evaluated
with greedy answers on the full validation split; each gets a run folder with `report.html`;
`demo.json` holds the table and the paired RFT-vs-control intervals, and the page
`demo.html` / `demo.md` is written from it.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from rft.data import read_jsonl, write_jsonl
from rft.demo.page import write_demo_page
from rft.demo.table import ModelRow, model_row
from rft.eval import grade_answers
from rft.eval.table import write_table
from rft.prompts import prompt_of
from rft.report.build import rebuild_report
from rft.report.compare import compare_runs
from rft.reward import compile_bundle
from rft.shipped import bundle_path
from rft.tasks.phenotype_baseline import PhenotypeRanker
from rft.tasks.rare_disease import (
    MAX_GENES,
    WARMUP_LENGTH,
    BuildConfig,
    tiny_target,
    write_rare_disease,
)
from rft.train.config import JobConfig
from rft.train.tiny_model import build_tiny_model

Task = Literal["rare-disease", "arithmetic"]
TASKS: tuple[Task, ...] = ("rare-disease", "arithmetic")
Protocol = Literal["label-for-label", "scarce"]
PROTOCOLS: tuple[Protocol, ...] = ("label-for-label", "scarce")
CONTROL: dict[Protocol, tuple[str, str]] = {
    "label-for-label": ("SFT continued", "sft_continued"),
    "scarce": ("SFT-longer", "sft_longer"),
}
"""The control arm's table name and run folder, per protocol."""
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Recipe:
    """Sizes and rates of one demo flavour (measured choices; see the README's demo section)."""

    labelled_per_group: int | None
    """Labelled SFT rows per disease (rare-disease) or in all (arithmetic, `group_key` None);
    None: every training row (the label-for-label protocol)."""
    warmup_epochs: float
    warmup_lr: float
    """Multiplier of the SFT base rate (3e-3 for a <=1M-parameter model)."""
    rl_steps: int
    rl_lr: float
    """Multiplier of the RL base rate (3e-4 for a <=1M-parameter model)."""
    batch_size: int = 8
    num_generations: int = 8
    temperature: float = 1.0
    beta: float = 0.0
    """KL penalty towards the warm-up model (keeps the list tails the warm-up learned)."""
    max_completion_tokens: int = 48
    eval_rows: int | None = None
    """Validation rows evaluated (all when None)."""
    model_shape: dict[str, int] = field(default_factory=dict)
    eval_interval: int | None = None
    """RL steps between the run's own validation evals (only at the end when None). The
    control arm evaluates as often, on its own clock (the RL phase's seconds per eval)."""
    eval_samples: int = 100
    """Validation rows in each of those evals (a fixed seeded subset)."""
    control_lr: float | None = None
    """Multiplier of the SFT base rate for the control arm (None: `warmup_lr`)."""
    control_decay: bool = False
    """The control's learning rate decays linearly to 0 at the end of its clock (its epochs
    estimated from the warm-up's pace) rather than staying at its start value."""
    warmup_eval_seconds: float | None = None
    """Held-out evals during the warm-up every this many seconds (experiments: where it
    converges)."""


@dataclass(frozen=True)
class TaskSpec:
    """What differs between the demo's tasks."""

    grader: Path
    target: str
    """Warm-up SFT target template (over the labelled rows, see `sft_rows`)."""
    group_key: str | None
    label_field: str
    recipes: dict[Protocol, Recipe]
    quick: dict[Protocol, Recipe]


CASES_PER_DISEASE = 40
"""Simulated patients per disease (32 train, 8 held out). More distinct RL prompts than the
dataset's tiny default (24 patients) generalise better: in a seed-0 experiment with the scarce
recipe, RFT's held-out top@1 was 1.43x its warm-up's with 40 patients and 1.24x with 24."""
RARE_SHAPE = {"hidden_size": 128, "num_layers": 2, "num_heads": 4, "intermediate_size": 512}
RARE_QUICK = Recipe(
    labelled_per_group=1,
    warmup_epochs=40,
    warmup_lr=0.33,
    rl_steps=6,
    rl_lr=1.0,
    beta=0.04,
    batch_size=4,
    num_generations=4,
    max_completion_tokens=28,
    eval_rows=60,
    model_shape=RARE_SHAPE,
    eval_interval=3,
    eval_samples=20,
)
ARITH_QUICK = Recipe(
    labelled_per_group=100,
    warmup_epochs=2,
    warmup_lr=1.0,
    rl_steps=6,
    rl_lr=1.0,
    batch_size=4,
    num_generations=4,
    max_completion_tokens=5,
    eval_rows=60,
    eval_interval=3,
    eval_samples=20,
)
SPECS: dict[Task, TaskSpec] = {
    "rare-disease": TaskSpec(
        grader=bundle_path("gene_rank"),
        target="{{ item.sft_target }}",
        group_key="disease_id",
        label_field="gene",
        recipes={
            # SFT on every labelled case to where held-out MRR stops rising, then RL and SFT
            # continued from it for the same seconds (README: how we got here). Seed 0, 200
            # held-out rows: the warm-up's reward (format x reciprocal rank) reaches 0.71 at
            # 3.5 epochs and 0.73-0.74 from 5 on. From there GRPO at the scarce recipe's rate
            # (3e-4) falls to 0.66-0.70, as does SFT continued at its start rate; at 3e-5
            # GRPO holds and inches up (0.75), at 1e-4 it wavers (0.73-0.75), and sampling at
            # temperature 1.5 loses (0.73).
            "label-for-label": Recipe(
                labelled_per_group=None,
                warmup_epochs=6,
                warmup_lr=0.33,
                rl_steps=300,
                rl_lr=0.1,
                beta=0.04,
                max_completion_tokens=28,
                model_shape=RARE_SHAPE,
                eval_interval=50,
                control_decay=True,
            ),
            # Measured on noisy cases with 24 patients per disease (seed 0, 2 CPU cores; the
            # demo's own 3-seed figures are in the README): 40 epochs of SFT at 1e-3 on 4
            # labelled cases per disease give 0.33 held-out top@1 / 0.45 top@5 (15 epochs:
            # 0.26, and RL then collapses into repeated genes); GRPO at 3e-4 with beta 0.04
            # climbs to 0.41 / 0.54 in 1,000 steps (~0.19 s a step).
            # Without the KL term the list tails decay (0.36 / 0.43); at 2x the rate the train
            # reward rises but held-out scores do not.
            "scarce": Recipe(
                labelled_per_group=4,
                warmup_epochs=40,
                warmup_lr=0.33,
                rl_steps=1000,
                rl_lr=1.0,
                beta=0.04,
                max_completion_tokens=28,
                model_shape=RARE_SHAPE,
                eval_interval=200,
            ),
        },
        quick={
            "label-for-label": replace(RARE_QUICK, labelled_per_group=None, warmup_epochs=1),
            "scarce": RARE_QUICK,
        },
    ),
    "arithmetic": TaskSpec(
        grader=REPO / "examples" / "arithmetic" / "grader.yaml",
        target="{{ item.answer }}",
        group_key=None,
        label_field="answer",
        recipes={
            # Seed 0, 200 held-out sums: the full-data warm-up's exact match is 0.26 at 11
            # epochs, 0.69 at 14, 0.92 at 17, 0.95 from 20 on; 30 epochs end at 0.97. From
            # there GRPO at 3e-4 and SFT continued at a flat 3e-3 both fall (0.91, 0.83); at
            # 3e-5 and with the control's rate decaying, both stay at the ceiling.
            "label-for-label": Recipe(
                labelled_per_group=None,
                warmup_epochs=30,
                warmup_lr=1.0,
                rl_steps=300,
                rl_lr=0.1,
                max_completion_tokens=5,
                eval_interval=50,
                control_decay=True,
            ),
            "scarce": Recipe(
                labelled_per_group=300,
                warmup_epochs=12,
                warmup_lr=1.0,
                rl_steps=300,
                rl_lr=1.0,
                max_completion_tokens=5,
                eval_interval=50,
            ),
        },
        quick={
            "label-for-label": replace(ARITH_QUICK, labelled_per_group=None, warmup_epochs=0.2),
            "scarce": ARITH_QUICK,
        },
    ),
}


@dataclass
class DemoConfig:
    """What `rft demo` runs."""

    task: Task = "rare-disease"
    out: Path = Path("runs/demo")
    seed: int = 0
    quick: bool = False
    profile: str = "noisy"
    """Rare-disease case profile: `noisy` (the default: imprecise, unrelated and absent terms)
    or `clean` (every observed term is one of the disease's own annotations)."""
    protocol: Protocol = "label-for-label"
    """`label-for-label`: the warm-up and the SFT control see every labelled training row, as
    many labels as RL's reward reads (ReFT's protocol); `scarce`: they see a few labelled rows
    per disease while RL's reward reads the labels of all training prompts."""
    recipe: Recipe | None = None
    """Overrides the task's recipe (tests and experiments)."""

    def resolved_recipe(self) -> Recipe:
        spec = SPECS[self.task]
        return self.recipe or (spec.quick if self.quick else spec.recipes)[self.protocol]


@dataclass
class DemoResult:
    """The rows of the table, the notes printed under it and the files written."""

    rows: list[ModelRow]
    notes: list[str]
    title: str
    seconds: float
    files: list[Path]
    comparison: dict[str, Any] = field(default_factory=dict)
    """RFT minus the control on the held-out rows: `Comparison.to_dict()` of
    `rft.report.compare` (`metrics.<reward|mrr|top@1|top@5>.delta`, paired bootstrap)."""


Say = Callable[[str], None]


# -- data ---------------------------------------------------------------------------------------
def build_data(config: DemoConfig, data_dir: Path) -> dict[str, Any]:
    """Write `train.jsonl` / `valid.jsonl` (+ manifest) for the task; returns a short summary.

    The data seed is fixed (0): `--seed` varies training only, so seeds compare on one dataset.
    """
    if config.task == "rare-disease":
        manifest = write_rare_disease(
            data_dir,
            BuildConfig.tiny_defaults(
                profile=config.profile, seed=0, cases_per_disease=CASES_PER_DISEASE
            ),
        )
        # Clean cases are short enough that a held-out patient can repeat a training patient's
        # exact terms; such rows would measure memorisation (and `rft train` refuses them).
        train_prompts = {r["prompt"] for r in read_jsonl(data_dir / "train.jsonl")}
        valid = read_jsonl(data_dir / "valid.jsonl")
        kept = [r for r in valid if r["prompt"] not in train_prompts]
        write_jsonl(data_dir / "valid.jsonl", kept)
        rows = dict(manifest["rows"]) | {"valid": len(kept)}
        return {"rows": rows, "profile": config.profile, "dropped": len(valid) - len(kept)}
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "rft_arithmetic_example", REPO / "examples" / "arithmetic" / "build_data.py"
    )
    if spec is None or spec.loader is None:  # pragma: no cover - the file ships with rft
        raise FileNotFoundError("examples/arithmetic/build_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    train, valid = module.make_rows(3000, 200, 0)
    write_jsonl(data_dir / "train.jsonl", train)
    write_jsonl(data_dir / "valid.jsonl", valid)
    return {"rows": {"train": len(train), "valid": len(valid)}}


def labelled_subset(
    rows: list[dict[str, Any]], group_key: str | None, per_group: int | None, seed: int
) -> list[dict[str, Any]]:
    """The SFT rows: `per_group` rows of each group (or in all), seeded; None: every row."""
    if per_group is None:
        return list(rows)
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    if group_key is None:
        return shuffled[:per_group]
    taken: dict[Any, int] = {}
    out = []
    for row in shuffled:
        key = row[group_key]
        if taken.get(key, 0) < per_group:
            taken[key] = taken.get(key, 0) + 1
            out.append(row)
    return out


def sft_rows(task: Task, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The labelled rows as the warm-up reads them.

    Rare-disease rows get `sft_target` = " " + `completion`, the differential list (the gold
    gene, then the genes of the diseases that look most like it;
    `rft.tasks.rare_disease.differential`), so the warm-up already answers with ranked
    candidates and the reciprocal-rank reward has ranks 2-5 to work with. (Measured
    alternatives on noisy cases, 4 labelled per disease: one-gene targets give 0.31 top@1 but
    top@5 = top@1; the classical ranker's per-patient list with the gold gene first gives
    0.16 top@1 / 0.28 top@5, too hard to imitate.) The leading space: TRL joins prompt and
    target as one string, and without it `->{` would be one unknown word. (A template cannot
    add the space: rendering strips the template's outer whitespace.)
    """
    if task != "rare-disease":
        return rows
    return [r | {"sft_target": " " + r["completion"]} for r in rows]


def build_model(config: DemoConfig, recipe: Recipe, data_dir: Path, model_dir: Path) -> int:
    """A tiny Llama and tokenizer from the task's own text; returns its parameter count."""
    from rft.train.run import quiet_transformers  # imports transformers: only to build a model

    quiet_transformers()  # no "Writing model shards" bar under rft's own display
    rows = read_jsonl(data_dir / "train.jsonl") + read_jsonl(data_dir / "valid.jsonl")
    if config.task == "rare-disease":
        # One token per HPO id, gene and JSON mark (vocab.txt): prompts of ~10 tokens and
        # 5-gene answers of 15 (the `word` level's separate spaces, quotes and colons made them
        # 3-4x longer, and the noisy profile unlearnable in the budget).
        texts = [r[k] for r in rows for k in ("prompt", "completion", "gold_completion")]
        info = build_tiny_model(
            texts,
            model_dir,
            level="whitespace",
            max_positions=160,
            seed=config.seed,
            **recipe.model_shape,
        )
    else:
        texts = [r[k] for r in rows for k in ("prompt", "answer")]
        info = build_tiny_model(texts, model_dir, level="char", seed=config.seed)
    return int(info["parameters"])


# -- the three training runs --------------------------------------------------------------------
def _job(
    config: DemoConfig,
    recipe: Recipe,
    *,
    model: Path,
    data_dir: Path,
    out: Path,
    warmup: dict[str, Any] | None,
    steps: int,
) -> Any:

    spec = SPECS[config.task]
    hp: dict[str, Any] = {
        "max_steps": steps,
        "eval_interval": min(recipe.eval_interval or steps, steps) or 1,
        "eval_samples": recipe.eval_samples,
        "batch_size": recipe.batch_size,
        "num_generations": recipe.num_generations,
        "learning_rate_multiplier": recipe.rl_lr,
        "temperature": recipe.temperature,
        "beta": recipe.beta,
        "max_completion_tokens": recipe.max_completion_tokens,
        "seed": config.seed,
    }
    return JobConfig(
        model=str(model),
        train_file=data_dir / "train.jsonl",
        valid_file=data_dir / "valid.jsonl",
        grader=spec.grader,
        method="grpo",
        hyperparameters=hp,
        warmup=warmup or {"n_epochs": 0},
        output_dir=out,
        use_cpu=True,
    )


def _sft(recipe: Recipe, labelled: Path, target: str, **extra: Any) -> dict[str, Any]:
    return {
        "n_epochs": recipe.warmup_epochs,
        "target": target,
        "train_file": labelled,
        "batch_size": 16,
        "learning_rate_multiplier": recipe.warmup_lr,
    } | extra


# -- evaluation ---------------------------------------------------------------------------------
def _evaluate_answers(
    run_dir: Path,
    rows: list[dict[str, Any]],
    answers: list[str],
    grader: Path,
    settings: dict[str, Any],
) -> Any:
    """Grade answers, write `run_dir/eval/` (samples + metrics.json) and `run_dir/report.html`."""

    reward = compile_bundle(grader)
    with reward:
        frame = grade_answers(reward, rows, [prompt_of(r) for r in rows], [[a] for a in answers])
    write_table(frame, run_dir / "eval")
    metrics = {"kind": "eval", "run": settings | {"grader": str(grader), "samples": 1}}
    (run_dir / "eval" / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str))
    rebuild_report(run_dir)
    return frame


def _generate(model_dir: Path, rows: list[dict[str, Any]], max_new_tokens: int) -> list[str]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from rft.train.generation import generate_completions  # imports torch: only to generate

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    out = generate_completions(
        model, tokenizer, [r["prompt"] for r in rows], max_new_tokens=max_new_tokens
    )
    return [texts[0] for texts in out]


def baseline_answers(data_dir: Path, rows: list[dict[str, Any]]) -> list[str]:
    """The classical ranker's top-10 genes per row, fitted on the training diseases only."""

    train = read_jsonl(data_dir / "train.jsonl")
    ranker = PhenotypeRanker.from_disease_ids({r["disease_id"] for r in train})
    return [" " + tiny_target(g) for g in ranker.rank_rows(rows, k=MAX_GENES)]


# -- the flow -----------------------------------------------------------------------------------
def training_clock(metrics: Path) -> tuple[float, int]:
    """Seconds of training of an RL run (its last `train` record's `elapsed`) and its evals
    after step 0: what the control arm gets, and how often it evaluates."""
    records = read_jsonl(metrics)
    train = [r for r in records if r.get("type") == "train"]
    evals = [r for r in records if r.get("type") == "eval" and r.get("step", 0) > 0]
    return (float(train[-1]["elapsed"]) if train else 0.0), len(evals)


def sft_pace(metrics: Path) -> float | None:
    """Seconds per SFT epoch of a warm-up run (from its per-epoch loss records)."""
    logs = [r for r in read_jsonl(metrics) if r.get("type") == "warmup" and r.get("epoch")]
    if not logs:
        return None
    return float(logs[-1]["elapsed"]) / float(logs[-1]["epoch"])


def control_warmup(
    recipe: Recipe, labelled: Path, target: str, clock: float, pace: float | None
) -> dict[str, Any]:
    """The control arm's SFT: the labelled rows again, for `clock` seconds of SFT.

    With `control_decay` its epochs are what the warm-up's pace fits in the clock, so the
    linear schedule reaches 0 as the time runs out; else the epochs are unbounded and the
    rate stays (nearly) at its start value until the clock stops it.
    """
    epochs = 100_000.0
    if recipe.control_decay and pace:
        epochs = max(clock / pace, 0.01)
    return _sft(
        recipe,
        labelled,
        target,
        n_epochs=epochs,
        max_seconds=max(clock, 0.01),
        learning_rate_multiplier=recipe.control_lr or recipe.warmup_lr,
    )


def run_demo(
    config: DemoConfig,
    *,
    say: Say | None = None,
    progress: Any = None,
    console: Any = None,
) -> DemoResult:
    """Run the whole demo under `config.out` (replaced if it exists) and return its table."""
    import torch  # the thread count only

    threads = torch.get_num_threads()
    # A <=1M-parameter model gains nothing from intra-op threads, and they thrash when the
    # cores are shared: on 2 busy cores, 136 SFT steps in 20 s with one thread, 20 with two.
    torch.set_num_threads(1)
    try:
        return _run_demo(config, say=say, progress=progress, console=console)
    finally:
        torch.set_num_threads(threads)


def _run_demo(config: DemoConfig, *, say: Say | None, progress: Any, console: Any) -> DemoResult:
    import shutil

    from rft.train.run import run  # imports transformers and TRL: only to train

    started = time.perf_counter()
    say = say or (lambda _msg: None)
    spec, recipe = SPECS[config.task], config.resolved_recipe()
    control_name, control_folder = CONTROL[config.protocol]
    out = config.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    data_dir = out / "data"

    t = time.perf_counter()
    info = build_data(config, data_dir)
    train_rows = read_jsonl(data_dir / "train.jsonl")
    valid_rows = read_jsonl(data_dir / "valid.jsonl")
    if recipe.eval_rows is not None:
        valid_rows = valid_rows[: recipe.eval_rows]
    labelled = labelled_subset(train_rows, spec.group_key, recipe.labelled_per_group, config.seed)
    labelled_file = write_jsonl(data_dir / "labelled.jsonl", sft_rows(config.task, labelled))
    say(
        f"data: {info['rows']['train']} train / {info['rows']['valid']} valid rows "
        f"({time.perf_counter() - t:.1f}s); {len(labelled)} labelled rows for SFT "
        f"({config.protocol} protocol)"
    )
    n_params = build_model(config, recipe, data_dir, out / "tiny-model")
    say(f"model: tiny Llama, {n_params / 1e6:.2f}M parameters, built from the task's text")

    common = {"config": config, "recipe": recipe, "data_dir": data_dir}
    shown = {"progress": progress, "console": console}
    warm = run(
        _job(
            **common,
            model=out / "tiny-model",
            out=out / "warmup",
            warmup=_sft(recipe, labelled_file, spec.target),
            steps=0,
        ),
        warmup_eval_seconds=recipe.warmup_eval_seconds,
        **shown,
    )
    warm_model = out / "warmup" / "warmup"
    rl = run(
        _job(**common, model=warm_model, out=out / "rft", warmup=None, steps=recipe.rl_steps),
        **shown,
    )
    # The control: SFT continued on the same labelled rows from the same checkpoint, for the
    # RL phase's seconds of training, evaluated as often (evals are off both clocks).
    clock, n_evals = training_clock(out / "rft" / "metrics.jsonl")
    say(f"{control_name}: SFT for the RL phase's {clock:.0f}s of training")
    control = out / control_folder
    run(
        _job(
            **common,
            model=warm_model,
            out=control,
            warmup=control_warmup(
                recipe,
                labelled_file,
                spec.target,
                clock,
                sft_pace(out / "warmup" / "metrics.jsonl"),
            ),
            steps=0,
        ),
        warmup_eval_seconds=clock / max(n_evals, 1),
        **shown,
    )
    control_clock = next(
        r["elapsed"]
        for r in read_jsonl(control / "metrics.jsonl")
        if r.get("type") == "eval" and r.get("phase") == "start"
    )

    say(f"evaluating on {len(valid_rows)} held-out rows (greedy answers, {spec.grader.name})")
    rows: list[ModelRow] = []
    frames: dict[str, Any] = {}
    settings = {"data": str(data_dir / "valid.jsonl"), "seed": config.seed}
    n_lab = f"{len(labelled)} labelled"
    if config.task == "rare-disease":
        frame = _evaluate_answers(
            out / "baseline",
            valid_rows,
            baseline_answers(data_dir, valid_rows),
            spec.grader,
            settings | {"model": "phenotype_baseline resnik_bma (train diseases)"},
        )
        rows.append(
            model_row(
                "baseline",
                frame,
                labels="HPO annotations of the training diseases",
                seconds=None,
                run="baseline",
            )
        )
    runs = [
        ("warm-up", out / "warmup", warm_model, n_lab, warm.warmup_seconds),
        (
            control_name,
            control,
            control / "warmup",
            n_lab,
            warm.warmup_seconds + control_clock,
        ),
        (
            "RFT",
            out / "rft",
            out / "rft" / "final",
            f"{n_lab} + reward on {len(train_rows)} prompts",
            warm.warmup_seconds + clock,
        ),
    ]
    for name, run_dir, model_dir, labels, seconds in runs:
        answers = _generate(model_dir, valid_rows, recipe.max_completion_tokens)
        frames[name] = _evaluate_answers(
            run_dir, valid_rows, answers, spec.grader, settings | {"model": str(model_dir)}
        )
        rows.append(model_row(name, frames[name], labels=labels, seconds=seconds, run=run_dir.name))
    # RFT minus the control, item by item on the held-out rows (paired bootstrap intervals).
    comparison = compare_runs(control, out / "rft", seed=config.seed).to_dict()

    title = _title(config, info, len(valid_rows))
    notes = _notes(config, rows, recipe, rl.steps, len(labelled), len(train_rows), comparison)
    seconds = time.perf_counter() - started
    result = DemoResult(
        rows=rows, notes=notes, title=title, seconds=seconds, files=[], comparison=comparison
    )
    result.files = write_demo(out, result, config, recipe)
    return result


def _title(config: DemoConfig, info: dict[str, Any], n_valid: int) -> str:
    if config.task == "rare-disease":
        return (
            f"rare-disease gene ranking, {info['profile']} cases, by_case split: "
            f"{n_valid} held-out patients (seed {config.seed})"
        )
    return f"arithmetic (two-digit sums): {n_valid} held-out prompts (seed {config.seed})"


def _interval(d: dict[str, Any]) -> str:
    return f"{d['estimate']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}]"


COMPARED = (("mrr", "MRR"), ("top@1", "top@1"), ("reward", "mean reward"))
"""The paired differences the notes give (keys of `Comparison.to_dict()["metrics"]`)."""


def _notes(
    config: DemoConfig,
    rows: list[ModelRow],
    recipe: Recipe,
    rl_steps: int,
    n_labelled: int,
    n_train: int,
    comparison: dict[str, Any],
) -> list[str]:
    by = {r.name: r for r in rows}
    control_name = CONTROL[config.protocol][0]
    warm, rft, control = by["warm-up"], by["RFT"], by[control_name]
    key = "top1" if rft.top1 is not None else "reward"
    before, after = getattr(warm, key), getattr(rft, key)
    ratio = f"{after / before:.2f}x" if before else "n/a (warm-up at 0)"
    metric = "top@1" if key == "top1" else "accuracy"
    ranking = []
    numbers = (warm.top5, rft.top5, warm.mrr, rft.mrr, control.mrr)
    if None not in numbers:
        w5, r5, wm, rm, sm = (float(x) for x in numbers)  # type: ignore[arg-type]
        ranking = [
            f"RFT vs warm-up on top@5 {w5:.3f} -> {r5:.3f}, MRR {wm:.3f} -> {rm:.3f}; "
            f"{control_name} MRR {sm:.3f} ({'below' if sm < rm else 'not below'} RFT's)."
        ]
    metrics = comparison.get("metrics", {})
    deltas = [f"{name} {_interval(metrics[k]['delta'])}" for k, name in COMPARED if k in metrics]
    paired = (
        f"RFT minus {control_name} on the same held-out rows (paired bootstrap, 95%): "
        + "; ".join(deltas)
        + "."
    )
    lines = [f"{r.name}: {r.labels}" for r in rows]
    profile = []
    if config.task == "rare-disease":
        profile = [
            f"cases: {config.profile} profile"
            + (
                " (a sampled term becomes a parent or grandparent with p 0.4; 0-3 unrelated "
                "terms; 0-2 absent phenotypes)"
                if config.profile == "noisy"
                else " (every observed term is one of the disease's own annotations)"
            )
            + ". Warm-up targets are candidate lists: the gene, then the "
            f"{WARMUP_LENGTH - 1} genes of the diseases that look most like it, so the models "
            "rank and top@5 / MRR measure it."
        ]
    if config.protocol == "label-for-label":
        protocol = (
            f"protocol label-for-label (ReFT): the warm-up is SFT on all {n_labelled} labelled "
            f"training rows; from that checkpoint, {control_name} trains on the same rows and "
            "RFT samples answers to the same prompts and learns from the bundle's score, for "
            "the same seconds of training (evals left out of both clocks). Both saw the same "
            "labels: what RFT adds is what optimising the bundle's own measure on its own "
            "samples gives over imitating one target."
        )
    else:
        protocol = (
            f"protocol scarce: the warm-up and {control_name} see {n_labelled} labelled rows; "
            f"RFT's reward reads the label of all {n_train} training prompts (a scalar score per "
            "answer, never a demonstration). It shows what a grader adds when demonstrations "
            "are scarce, not that RL beats SFT on the same labels (`--protocol "
            "label-for-label`)."
        )
    return [
        protocol,
        "supervision: " + "; ".join(lines) + ".",
        *profile,
        f"warm-up invalid-output rate {warm.invalid:.1%} (answers the bundle scores 0 whatever "
        f"they name: empty, malformed, or a repeated gene; RFT {rft.invalid:.1%}). "
        + (
            "top@k and MRR read where the gene sits in each answer list whatever its format, "
            "so fixing the format alone does not raise them; mean reward (format x reciprocal "
            f"rank): warm-up {warm.reward:.3f}, RFT {rft.reward:.3f}."
            if key == "top1"
            else "A gain that only fixes the format would show here as a falling invalid rate."
        ),
        f"RFT vs warm-up on held-out {metric}: {before:.3f} -> {after:.3f} ({ratio}), "
        f"{rl_steps} GRPO steps x {recipe.batch_size} prompts x {recipe.num_generations} samples.",
        *ranking,
        paired,
        (
            "baseline = phenotype_baseline (Resnik best-match average) fitted on the training "
            "diseases' HPO annotations; "
            if config.task == "rare-disease"
            else ""
        )
        + f"RFT = GRPO with {SPECS[config.task].grader.name} as the reward.",
    ]


def write_demo(out: Path, result: DemoResult, config: DemoConfig, recipe: Recipe) -> list[Path]:
    """`demo.json` (what the demo page reads), then the page itself (`demo.html` / `demo.md`)."""
    from dataclasses import asdict

    summary = {
        "title": result.title,
        "task": config.task,
        "protocol": config.protocol,
        "seed": config.seed,
        "quick": config.quick,
        "profile": config.profile,
        "recipe": asdict(recipe),
        "rows": [r.to_dict() for r in result.rows],
        "comparison": result.comparison,
        "notes": result.notes,
        "seconds": round(result.seconds, 1),
    }
    path = out / "demo.json"
    path.write_text(json.dumps(summary, indent=2) + "\n")
    return [path, *write_demo_page(out)]


def with_recipe(config: DemoConfig, **changes: Any) -> DemoConfig:
    """A copy of `config` whose recipe has `changes` (experiments)."""
    return replace(config, recipe=replace(config.resolved_recipe(), **changes))
