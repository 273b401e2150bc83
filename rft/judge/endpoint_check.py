"""Is the judge reachable? What `rft graders validate --check-endpoints` asks, no tokens spent."""

from __future__ import annotations

from pathlib import Path

import httpx

from rft.errors import BundleError, Location
from rft.judge.endpoints import UserEndpoints, resolve_endpoint
from rft.judge.local import resolve_model_path
from rft.judge.request import is_official_openai
from rft.spec.model import JudgeSettings


def check_endpoint(
    spec: JudgeSettings,
    base_dir: Path | None = None,
    timeout_s: float = 5.0,
    endpoints: UserEndpoints | None = None,
) -> str | None:
    """None when the judge is reachable, else a message saying what is wrong.

    For an endpoint: GET `{base_url}/models` with the user's credential for it (resolved as
    for grading, so a bundle cannot make this send a secret to a host of its choice); checks
    reachability, the API key, and that the model is served when the server lists models.
    For `provider: transformers`: the model folder exists with a `config.json`.

    Args:
        spec: a `score_model` / `label_model` spec (any `JudgeSettings`).
        base_dir: the bundle's folder, for relative model paths.
        timeout_s: seconds to wait for the server.
        endpoints: the user's endpoints (None: read from the user's endpoints file).
    """
    if spec.provider == "transformers":
        path = resolve_model_path(spec.model, base_dir or Path.cwd())
        if not (path / "config.json").exists():
            return f"local judge model {path} not found (no config.json there)"
        return None
    try:
        target = resolve_endpoint(spec.endpoint, location=_field, config=endpoints)
    except BundleError as exc:
        return str(exc)
    base = target.base_url
    headers = target.request_headers()
    if is_official_openai(base) and "Authorization" not in headers:
        return f"${target.api_key_env or 'OPENAI_API_KEY'} is not set: {base} needs an API key"
    try:
        response = httpx.get(f"{base}/models", headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        return f"cannot reach the judge at {base}: {type(exc).__name__}: {exc}"
    if response.status_code in (401, 403):
        key = f"${target.api_key_env}" if target.api_key_env else "the key (none is configured)"
        return f"{base} refused the API key (HTTP {response.status_code}); check {key}"
    if response.status_code == 404:
        return None  # reachable; this server does not list its models
    if response.status_code >= 400:
        return f"{base}/models answered HTTP {response.status_code}"
    try:
        served = [m["id"] for m in response.json()["data"]]
    except (ValueError, KeyError, TypeError):
        return None
    if served and spec.model not in served:
        listed = ", ".join(served[:10]) + (", …" if len(served) > 10 else "")
        return f"{base} does not serve model `{spec.model}` (it serves: {listed})"
    return None


def _field(*fields: str | int) -> Location:
    return Location(field=fields)
