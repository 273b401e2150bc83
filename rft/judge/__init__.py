"""LLM-as-judge plumbing shared by the `score_model` and `label_model` graders.

A lower layer than `rft.graders`: nothing here imports the graders. One job per module:

- `prompt`: messages rendered from templates, the sample delimited as data;
- `request`: the chat-completions request body;
- `endpoints`: where requests go and the user's credential for it (never the bundle's);
- `retry`: the retry policy (tenacity: retryable statuses, `Retry-After`, backoff);
- `http_backend`: the async OpenAI-compatible HTTP backend (concurrency, timeout, budget);
- `local`: a local transformers model as the judge (the only module importing torch);
- `reply`: a call's `Reply` and the text of a message's content;
- `budget`: what a grader may spend (calls, tokens, dollars from the user's price table);
- `limits`: requests/tokens-per-minute token buckets per endpoint, shared by graders;
- `cache`: the SQLite disk cache keyed by the full rendered request;
- `client`: the `Judge` a grader calls (cache and in-batch dedup over a backend);
- `endpoint_check`: `check_endpoint`, reachability without spending tokens;
- `parsing`: reply parsing (JSON `result`, bare values, `reply_pattern`, refusals);
- `fake_server`: a loopback chat-completions server for tests, benchmarks and demos.
"""

from rft.judge.client import Judge
from rft.judge.endpoint_check import check_endpoint
from rft.judge.reply import Reply

__all__ = ["Judge", "Reply", "check_endpoint"]
