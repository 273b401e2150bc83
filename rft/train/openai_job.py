"""An OpenAI fine-tuning job create body (`POST /v1/fine_tuning/jobs`) mapped to an rft job.

People leaving OpenAI's RFT have a JSON body like

    {"model": "o4-mini-2025-04-16", "training_file": "train.jsonl",
     "validation_file": "valid.jsonl", "suffix": "triage", "seed": 7,
     "method": {"type": "reinforcement",
                "reinforcement": {"grader": {...}, "hyperparameters": {"n_epochs": 2}}}}

with the file ids replaced by local paths (relative to the JSON file). `read_openai_job` reads
it into a validated `JobConfig` (through `parse_job`, the job file's own validator), the grader
JSON as is (loaded by rft's bundle loader), and one `Note` per OpenAI field saying what it
became in rft or why it is ignored. `write_migration` writes the equivalent job YAML and
grader bundle YAML for `rft migrate`; `openai_train_job` gives `rft train openai_job.json` its
`JobConfig`. Every problem is a `ConfigError` naming the JSON file, line and field, and the fix.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

import rft
from rft.errors import BundleErrors, ConfigError, LocatedError, Location, did_you_mean
from rft.loading import load_bundle, load_yaml_located, read_text
from rft.train.config import Hyperparameters, JobConfig, parse_job

TOP_LEVEL_FIELDS = (
    "model",
    "training_file",
    "validation_file",
    "suffix",
    "seed",
    "method",
    "hyperparameters",
    "metadata",
    "integrations",
)
HYPERPARAMETER_FIELDS = (
    "n_epochs",
    "batch_size",
    "learning_rate_multiplier",
    "eval_interval",
    "eval_samples",
    "compute_multiplier",
    "reasoning_effort",
)
REASONING_EFFORTS = ("default", "low", "medium", "high")
METHOD_TYPES = ("supervised", "dpo", "reinforcement")

# OpenAI samples several completions per prompt and scales that exploration with
# `compute_multiplier`; rft's knob for it is `num_generations` (the GRPO/RLOO group size).
BASE_GENERATIONS = Hyperparameters.model_fields["num_generations"].default

# Names of OpenAI-hosted models (and fine-tunes of them): their weights are not downloadable.
_HOSTED_MODEL = re.compile(r"^(ft:|gpt-|o\d|chatgpt-|davinci|babbage)", re.IGNORECASE)
_FILE_ID = re.compile(r"^file-[A-Za-z0-9]+$")


@dataclass(frozen=True)
class Note:
    """What one OpenAI field became: `rft_field` set when mapped, None when ignored."""

    openai_field: str
    rft_field: str | None
    text: str

    @property
    def ignored(self) -> bool:
        return self.rft_field is None

    def __str__(self) -> str:
        target = f"-> {self.rft_field}" if self.rft_field else "ignored"
        return f"{self.openai_field} {target}: {self.text}"


@dataclass
class OpenAIJob:
    """An OpenAI job body mapped to rft: the job (paths absolute), the grader JSON, the notes.

    `job.grader` is where `write_migration` / `openai_train_job` write the grader bundle.
    """

    source: Path
    job: JobConfig
    grader: dict[str, Any]
    notes: list[Note] = field(default_factory=list)

    @property
    def hosted_model(self) -> bool:
        """True when `model` names an OpenAI-hosted model (no local weights to train)."""
        return is_hosted_model(self.job.model)

    def warnings(self) -> list[str]:
        """The ignored fields, one line each (printed by the CLI)."""
        return [str(n) for n in self.notes if n.ignored]


def is_hosted_model(model: str) -> bool:
    """True for OpenAI model names (`o4-mini-2025-04-16`, `gpt-4.1`, `ft:...`) that are not local."""
    return bool(_HOSTED_MODEL.match(model)) and not Path(model).exists()


def is_openai_job(path: str | Path) -> bool:
    """True when `path` is a JSON file holding an OpenAI job body (`method` or `training_file`).

    A `.json` file that is not valid JSON counts too, so that its syntax error is reported
    with its line and column by `read_openai_job`.
    """
    path = Path(path)
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        data = json.loads(read_text(path, error=ConfigError, what="job"))  # bounded in size
    except (json.JSONDecodeError, RecursionError):
        return True
    return isinstance(data, dict) and ("method" in data or "training_file" in data)


class _Reader:
    """Reads one body, keeping the JSON file's lines for every error."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: dict[tuple[str, ...], int] = {}
        self.notes: list[Note] = []

    def error(self, field_path: tuple[str, ...], message: str, hint: str) -> ConfigError:
        line = None
        for end in range(len(field_path), -1, -1):
            line = self.lines.get(field_path[:end])
            if line is not None:
                break
        return ConfigError(message, Location(str(self.path), line, field_path), hint=hint)

    def load(self) -> dict[str, Any]:
        if not self.path.is_file():
            raise ConfigError(
                f"no such OpenAI job file: {self.path}",
                hint="pass the JSON body of your fine-tuning job create request",
            )
        text = read_text(self.path, error=ConfigError, what="OpenAI job")
        try:
            data = json.loads(text)
        except RecursionError:
            raise ConfigError(
                "the JSON nests too deeply to read",
                Location(str(self.path), 1),
                hint="an OpenAI job body is a few levels deep; this file is not one",
            ) from None
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                Location(str(self.path), exc.lineno),
                hint="fix the JSON syntax (a trailing comma or a missing quote is the usual cause)",
            ) from None
        # One line map for every file rft reads (bounded: depth, size, aliases).
        _, lines = load_yaml_located(text, file=str(self.path), error=ConfigError, is_json=True)
        self.lines = {tuple(str(part) for part in key): line for key, line in lines.items()}
        if not isinstance(data, dict):
            raise ConfigError(
                f"an OpenAI job body must be a JSON object, got {type(data).__name__}",
                Location(str(self.path), 1),
                hint='start with {"model": ..., "training_file": ..., "method": {...}}',
            )
        return data


