"""`python`: a user's `grade(sample, item) -> float` run in sandboxed worker processes."""

from __future__ import annotations

import ast

import numpy as np
import orjson

from rft.batch import Batch
from rft.errors import BundleError, ErrorFlag
from rft.graders.base import CompileContext, Grader, GraderOutput
from rft.graders.registry import register
from rft.sandbox import Limits, WorkerPool
from rft.spec.python import PythonSpec

_JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


@register
class PythonGrader(Grader):
    """Scores with `grade(sample, item) -> float` (OpenAI's contract), never in this process.

    `sample` is `{"output_text", "output_json", "output_tools"}` (`output_json` is None when
    the text is not JSON), `item` the dataset row. Workers are separate processes jailed by
    `rft.sandbox` (namespaces and seccomp: no processes, sockets, signals, or files outside the
    Python runtime and a private size-capped tmpfs) with an empty environment and limits on
    wall-clock time, CPU time, memory, disk, file size and open files. Workers stay warm across
    batches. An exception, a timeout, a non-number, NaN or a value outside [0, 1] raises
    `python_grader_runtime_error` (message: the traceback's last line); a worker that dies or
    breaks the protocol raises `python_grader_server_error`, is replaced, and the batch carries
    on. On a host that cannot build the jail, compiling raises `SandboxUnavailable` unless the
    user opted in (`rft.sandbox.allow_unsandboxed_python`, ``RFT_ALLOW_UNSANDBOXED_PYTHON=1``).

    Args (spec fields):
        source: the Python source; it must define `grade` at top level.
        timeout_s: wall-clock seconds per sample (the worker is killed past it).
        cpu_time_s: CPU seconds per sample.
        memory_mb: address-space limit per worker.
        max_file_mb: largest file a worker may write.
        disk_mb: all files a worker may write, together.
        workers: number of worker processes.
    """

    spec_type = PythonSpec

    def __init__(self, spec: PythonSpec, context: CompileContext | None = None) -> None:
        super().__init__(spec, context)
        self.spec: PythonSpec = spec
        _check_source(spec.source, self.context)
        limits = Limits(
            timeout_s=spec.timeout_s,
            cpu_time_s=spec.cpu_time_s,
            memory_mb=spec.memory_mb,
            max_file_mb=spec.max_file_mb,
            disk_mb=spec.disk_mb,
            cpu_lifetime_s=max(600, 20 * spec.cpu_time_s),
        )
        self.pool = WorkerPool(spec.source, limits, size=spec.workers)

    def grade(self, batch: Batch) -> GraderOutput:
        n = len(batch)
        out = GraderOutput(scores=np.zeros(n))
        payloads: list[bytes] = []
        index: list[int] = []
        for i, (sample, item) in enumerate(zip(batch.samples, batch.items, strict=True)):
            try:
                output_json = sample["output_json"]
            except KeyError:
                output_json = None
            record = {
                "sample": {
                    "output_text": sample["output_text"],
                    "output_json": output_json,
                    "output_tools": sample.get("output_tools"),
                },
                "item": item,
            }
            try:
                payloads.append(orjson.dumps(record, default=str, option=_JSON_OPTIONS))
                index.append(i)
            except (TypeError, orjson.JSONEncodeError) as exc:
                out.flag(
                    ErrorFlag.other_error, [i], f"sample or item is not JSON-serializable: {exc}"
                )
        restarts = self.pool.restarts
        for i, outcome in zip(index, self.pool.run(payloads), strict=True):
            if outcome.score is not None:
                out.scores[i] = outcome.score
            else:
                flag = (
                    ErrorFlag.python_grader_server_error
                    if outcome.kind == "server"
                    else ErrorFlag.python_grader_runtime_error
                )
                out.flag(flag, [i], outcome.error)
        out.usage["python_worker_restarts"] = float(self.pool.restarts - restarts)
        return out

    def close(self) -> None:
        self.pool.close()


def _check_source(source: str, context: CompileContext) -> None:
    """Load-time checks: the source parses and defines `grade` at top level."""
    try:
        tree = ast.parse(source, "<grader source>")
    except SyntaxError as exc:
        raise BundleError(
            f"the python grader's source does not parse: {exc.msg} (source line {exc.lineno})",
            context.location("source"),
            hint="check indentation: in YAML, write the source as a `|` block",
        ) from None
    defined = {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    } | {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    if "grade" not in defined:
        raise BundleError(
            "the python grader's source does not define `grade`",
            context.location("source"),
            hint="define `def grade(sample, item) -> float:` at the top level of `source`",
        )
