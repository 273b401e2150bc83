"""Where a judge request goes and which credential it carries: the user decides, not the bundle.

A bundle is shared like code, so it may *name* the endpoint it needs but never chooses a
secret or sends one to a host of its own. Credentials come from the user's side only:

- the user's endpoints file, ``$RFT_ENDPOINTS_FILE`` or ``~/.config/rft/endpoints.yaml``
  (``$XDG_CONFIG_HOME/rft/endpoints.yaml`` when that is set)::

      default: local            # for bundles that name no endpoint (optional)
      endpoints:
        local:
          base_url: http://127.0.0.1:8000/v1
        openai:
          base_url: https://api.openai.com/v1
          api_key_env: OPENAI_API_KEY      # the variable holding the key
          headers: {OpenAI-Organization: org-123}
          rpm: 500                  # requests / tokens per minute, shared by all graders
          tpm: 200000
      prices:                       # for `max_cost_usd` (US dollars per million tokens)
        gpt-4o-mini: {input_per_million: 0.15, output_per_million: 0.6}

- OpenAI's own variables for a bundle that names no endpoint (and no `default` is set):
  ``OPENAI_BASE_URL`` (default ``https://api.openai.com/v1``) with ``OPENAI_API_KEY``.

A bundle's `endpoint:` is either a name from that file (``endpoint: local``) or, for bundles
written before, a block ``{base_url, api_key_env, headers}``. A block is honoured when its
`base_url` is one the user configured (the user's key and headers are then sent, and the
block may not name another variable), or when it is a loopback server (127.0.0.1, ::1,
localhost) and names no key: nothing secret is sent there. Anything else is a located load
error that says how to allow-list the endpoint. Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rft.errors import BundleError, Location
from rft.spec.model import Endpoint

ENDPOINTS_FILE_ENV = "RFT_ENDPOINTS_FILE"
OPENAI_BASE_URL = "https://api.openai.com/v1"
OPENAI_BASE_URL_ENV = "OPENAI_BASE_URL"
OPENAI_KEY_ENV = "OPENAI_API_KEY"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


class UserEndpoint(BaseModel):
    """One endpoint in the user's file: its URL, the variable holding its key, extra headers."""

    model_config = ConfigDict(extra="forbid")
    base_url: str
    api_key_env: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    rpm: float | None = Field(default=None, gt=0, description="Requests per minute, all graders.")
    tpm: float | None = Field(default=None, gt=0, description="Tokens per minute, all graders.")


class ModelPrice(BaseModel):
    """US dollars per million tokens of one model."""

    model_config = ConfigDict(extra="forbid")
    input_per_million: float = Field(ge=0)
    output_per_million: float = Field(ge=0)


class UserEndpoints(BaseModel):
    """The user's endpoints file."""

    model_config = ConfigDict(extra="forbid")
    default: str | None = None
    endpoints: dict[str, UserEndpoint] = Field(default_factory=dict)
    prices: dict[str, ModelPrice] = Field(
        default_factory=dict, description="Per model, for `max_cost_usd` and cost reports."
    )


@dataclass(frozen=True)
class Target:
    """A resolved endpoint: the URL requests go to and the user's credential for it.

    Attributes:
        base_url: the server's base URL, without a trailing slash.
        api_key_env: the user's variable holding the key (None: no key is sent).
        headers: extra headers (the user's, over the bundle's for a loopback server).
        source: where it came from, for messages.
        rpm, tpm: the user's requests- and tokens-per-minute limits for this endpoint.
    """

    base_url: str
    api_key_env: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    source: str = ""
    rpm: float | None = None
    tpm: float | None = None

    def request_headers(self) -> dict[str, str]:
        """The headers of every request, `Authorization` from the user's variable if set."""
        headers = {"Content-Type": "application/json", **self.headers}
        key = os.environ.get(self.api_key_env) if self.api_key_env else None
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers


