"""LLM-as-judge plumbing shared by the `score_model` and `label_model` graders.

- `prompt`: messages rendered from templates, the sample delimited as data;
- `client`: the async OpenAI-compatible client (concurrency, timeout, retries, budget),
  the `Judge` facade with cache and dedup, and `check_endpoint`;
- `cache`: the SQLite disk cache keyed by the full rendered request;
- `parsing`: reply parsing (JSON `result`, bare values, `reply_pattern`, refusals);
- `local`: a local transformers model as the judge (the only module importing torch);
- `fake_server`: a loopback chat-completions server for tests, benchmarks and demos.
"""

from rft.judge.client import Judge, Reply, check_endpoint

__all__ = ["Judge", "Reply", "check_endpoint"]