def read_openai_job(
    path: str | Path, *, model: str | None = None, output_dir: str | Path | None = None
) -> OpenAIJob:
    """Read an OpenAI fine-tuning job body and map it to a validated rft `JobConfig`.

    Args:
        path: the JSON file; `training_file` / `validation_file` are paths relative to it.
        model: overrides the body's `model` (a local folder or a Hugging Face id).
        output_dir: the run folder (default `runs/<suffix or file stem>` next to the JSON).

    The grader is written nowhere yet: `job.grader` is `<output_dir>/grader.json`.
    Raises `ConfigError` (or the bundle loader's error, relocated into the JSON file).
    """
    path = Path(path)
    reader = _Reader(path)
    body = reader.load()
    base = path.parent.resolve()
    notes = reader.notes

    for key in body:
        if key not in TOP_LEVEL_FIELDS:
            hint = did_you_mean(key, TOP_LEVEL_FIELDS)
            raise reader.error(
                (key,),
                f"unknown field `{key}` in an OpenAI fine-tuning job body"
                + (f" ({hint})" if hint else ""),
                f"remove it; the fields are {', '.join(TOP_LEVEL_FIELDS)}",
            )

    grader, method_hp = _method(body, reader)
    hp = _hyperparameters(body, method_hp, reader)

    chosen_model = _model(body, model, reader, base)
    train_file = _data_file(body, "training_file", reader, base)
    valid_file = _data_file(body, "validation_file", reader, base)
    notes.append(
        Note("training_file", "train_file", "the same JSONL rows (`messages` + item fields)")
    )
    notes.append(Note("validation_file", "valid_file", "the same JSONL rows"))

    seed = body.get("seed")
    if seed is not None:
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise reader.error(("seed",), f"`seed` must be an integer, got {seed!r}", "e.g. 42")
        hp["seed"] = seed
        notes.append(Note("seed", "hyperparameters.seed", "seeds sampling, shuffling and init"))

    suffix = body.get("suffix")
    if suffix is not None and not (isinstance(suffix, str) and suffix.strip()):
        raise reader.error(
            ("suffix",), f"`suffix` must be a non-empty string, got {suffix!r}", 'e.g. "triage"'
        )
    # A folder name, never a path: OpenAI allows any text up to 64 characters.
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", suffix.strip() if suffix else path.stem).strip(".-")
    name = name or "openai-job"
    run_dir = Path(output_dir).resolve() if output_dir else base / "runs" / name
    notes.append(
        Note(
            "suffix",
            "output_dir",
            f"names the run folder (runs/{name}); OpenAI names the model with it",
        )
        if suffix
        else Note(
            "suffix", "output_dir", f"not set: the run folder is named after the file (runs/{name})"
        )
    )
    for key, why in (
        ("metadata", "key-value labels of the OpenAI job object; rft keeps no job registry"),
        (
            "integrations",
            "OpenAI's Weights & Biases hook; rft writes metrics.jsonl in the run folder",
        ),
    ):
        if key in body:
            notes.append(Note(key, None, why))

    data = {
        "model": chosen_model,
        "train_file": str(train_file),
        "valid_file": str(valid_file),
        "grader": str(run_dir / "grader.json"),
        "method": "grpo",
        "hyperparameters": hp,
        "output_dir": str(run_dir),
    }
    try:
        job = parse_job(data, file=str(path))
    except ConfigError as exc:
        raise ConfigError(
            f"the job mapped from {path} is not valid: {exc.message}",
            Location(str(path)),
            hint=exc.hint or "fix the hyperparameters in the JSON body",
        ) from None
    return OpenAIJob(source=path, job=job, grader=grader, notes=notes)