def endpoints_file() -> Path:
    """The user's endpoints file (it may not exist)."""
    explicit = os.environ.get(ENDPOINTS_FILE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    config_home = os.environ.get("XDG_CONFIG_HOME")
    root = Path(config_home) if config_home else Path.home() / ".config"
    return root / "rft" / "endpoints.yaml"


def load_user_endpoints(path: Path | None = None) -> UserEndpoints:
    """The user's endpoints (empty when the default file does not exist).

    Raises:
        BundleError: the file named by `$RFT_ENDPOINTS_FILE` is missing, or a file is invalid.
    """
    explicit = path is not None or bool(os.environ.get(ENDPOINTS_FILE_ENV))
    path = path if path is not None else endpoints_file()
    where = Location(file=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit:
            raise BundleError(
                "the endpoints file does not exist",
                where,
                hint=f"create it or unset ${ENDPOINTS_FILE_ENV}",
            ) from None
        return UserEndpoints()
    except (OSError, UnicodeDecodeError) as exc:
        raise BundleError(f"cannot read the endpoints file: {exc}", where) from None
    try:
        data = yaml.safe_load(text) or {}
        config = UserEndpoints.model_validate(data)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise BundleError(f"invalid YAML: {exc}", Location(file=str(path), line=line)) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise BundleError(
            f"invalid endpoints file: {first['msg']}",
            Location(file=str(path), field=[str(p) for p in first["loc"]]),
            hint="see the README, section LLM judges: `endpoints: {name: {base_url, api_key_env}}`",
        ) from None
    if config.default is not None and config.default not in config.endpoints:
        raise BundleError(
            f"default endpoint `{config.default}` is not among the endpoints",
            Location(file=str(path), field=["default"]),
        )
    return config


def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def is_loopback(base_url: str) -> bool:
    """True when `base_url` points at this machine (127.0.0.0/8, ::1, localhost)."""
    host = (urlparse(base_url).hostname or "").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _implicit_openai() -> Target:
    base = os.environ.get(OPENAI_BASE_URL_ENV) or OPENAI_BASE_URL
    return Target(base.rstrip("/"), OPENAI_KEY_ENV, {}, f"${OPENAI_BASE_URL_ENV} / default")


def _from_user(name: str, entry: UserEndpoint, path: Path) -> Target:
    return Target(
        entry.base_url.rstrip("/"),
        entry.api_key_env,
        dict(entry.headers),
        f"`{name}` in {path}",
        entry.rpm,
        entry.tpm,
    )


def _snippet(base_url: str, key_env: str | None) -> str:
    key = f", api_key_env: {key_env}" if key_env else ""
    return f"`endpoints: {{my_judge: {{base_url: {base_url}{key}}}}}`"


def resolve_endpoint(
    endpoint: str | Endpoint | None,
    *,
    location: Callable[..., Location],
    config: UserEndpoints | None = None,
    config_path: Path | None = None,
) -> Target:
    """The endpoint a grader's requests go to, with the user's credential for it.

    Args:
        endpoint: the bundle's `endpoint` (a name, a legacy block, or None).
        location: builds the location of a field under the grader (for load-time errors).
        config: the user's endpoints (None: read `config_path` or the default file).
        config_path: the user's endpoints file (None: `endpoints_file()`).

    Raises:
        BundleError: the bundle names an unknown endpoint, a key for a host the user did not
            configure, or a non-loopback host the user did not configure.
    """
    path = config_path or endpoints_file()
    if config is None:
        config = load_user_endpoints(config_path)
    if endpoint is None:
        if config.default is not None:
            return _from_user(config.default, config.endpoints[config.default], path)
        return _implicit_openai()
    if isinstance(endpoint, str):
        entry = config.endpoints.get(endpoint)
        if entry is None:
            known = ", ".join(sorted(config.endpoints)) or "none"
            raise BundleError(
                f"endpoint `{endpoint}` is not configured (configured in {path}: {known})",
                location("endpoint"),
                hint=f"add it to {path}: {_snippet('http://HOST:PORT/v1', None)}",
            )
        return _from_user(endpoint, entry, path)
    base = endpoint.base_url.rstrip("/")
    implicit = _implicit_openai()
    candidates = [(n, _from_user(n, e, path)) for n, e in config.endpoints.items()]
    candidates.append(("default OpenAI endpoint", implicit))
    for _, target in candidates:
        if not _same_url(target.base_url, base):
            continue
        if endpoint.api_key_env not in (None, target.api_key_env):
            raise BundleError(
                f"the bundle names the variable ${endpoint.api_key_env} as the key for {base}; "
                "a bundle cannot choose which secret is sent",
                location("endpoint", "api_key_env"),
                hint=f"remove `api_key_env` from the bundle: {target.source} sets the key "
                f"({'$' + target.api_key_env if target.api_key_env else 'none'})",
            )
        # The user's headers win over the bundle's; only the user's key is ever sent.
        return Target(
            target.base_url,
            target.api_key_env,
            {**endpoint.headers, **target.headers},
            target.source,
            target.rpm,
            target.tpm,
        )
    if endpoint.api_key_env is not None:
        raise BundleError(
            f"the bundle asks to send ${endpoint.api_key_env} to {base}, a host you did not "
            "configure; rft sends credentials only to endpoints in your endpoints file",
            location("endpoint", "api_key_env"),
            hint=f"if you trust {base}, add it to {path}: {_snippet(base, endpoint.api_key_env)} "
            "(then the bundle may say `endpoint: my_judge`)",
        )
    if not is_loopback(base):
        raise BundleError(
            f"the bundle sends judge requests to {base}, a host you did not configure",
            location("endpoint", "base_url"),
            hint=f"if you trust {base}, add it to {path}: {_snippet(base, None)}",
        )
    return Target(base, None, dict(endpoint.headers), "the bundle (loopback, no key)")
