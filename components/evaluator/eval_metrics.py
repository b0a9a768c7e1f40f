"""TFMA metrics that compare a model with the trivial predictor.

A fixed accuracy bar blesses a majority-class model on an imbalanced table,
and a fixed MSE bar means nothing across targets. The bar that always means
something is the predictor that ignores the inputs, measured on the same
evaluation rows in the same pass:

- `AccuracyOverTrivial`: the model's accuracy minus the majority class's
  share of the rows (`trivial_accuracy`);
- `MseOverTrivial`: the MSE of predicting the mean label of the rows
  (`trivial_mse`, their variance) minus the model's MSE.

Both are positive exactly when the model beats the trivial predictor; the
Evaluator's thresholds require that. The trivial predictor here knows the
evaluation rows' own class shares and mean, so it is at least as strong as
one fitted on the training rows: the bar is, if anything, stricter.
"""

import collections

import apache_beam as beam
import numpy as np
from tensorflow_model_analysis.metrics import metric_types
from tensorflow_model_analysis.metrics import metric_util

ACCURACY_OVER_TRIVIAL = "accuracy_over_trivial"
TRIVIAL_ACCURACY = "trivial_accuracy"
MSE_OVER_TRIVIAL = "mse_over_trivial"
TRIVIAL_MSE = "trivial_mse"


def _keys(name, extra_name, model_name, output_name, example_weighted):
    return [
        metric_types.MetricKey(
            name=metric_name,
            model_name=model_name,
            output_name=output_name,
            example_weighted=example_weighted,
        )
        for metric_name in (name, extra_name)
    ]


class _Combiner(beam.CombineFn):
    """Accumulates what both comparisons need, per slice."""

    def __init__(self, keys, eval_config, classification):
        self._keys = keys
        self._eval_config = eval_config
        self._classification = classification

    def create_accumulator(self):
        return {
            "rows": 0,
            "correct": 0,
            "classes": collections.Counter(),
            "sum": 0.0,
            "sum_squares": 0.0,
            "squared_error": 0.0,
        }

    def add_input(self, accumulator, element):
        rows = metric_util.to_label_prediction_example_weight(
            element,
            eval_config=self._eval_config,
            model_name=self._keys[0].model_name,
            output_name=self._keys[0].output_name,
            flatten=False,
        )
        for label, prediction, _ in rows:
            label = np.asarray(label, dtype=np.float64).reshape(-1)
            prediction = np.asarray(prediction, dtype=np.float64).reshape(-1)
            accumulator["rows"] += 1
            if self._classification:
                true_class = int(label[0])
                predicted = (
                    int(prediction[0] >= 0.5)
                    if prediction.size == 1
                    else int(np.argmax(prediction))
                )
                accumulator["correct"] += int(predicted == true_class)
                accumulator["classes"][true_class] += 1
            else:
                value = float(label[0])
                accumulator["sum"] += value
                accumulator["sum_squares"] += value * value
                accumulator["squared_error"] += (value - prediction[0]) ** 2
        return accumulator

    def merge_accumulators(self, accumulators):
        result = self.create_accumulator()
        for accumulator in accumulators:
            for name, value in accumulator.items():
                result[name] += value
        return result

    def extract_output(self, accumulator):
        rows = max(accumulator["rows"], 1)
        if self._classification:
            trivial = max(accumulator["classes"].values(), default=0) / rows
            gain = accumulator["correct"] / rows - trivial
        else:
            mean = accumulator["sum"] / rows
            trivial = max(accumulator["sum_squares"] / rows - mean * mean, 0.0)
            gain = trivial - accumulator["squared_error"] / rows
        return {self._keys[0]: gain, self._keys[1]: trivial}


def _computations_for(classification, extra_name):
    def computations(
        name,
        eval_config=None,
        model_names=None,
        output_names=None,
        example_weighted=False,
        **unused_kwargs,
    ):
        result = []
        for model_name in model_names or [""]:
            for output_name in output_names or [""]:
                keys = _keys(
                    name, extra_name, model_name, output_name, example_weighted
                )
                result.append(
                    metric_types.MetricComputation(
                        keys=keys,
                        preprocessors=None,
                        combiner=_Combiner(keys, eval_config, classification),
                    )
                )
        return result

    return computations


class AccuracyOverTrivial(metric_types.Metric):
    """Accuracy minus the majority class's share; also `trivial_accuracy`."""

    def __init__(self, name=ACCURACY_OVER_TRIVIAL):
        super().__init__(_computations_for(True, TRIVIAL_ACCURACY), name=name)


class MseOverTrivial(metric_types.Metric):
    """The label variance minus the model's MSE; also `trivial_mse`."""

    def __init__(self, name=MSE_OVER_TRIVIAL):
        super().__init__(_computations_for(False, TRIVIAL_MSE), name=name)


metric_types.register_metric(AccuracyOverTrivial)
metric_types.register_metric(MseOverTrivial)
