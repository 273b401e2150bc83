"""Dataset builders: each task turns public data into JSONL rows that grader bundles read."""