def _method(body: Mapping[str, Any], reader: _Reader) -> tuple[dict[str, Any], dict[str, Any]]:
    """The grader JSON and the method's hyperparameters; errors for non-RL methods."""
    method = body.get("method")
    if method is None:
        raise reader.error(
            (),
            "no `method`: OpenAI runs such a job as supervised fine-tuning, and rft trains "
            "only with reinforcement learning against a grader",
            'add "method": {"type": "reinforcement", "reinforcement": {"grader": {...}}}',
        )
    if not isinstance(method, dict):
        raise reader.error(
            ("method",), "`method` must be an object", 'e.g. {"type": "reinforcement", ...}'
        )
    kind = method.get("type")
    if kind not in METHOD_TYPES:
        hint = did_you_mean(str(kind), METHOD_TYPES)
        raise reader.error(
            ("method", "type"),
            f"unknown method type {kind!r}" + (f" ({hint})" if hint else ""),
            'use "type": "reinforcement" (rft trains with RL against a grader)',
        )
    if kind != "reinforcement":
        raise reader.error(
            ("method", "type"),
            f"method type `{kind}` is not reinforcement fine-tuning: rft trains with RL against "
            "a grader and does not run OpenAI's supervised or DPO jobs",
            "run those with TRL's SFTTrainer / DPOTrainer; for a supervised warm-up before RL, "
            "make this a reinforcement job with a grader, `rft migrate` it and set `warmup:` "
            "in the written job YAML",
        )
    for key in method:
        if key not in ("type", "reinforcement"):
            raise reader.error(
                ("method", key),
                f"unexpected field `method.{key}` in a reinforcement job",
                "put the grader and hyperparameters under `method.reinforcement`",
            )
    rl = method.get("reinforcement")
    if not isinstance(rl, dict):
        raise reader.error(
            ("method",),
            "`method.reinforcement` is missing or not an object",
            'add "reinforcement": {"grader": {...}, "hyperparameters": {...}}',
        )
    for key in rl:
        if key not in ("grader", "hyperparameters"):
            hint = did_you_mean(key, ("grader", "hyperparameters"))
            raise reader.error(
                ("method", "reinforcement", key),
                f"unknown field `{key}`" + (f" ({hint})" if hint else ""),
                "`method.reinforcement` holds `grader` and `hyperparameters`",
            )
    grader = rl.get("grader")
    if not isinstance(grader, dict):
        raise reader.error(
            ("method", "reinforcement"),
            "`method.reinforcement.grader` is missing or not an object",
            "paste the grader JSON of your OpenAI job (string_check, score_model, multi, ...)",
        )
    _check_grader(grader, reader)
    hp = rl.get("hyperparameters") or {}
    if not isinstance(hp, dict):
        raise reader.error(
            ("method", "reinforcement", "hyperparameters"),
            "`hyperparameters` must be an object",
            'e.g. {"n_epochs": 2, "batch_size": 8}',
        )
    reader.notes.append(Note("method.type", "method", "reinforcement -> grpo (group-relative RL)"))
    reader.notes.append(
        Note("method.reinforcement.grader", "grader", "the OpenAI grader JSON, loaded as is")
    )
    return dict(grader), hp


