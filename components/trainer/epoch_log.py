"""One log line per training epoch, for the Trainer's `fit`.

Keras' own progress output (`verbose=1` or `2`) is several lines of
step counters per epoch, written straight to stdout; with `verbose=0` this
callback says the same in one line through logging instead, so the run's
console shows it and the log file keeps it:

    epoch 3/10  loss 0.1401  val_loss 0.1465  val_accuracy 0.9725  7 s
"""

import logging
import time

import keras

LOGGER = logging.getLogger(__name__)


class EpochLog(keras.callbacks.Callback):
    """Logs `epoch N/M`, the epoch's metrics and its seconds."""

    def __init__(self, logger=LOGGER):
        super().__init__()
        self._logger = logger
        self._started = None
        self._epochs = None

    def on_train_begin(self, logs=None):
        self._epochs = self.params.get("epochs") if self.params else None

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        metrics = "  ".join(
            f"{name} {_number(value)}" for name, value in (logs or {}).items()
        )
        seconds = time.monotonic() - (self._started or time.monotonic())
        of = f"/{self._epochs}" if self._epochs else ""
        self._logger.info(
            "epoch %d%s  %s  %.0f s", epoch + 1, of, metrics, seconds
        )


def _number(value):
    try:
        return f"{float(value):.4f}"
    except (TypeError, ValueError):
        return str(value)
