"""A parallel search's worker process: `python -m components.autokeras_tuner.search_worker
REQUEST`.

`parallel.search_with_workers` starts one per trial slot. Each builds the
same tuner as the chief from the request (a JSON file), becomes a client of
the chief's oracle through keras-tuner's KERASTUNER_* environment variables
and runs trials until the oracle has none left. Its own module, so that
`parallel` (processes and gRPC) never imports the search it serves.
"""

import json
import logging
import sys


def run_worker(request):
    """The same tuner as the chief's, a client of the chief's oracle."""
    import tensorflow_transform as tft

    from components.autokeras_tuner import search
    from components.util import feature_kinds
    from components.util import transformed_data as data

    config = feature_kinds.TransformConfig.from_dict(request["config"])
    settings = search.SearchSettings(**request["settings"])
    tft_output = tft.TFTransformOutput(request["transform_graph_uri"])
    features, labels = data.describe_inputs(
        tft_output,
        config,
        data.split_files(request["examples_uri"], "train"),
    )
    tuner = search.build_tuner(
        features,
        labels,
        settings,
        search.working_dir(request["results_uri"]),
        request["warm_start"],
    )
    args, kwargs = search.fit_arguments(
        request["examples_uri"],
        tft_output,
        config,
        settings,
        request["results_uri"],
    )
    tuner.search(*args, **kwargs)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    with open(sys.argv[1]) as request_file:
        run_worker(json.load(request_file))
