"""Benchmark: does the eval split choose the best trial on small tables?

    ./dev python tests/benchmarks/bench_selection.py [--trials 10]
        [--epochs N] [--datasets breast_cancer,wine] [--workdir DIR]

The search ranks trials by their eval-split score; on a table of a few
hundred rows that split holds ~100 rows, so the ranking is noisy. This
measures how much choosing by it costs. For each dataset of the acceptance
matrix: one real run (`autokeras-tfx run`, `--keep-checkpoints` = trials so
that every trial keeps its best-epoch weights), then every completed
trial's model is exported with the run's Transform graph and scored on the
dataset's 20% hold-out, rows the run never saw, through its serving
signature.

Prints per dataset: the trials scored, the Spearman rank correlation of
eval score and held-out score, the held-out score of the trial the search
chose, the best held-out score of any trial, the regret (their gap), and
where the chosen trial ranks on held-out. A regret near zero means a
cross-validated or repeated estimate would not choose better. Asserts
nothing.
"""

import argparse
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests", "acceptance")]

import matrix_data  # noqa: E402
import matrix_run  # noqa: E402
import numpy as np  # noqa: E402
import scoring  # noqa: E402


def _trainer_config(store):
    """The latest Trainer's custom_config (the run's TransformConfig)."""
    trainers = [
        e for e in store.get_executions() if e.type.endswith(".Trainer")
    ]
    return json.loads(
        trainers[-1].custom_properties["custom_config"].string_value
    )


def trial_models(pipeline_dir):
    """Yields (trial number, eval score, Keras model, Transform output,
    TransformConfig) for every completed trial whose best-epoch weights are
    on disk: its model as the tuner built it, with those weights."""
    import keras_tuner
    import tensorflow_transform as tft

    from components.autokeras_tuner import search as tuner_search
    from components.util import feature_kinds
    from components.util import transformed_data as data
    from pipelines import run_summary
    from search_space import assemble
    from search_space import automodel

    store = run_summary.open_store(
        os.path.join(pipeline_dir, "metadata.sqlite")
    )
    results_uri = run_summary.latest_artifact(store, "TunerResults").uri
    graph = run_summary.latest_artifact(store, "TransformGraph").uri
    examples = [
        a
        for a in store.get_artifacts_by_type("Examples")
        if a.uri.startswith(
            os.path.join(pipeline_dir, "pipeline_root", "Transform")
        )
    ][-1].uri
    config = feature_kinds.TransformConfig.from_dict(_trainer_config(store))
    tft_output = tft.TFTransformOutput(graph)
    train_files = data.split_files(examples, "train")
    features, labels = data.describe_inputs(tft_output, config, train_files)
    # (features, labels) arrays, or a dataset of them (text: streamed).
    train = data.load_split(train_files, tft_output, data.label_keys(config))
    x = train[0] if isinstance(train, tuple) else train
    with open(
        os.path.join(results_uri, tuner_search.SEARCH_RESULTS_FILE)
    ) as f:
        results = json.load(f)
    trials_dir = os.path.join(tuner_search.working_dir(results_uri), "trials")
    for trial in results["trials"]:
        trial_dir = os.path.join(trials_dir, f"trial_{trial['trial_id']}")
        checkpoint = os.path.join(trial_dir, "checkpoint.weights.h5")
        if trial["score"] is None or not os.path.exists(checkpoint):
            continue
        with open(os.path.join(trial_dir, "trial.json")) as f:
            hp = keras_tuner.HyperParameters.from_config(
                json.load(f)["hyperparameters"]
            )
        model = assemble.default_hypermodel(features, labels).build(hp)
        automodel.adapt_text_vocabularies(model, x)
        model.load_weights(checkpoint)
        yield trial["trial_number"], trial["score"], model, tft_output, config


def spearman(a, b):
    ranks = [np.argsort(np.argsort(v)).astype(float) for v in (a, b)]
    return float(np.corrcoef(*ranks)[0, 1])


def measure(dataset, workdir, trials, epochs):
    from components.trainer import model_export
    from components.trainer import train as trainer

    train_path, holdout_path = matrix_run.write_split(dataset, workdir)
    summary = matrix_run.run_pipeline(
        dataset,
        os.path.dirname(train_path),
        os.path.join(workdir, "output"),
        trials,
        epochs or dataset.epochs,
        ("--keep-checkpoints", str(trials), "--no-warm-start"),
    )
    chosen = summary["best_trial"]["trial_number"]
    truth = matrix_data.read_frame(holdout_path)[dataset.label]
    if dataset.task == "classification":
        truth = truth.astype(str)
    eval_scores, held_out, numbers = [], [], []
    serialized = None
    for number, score, model, tft_output, config in trial_models(
        summary["pipeline_dir"]
    ):
        if serialized is None:
            spec = tft_output.raw_feature_spec()
            _, rows = matrix_data.read_rows(holdout_path)
            serialized = [
                scoring.to_example(r, spec, dataset.label) for r in rows
            ]
        export_dir = os.path.join(workdir, "trial_models", str(number))
        model_export.export_serving_model(
            model,
            tft_output,
            config.label,
            trainer._served_class_names(tft_output, config),
            export_dir,
        )
        predicted = scoring.serve(export_dir, serialized, dataset.task)
        numbers.append(number)
        eval_scores.append(score)
        held_out.append(scoring.score(dataset.task, truth, predicted))
        print(
            f"bench_selection {dataset.name} trial {number}: eval "
            f"{score:.4f}  held-out {held_out[-1]:.4f}",
            flush=True,
        )
    held_out = np.array(held_out)
    chosen_score = held_out[numbers.index(chosen)]
    # Eval scores are losses (lower is better); held-out: higher is better.
    return {
        "trials": len(numbers),
        "spearman": spearman([-s for s in eval_scores], held_out),
        "chosen": chosen_score,
        "best": float(held_out.max()),
        "regret": float(held_out.max() - chosen_score),
        "rank": int(np.sum(held_out > chosen_score)) + 1,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument(
        "--datasets", default="breast_cancer,wine,diabetes,imdb,awkward"
    )
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    names = [n for n in args.datasets.split(",") if n]
    unknown = sorted(set(names) - set(matrix_data.NAMES))
    if unknown:
        parser.error(f"unknown datasets {unknown}")
    workdir = args.workdir or tempfile.mkdtemp(prefix="bench_selection_")
    lines = [
        "| dataset | metric | trials scored | spearman(eval, held-out) | "
        "chosen trial, held-out | best trial, held-out | regret | "
        "chosen's held-out rank |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in names:
        dataset = matrix_data.DATASETS[name]
        metric = "accuracy" if dataset.task == "classification" else "r2"
        try:
            m = measure(
                dataset, os.path.join(workdir, name), args.trials, args.epochs
            )
        except Exception as error:  # a failed dataset is a row
            lines.append(
                f"| {name} | error: {type(error).__name__}: "
                f"{str(error)[:300]} |"
            )
            continue
        lines.append(
            f"| {name} | {metric} | {m['trials']} | {m['spearman']:.2f} | "
            f"{m['chosen']:.4f} | {m['best']:.4f} | {m['regret']:.4f} | "
            f"{m['rank']} of {m['trials']} |"
        )
    print(f"\n{args.trials} trials; runs under {workdir}\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
