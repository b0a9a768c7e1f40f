"""What one run of a pipeline hands the next: its search and its pushed model.

Replaces TFX's resolver nodes, which open-source Kubeflow Pipelines cannot
run (its Argo compiler refuses resolver executors). Two small components
read and write per-pipeline records in a stable directory every pod can
open (`history_dir`, beside the serving directory):

- `RunHistoryLookup`, early in a run: the latest earlier search of the same
  scope (warm start) and the latest model this pipeline pushed (the
  Evaluator's baseline), copied into its own output artifacts, so that
  every orchestrator stages them like any other input;
- `RunHistoryRecorder`, last: this run's search, and its model once the
  Pusher has really pushed it (a blessing whose push failed is never a
  baseline).
"""