def _check_grader(grader: dict[str, Any], reader: _Reader) -> None:
    """Load and compile the grader with rft's loader; relocate its errors into the JSON file."""
    prefix = ("method", "reinforcement", "grader")
    try:
        with rft.compile(load_bundle(grader)):  # compiles templates, formulas, code; then closes
            pass
    except BundleErrors as exc:
        raise BundleErrors([_relocate(e, prefix, reader) for e in exc.errors]) from None
    except LocatedError as exc:
        raise _relocate(exc, prefix, reader) from None


def _relocate(error: LocatedError, prefix: tuple[str, ...], reader: _Reader) -> LocatedError:
    """The loader's error, pointed at the grader inside the JSON body (file, line, field)."""
    full = (*prefix, *error.location.field)
    error.location.file = str(reader.path)
    error.location.field = full
    key = tuple(str(p) for p in full)
    for end in range(len(key), -1, -1):
        line = reader.lines.get(key[:end])
        if line is not None:
            error.location.line = line
            break
    error.args = (error._format(),)
    return error


def _hyperparameters(
    body: Mapping[str, Any], method_hp: Mapping[str, Any], reader: _Reader
) -> dict[str, Any]:
    """rft's `hyperparameters:` from the method's (and the legacy top-level) hyperparameters."""
    legacy = body.get("hyperparameters") or {}
    if not isinstance(legacy, dict):
        raise reader.error(
            ("hyperparameters",), "`hyperparameters` must be an object", 'e.g. {"n_epochs": 2}'
        )
    merged: dict[str, tuple[tuple[str, ...], Any]] = {}
    for source, prefix in (
        (legacy, ("hyperparameters",)),
        (method_hp, ("method", "reinforcement", "hyperparameters")),
    ):
        for key, value in source.items():
            where = (*prefix, key)
            if key not in HYPERPARAMETER_FIELDS:
                hint = did_you_mean(key, HYPERPARAMETER_FIELDS)
                raise reader.error(
                    where,
                    f"unknown hyperparameter `{key}`" + (f" ({hint})" if hint else ""),
                    f"OpenAI's reinforcement hyperparameters are {', '.join(HYPERPARAMETER_FIELDS)}",
                )
            if key in merged and merged[key][1] != value:
                reader.notes.append(
                    Note(
                        ".".join(merged[key][0]),
                        None,
                        f"overridden by {'.'.join(where)} (the method's wins)",
                    )
                )
            merged[key] = (where, value)

    out: dict[str, Any] = {}
    notes = reader.notes

    def number(key: str, *, integer: bool) -> int | float | None:
        """A whole number >= 1 (`integer`) or a number > 0; None for "auto"."""
        where, value = merged[key]
        if value == "auto":
            return None
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        ok = ok and (value >= 1 and float(value) == int(value) if integer else value > 0)
        if not ok:
            kind = "a whole number >= 1" if integer else "a number > 0"
            raise reader.error(
                where,
                f'`{".".join(where)}` must be {kind} or "auto", got {value!r}',
                f'e.g. "{key}": "auto"',
            )
        return int(value) if integer else float(value)

    simple = {
        "n_epochs": (False, "passes over the training prompts"),
        "batch_size": (True, "prompts per RL step"),
        "learning_rate_multiplier": (
            False,
            "multiplies rft's base rate (3e-4 at <=1M parameters to 1e-6 at >=1B), not OpenAI's",
        ),
        "eval_interval": (True, "RL steps between validation evals (and checkpoints)"),
        "eval_samples": (True, "validation rows scored per eval, one greedy completion each"),
    }
    for key, (integer, what) in simple.items():
        if key not in merged:
            continue
        value = number(key, integer=integer)
        dotted = ".".join(merged[key][0])
        if value is None:
            default = Hyperparameters.model_fields[key].default
            notes.append(Note(dotted, f"hyperparameters.{key}", f'"auto" -> rft default {default}'))
            continue
        out[key] = value
        notes.append(Note(dotted, f"hyperparameters.{key}", what))

    if "compute_multiplier" in merged:
        value = number("compute_multiplier", integer=False)
        dotted = ".".join(merged["compute_multiplier"][0])
        if value is None:
            notes.append(
                Note(
                    dotted,
                    "hyperparameters.num_generations",
                    f'"auto" -> {BASE_GENERATIONS} completions per prompt',
                )
            )
        else:
            out["num_generations"] = max(2, round(BASE_GENERATIONS * value))
            notes.append(
                Note(
                    dotted,
                    "hyperparameters.num_generations",
                    f"exploration per prompt: {BASE_GENERATIONS} x {value:g} -> "
                    f"{out['num_generations']} completions per prompt (at least 2)",
                )
            )

    if "reasoning_effort" in merged:
        where, value = merged["reasoning_effort"]
        dotted = ".".join(where)
        if value not in REASONING_EFFORTS:
            raise reader.error(
                where,
                f"`{dotted}` must be one of {', '.join(REASONING_EFFORTS)}, got {value!r}",
                'e.g. "reasoning_effort": "medium"',
            )
        notes.append(
            Note(
                dotted,
                None,
                f"{value!r} is a setting of OpenAI's o-series models; a local model has no effort "
                "levels: its thinking budget is `hyperparameters.max_completion_tokens`",
            )
        )
    return out


