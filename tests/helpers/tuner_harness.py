"""Runs the AutoKerasTuner executor on a finished pipeline's Transform output,
in this process or as a separate process (which tests may SIGKILL).

    python -m tests.helpers.tuner_harness REQUEST.json
"""

import glob
import json
import os
import sys

from components.autokeras_tuner import spec
from components.util import feature_kinds

TAXI_CONFIG = feature_kinds.TransformConfig(
    label="payment_type", task=feature_kinds.CLASSIFICATION
)


def transform_outputs(pipeline_output):
    """(transformed examples URI, transform graph URI) of a pipeline run."""
    root = os.path.join(str(pipeline_output), "pipeline_root", "Transform")
    [examples] = glob.glob(os.path.join(root, "transformed_examples", "*"))
    [graph] = glob.glob(os.path.join(root, "transform_graph", "*"))
    return examples, graph


def request(pipeline_output, output_dir, warmup_uri=None, **settings):
    examples, graph = transform_outputs(pipeline_output)
    return request_for(examples, graph, output_dir, warmup_uri, **settings)


def request_for(examples, graph, output_dir, warmup_uri=None, **settings):
    """A request on the given Transform outputs (any filesystem)."""
    properties = {
        spec.MAX_TRIALS_KEY: 4,
        spec.TIME_LIMIT_SECONDS_KEY: 0,
        spec.EPOCHS_KEY: 2,
        spec.SEED_KEY: 0,
        spec.NUM_PARALLEL_TRIALS_KEY: 1,
        spec.KEEP_BEST_CHECKPOINTS_KEY: 1,
        spec.CUSTOM_CONFIG_KEY: json.dumps(TAXI_CONFIG.to_dict()),
    }
    properties.update(settings)
    return {
        "examples": examples,
        "transform_graph": graph,
        "warmup": warmup_uri,
        "output_dir": str(output_dir),
        "exec_properties": properties,
    }


def outputs(output_dir):
    """(best_hyperparameters URI, tuner_results URI) under `output_dir`."""
    return (
        os.path.join(str(output_dir), "best_hyperparameters"),
        os.path.join(str(output_dir), "tuner_results"),
    )


def report_outputs(output_dir):
    """(report_html URI, report_markdown URI) under `output_dir`."""
    return (
        os.path.join(str(output_dir), "report_html"),
        os.path.join(str(output_dir), "report_markdown"),
    )


def run(req):
    """Executor.Do with artifacts at the request's URIs (any filesystem
    TFX's fileio knows: local, ram://, gs://)."""
    from tfx.dsl.io import fileio
    from tfx.types import standard_artifacts

    from components.autokeras_tuner import executor
    from components.autokeras_tuner.report import artifacts as report_artifacts

    def artifact(cls, uri):
        item = cls()
        item.uri = uri
        return [item]

    best_uri, results_uri = outputs(req["output_dir"])
    html_uri, markdown_uri = report_outputs(req["output_dir"])
    # As TFX's launcher does: every output URI exists as a directory.
    for uri in (best_uri, results_uri, html_uri, markdown_uri):
        fileio.makedirs(uri)
    input_dict = {
        spec.EXAMPLES_KEY: artifact(
            standard_artifacts.Examples, req["examples"]
        ),
        spec.TRANSFORM_GRAPH_KEY: artifact(
            standard_artifacts.TransformGraph, req["transform_graph"]
        ),
    }
    input_dict[spec.EXAMPLES_KEY][0].split_names = '["train", "eval"]'
    if req.get("warmup"):
        input_dict[spec.WARMUP_KEY] = artifact(
            standard_artifacts.TunerResults, req["warmup"]
        )
    output_dict = {
        spec.BEST_HYPERPARAMETERS_KEY: artifact(
            standard_artifacts.HyperParameters, best_uri
        ),
        spec.TUNER_RESULTS_KEY: artifact(
            standard_artifacts.TunerResults, results_uri
        ),
        spec.REPORT_HTML_KEY: artifact(report_artifacts.HTML, html_uri),
        spec.REPORT_MARKDOWN_KEY: artifact(
            report_artifacts.Markdown, markdown_uri
        ),
    }
    executor.Executor().Do(input_dict, output_dict, req["exec_properties"])
    with fileio.open(os.path.join(results_uri, "search_results.json")) as f:
        return json.loads(f.read())


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        run(json.load(f))
