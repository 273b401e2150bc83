"""`rft train`: reinforcement fine-tuning of a language model against a grader bundle.

Flow: job YAML (`config.py`) -> TRL version, `trainer:` and `peft:` checks (`trl_config.py`)
-> data + grader checks (`data.py`) -> optional SFT warm-up ->
eval at step 0 -> GRPO / RLOO (`trainers.py`, reward = `rewards.TrainReward`) or PPO
(reward model = `rewards.GraderRewardModel`) with evals and checkpoints (`callbacks.py`).
`hyperparameters.max_steps: 0` is a warm-up-only run (eval, `best/`, `final/`, summary; no
RL). `rft.train.run.run()` takes a job file or a `JobConfig` built in code.

Run folder (`output_dir`):

    job.json               the validated job, paths resolved; under `trl`, the merged TRL
                           config each phase ran with (defaults < `trainer:` < rft's settings)
    metrics.jsonl          warmup / eval / train records, one JSON object per line (metrics.py);
                           train records carry time/step, time/generation, time/grading,
                           time/training (seconds)
    warmup/                the SFT warm-up model (+ rft_warmup_done.json when complete)
    checkpoints/checkpoint-N/   model, optimizer, scheduler, RNG and trainer state at each eval
                           (PPO adds value_model/); the last two are kept
    best/                  the model with the best validation reward so far (+ rft_best.json)
    final/                 the model at the end of RL (best/ and final/ hold LoRA adapters
                           when the job has `peft:`; `rft.integrations.models.load_model`
                           loads either kind)
    summary.json           start / final / best validation reward, steps, seconds

`rft train JOB --resume` reuses a finished warm-up, drops metrics after the last complete
checkpoint and continues from it. `config.py`, `data.py`, `layout.py` and `metrics.py` import
no torch, transformers or TRL, so jobs and data are checked before any heavy import.
"""