def _model(body: Mapping[str, Any], override: str | None, reader: _Reader, base: Path) -> str:
    if override:
        local = Path(override)
        reader.notes.append(Note("model", "model", f"overridden by --model {override}"))
        return str(local.resolve()) if local.exists() else override
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise reader.error(
            ("model",),
            "`model` is missing or not a string",
            "name a local model folder or a Hugging Face id (or pass --model)",
        )
    local = base / model
    if local.exists():
        reader.notes.append(Note("model", "model", f"local model folder {local.resolve()}"))
        return str(local.resolve())
    if is_hosted_model(model):
        reader.notes.append(
            Note(
                "model",
                "model",
                f"{model!r} is OpenAI-hosted: replace it with a local model (--model)",
            )
        )
    else:
        reader.notes.append(Note("model", "model", "a Hugging Face model id"))
    return model


def _data_file(body: Mapping[str, Any], key: str, reader: _Reader, base: Path) -> Path:
    value = body.get(key)
    if value is None:
        raise reader.error(
            (key,) if key in body else (),
            f"missing `{key}`: OpenAI's RFT needs a training and a validation file, and so does rft",
            f'add "{key}": "<path of the JSONL file, relative to {reader.path.name}>"',
        )
    if not isinstance(value, str) or not value:
        raise reader.error(
            (key,), f"`{key}` must be a path string, got {value!r}", f'e.g. "{key}": "train.jsonl"'
        )
    if _FILE_ID.match(value) and not (base / value).exists():
        raise reader.error(
            (key,),
            f"`{key}` is an OpenAI file id ({value}), not a local file",
            f"download it (`openai api files.content -i {value} > {key}.jsonl`, or from the "
            f"dashboard) and put the local path here, relative to {reader.path.name}",
        )
    path = (base / value).resolve()
    if not path.is_file():
        raise reader.error(
            (key,),
            f"`{key}` {value} does not exist (looked for {path})",
            f"give the path of the JSONL file, relative to {reader.path.name}",
        )
    return path


