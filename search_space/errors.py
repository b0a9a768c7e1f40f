"""Errors raised by the search engine, modelled on keras-tuner's."""

from keras_tuner import errors as kt_errors


class GraphError(ValueError):
    """The user's block graph cannot be built (cycle, missing input...)."""


class BackendNotSupportedError(kt_errors.FatalError, RuntimeError):
    """A block needs a Keras backend other than the active one.

    It stops the search: every trial would fail the same way.
    """
