"""rft: reinforcement fine-tuning with declarative graders.

import rft
reward = rft.compile("graders/gene_rank.yaml")
scores = reward.score(samples, items)      # a whole batch at once
scores.scores, scores.sub_scores, scores.errors, scores.to_frame()
trainer = GRPOTrainer(..., reward_funcs=[rft.trl_reward(reward)])
"""

from rft.errors import BundleError, ErrorFlag, RftError
from rft.integrations.trl import trl_reward
from rft.loading import Bundle, load_bundle
from rft.results import Scores
from rft.reward import RewardFunction, compile_bundle

compile = compile_bundle

__all__ = [
    "Bundle",
    "BundleError",
    "ErrorFlag",
    "RewardFunction",
    "RftError",
    "Scores",
    "compile",
    "compile_bundle",
    "load_bundle",
    "trl_reward",
]
__version__ = "0.1.0"