def openai_train_job(
    path: str | Path, *, model: str | None = None, output_dir: str | Path | None = None
) -> JobConfig:
    """The `JobConfig` `rft train openai_job.json --model M` runs (see `train_job`)."""
    return train_job(read_openai_job(path, model=model, output_dir=output_dir))


def train_job(mapped: OpenAIJob) -> JobConfig:
    """The mapped job, ready for `rft.train.run.run`: writes its grader to `job.grader`.

    Raises `ConfigError` when `model` (after `--model`) is an OpenAI-hosted model name.
    """
    if mapped.hosted_model:
        raise ConfigError(
            f"`model` {mapped.job.model!r} is an OpenAI-hosted model: its weights cannot be "
            "trained locally",
            Location(str(mapped.source), None, ("model",)),
            hint="pass --model with a local model folder or a Hugging Face id "
            "(e.g. --model Qwen/Qwen2.5-0.5B-Instruct)",
        )
    mapped.job.grader.parent.mkdir(parents=True, exist_ok=True)
    mapped.job.grader.write_text(json.dumps(mapped.grader, indent=2) + "\n", encoding="utf-8")
    return mapped.job


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (python grader source, judge prompts) as `|` blocks, to edit."""


_Dumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar(
        "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None
    ),
)


def _rel(target: Path, start: Path) -> str:
    return os.path.relpath(target, start)


def write_migration(mapped: OpenAIJob, out_dir: str | Path) -> tuple[Path, Path]:
    """Write `OUT/job.yaml` and `OUT/grader.yaml` (each with a header of what was mapped).

    Paths in the job are relative to OUT; the run folder is `OUT/runs/<name>`. Returns the
    paths of the job and the bundle.
    """
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    job, bundle = out / "job.yaml", out / "grader.yaml"
    config = mapped.job
    model = config.model
    if Path(model).is_absolute():
        model = _rel(Path(model), out)
    data: dict[str, Any] = {
        "model": model,
        "train_file": _rel(config.train_file, out),
        "valid_file": _rel(config.valid_file, out),
        "grader": bundle.name,
        "method": config.method,
        "hyperparameters": config.hyperparameters.model_dump(exclude_defaults=True),
        "output_dir": f"runs/{config.output_dir.name}",
    }
    if not data["hyperparameters"]:
        del data["hyperparameters"]
    source = mapped.source
    header = [
        f"# Migrated by `rft migrate` from the OpenAI fine-tuning job {source.name}.",
        "# Reference: schemas/train_job.schema.json; README 'Coming from OpenAI RFT'.",
        "#",
        "# Mapped:",
        *(f"#   {n}" for n in mapped.notes if not n.ignored),
    ]
    ignored = [f"#   {n}" for n in mapped.notes if n.ignored]
    if ignored:
        header += ["# Ignored:", *ignored]
    if mapped.hosted_model:
        header += [
            "#",
            "# `model` is OpenAI-hosted: replace it with a local model folder or a Hugging Face id.",
        ]
    schema = "# yaml-language-server: $schema=https://rft.dev/schemas/train_job.schema.json"
    job.write_text(
        "\n".join([schema, *header])
        + "\n"
        + yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    bundle.write_text(
        f"# The grader of {source.name} (`method.reinforcement.grader`), as is: OpenAI's grader\n"
        "# JSON loads unchanged in rft. Check it with `rft graders test grader.yaml`.\n"
        + yaml.dump(mapped.grader, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8",
    )
    return job, bundle
