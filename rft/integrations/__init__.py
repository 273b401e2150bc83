"""Adapters to other tools: TRL reward functions, the pytest plugin."""
