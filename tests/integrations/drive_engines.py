"""Drive the engines' own reward code with rft's adapters; run in a subprocess.

`python drive_engines.py verl-naive|verl-batch BUNDLE` builds a verl `DataProto` of tokenized
prompts and responses (a tokenizer trained here), calls verl's own reward manager with
`rft.integrations.verl` as its compute_score, and prints the reward tensor's per-response
rewards and extra info as JSON.
`python drive_engines.py openrlhf-func|openrlhf-http BUNDLE [URL]` calls OpenRLHF's own
`SingleTurnAgentExecutor` reward fetchers (file `reward_func` or HTTP) and prints their replies.

The engines' code comes from `$RFT_ENGINE_SITE` (see `.ci/install-engines`), kept off the
main environment; the cases are in `CASES`, shared with the test.
"""

from __future__ import annotations

import asyncio
import json
import sys
from functools import partial

CASES = [
    # (prompt, response, reference item)
    ("Patient: HP:0001166 HP:0000545. Genes?", '{"genes": ["FBN1", "TGFBR2"]}', {"gene": "FBN1"}),
    ("Patient: HP:0001250. Genes?", '{"genes": ["TGFBR2", "FBN1"]}', {"gene": "FBN1"}),
    ("Patient: HP:0004322. Genes?", '{"genes": ["SCN1A"]}', {"gene": "FBN1"}),
    ("Patient: HP:0001263. Genes?", "not json at all", {"gene": "SCN1A"}),
]


def drive_verl(mode: str, bundle: str) -> dict:
    import numpy as np
    import torch
    from verl import DataProto
    from verl.workers.reward_manager.batch import BatchRewardManager
    from verl.workers.reward_manager.naive import NaiveRewardManager

    from rft.integrations import verl as adapter
    from rft.train.tiny_model import build_tokenizer

    texts = [p for p, _, _ in CASES] + [r for _, r, _ in CASES]
    tok = build_tokenizer(texts, level="char")
    prompts = [tok(p, add_special_tokens=False)["input_ids"] for p, _, _ in CASES]
    responses = [
        tok(r, add_special_tokens=False)["input_ids"] + [tok.eos_token_id] for _, r, _ in CASES
    ]
    width_p, width_r = max(map(len, prompts)), max(map(len, responses))
    pad = tok.pad_token_id
    prompt_ids = torch.tensor([[pad] * (width_p - len(p)) + p for p in prompts])
    response_ids = torch.tensor([r + [pad] * (width_r - len(r)) for r in responses])
    mask = torch.tensor(
        [
            [0] * (width_p - len(p)) + [1] * len(p) + [1] * len(r) + [0] * (width_r - len(r))
            for p, r in zip(prompts, responses, strict=True)
        ]
    )
    data = DataProto.from_dict(
        tensors={
            "prompts": prompt_ids,
            "responses": response_ids,
            "attention_mask": mask,
            "input_ids": torch.cat([prompt_ids, response_ids], dim=1),
        },
        non_tensors={
            "data_source": np.array(["rare_disease"] * len(CASES), dtype=object),
            "reward_model": np.array(
                [{"style": "rule", "ground_truth": ref} for _, _, ref in CASES], dtype=object
            ),
            "extra_info": np.array([{"index": i} for i in range(len(CASES))], dtype=object),
        },
    )
    if mode == "verl-naive":
        manager = NaiveRewardManager(
            tok, num_examine=0, compute_score=partial(adapter.compute_score, bundle=bundle)
        )
    else:
        manager = BatchRewardManager(
            tok, num_examine=0, compute_score=adapter.compute_score_batch, bundle=bundle
        )
    out = manager(data, return_dict=True)
    rewards = out["reward_tensor"].sum(dim=1).tolist()
    extra = {k: [float(v) for v in vals] for k, vals in out["reward_extra_info"].items()}
    return {"rewards": rewards, "extra": extra}


def drive_openrlhf(mode: str, bundle: str, url: str | None) -> list:
    import os

    from openrlhf.utils.agent import SingleTurnAgentExecutor

    import rft.integrations.openrlhf as adapter

    queries = [f"<s>{p}{r}<|im_end|>" for p, r, _ in CASES]
    queries.append("a query whose prompt was re-tokenized away " + CASES[0][1])
    prompts = [p for p, _, _ in CASES] + [CASES[0][0]]
    labels = [json.dumps(ref) for _, _, ref in CASES] + [json.dumps(CASES[0][2])]
    if mode == "openrlhf-func":
        os.environ["RFT_BUNDLE"] = bundle
        executor = SingleTurnAgentExecutor(adapter.__file__)
        fetch = executor._fetch_rewards_via_func
    else:
        executor = SingleTurnAgentExecutor(url)
        fetch = executor._fetch_rewards_via_http
    # OpenRLHF grades one response per call (as its executor does after each generation).
    replies = asyncio.run(_fetch_each(fetch, queries, prompts, labels))
    return [_plain(r) for r in replies]


async def _fetch_each(fetch, queries, prompts, labels):
    results = []
    for q, p, lb in zip(queries, prompts, labels, strict=True):
        replies = await fetch([q], [p], [lb])
        results.append(replies[0])
    return results


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


if __name__ == "__main__":
    mode, bundle = sys.argv[1], sys.argv[2]
    url = sys.argv[3] if len(sys.argv) > 3 else None
    result = (
        drive_verl(mode, bundle) if mode.startswith("verl") else drive_openrlhf(mode, bundle, url)
    )
    print("RESULT " + json.dumps(result))
