"""Base class of every searchable block and its hyperparameter helper."""

import contextlib
import re

from keras_tuner.engine import hyperparameters as hp_module

from search_space.nodes import Node


def snake_case(class_name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()


def resolve(hp, name, value, default):
    """Returns the value of a block argument, searching it when asked to.

    Args:
        hp: The `keras_tuner.HyperParameters` being built.
        name: Hyperparameter name inside the block's scope.
        value: What the user passed: None (search `default`), a keras-tuner
            hyperparameter object (search it) or a concrete value (fixed).
        default: The hyperparameter object searched when `value` is None.
    """
    spec = default if value is None else value
    if not isinstance(spec, hp_module.HyperParameter):
        return spec
    config = spec.get_config()
    config["name"] = name
    config.pop("conditions", None)
    # hp.Choice/Int/Float/Boolean/Fixed share the class names.
    return getattr(hp, type(spec).__name__)(**config)


def choice(hp, name, value, values, default):
    """`resolve` with a default `Choice(name, values, default)`."""
    return resolve(
        hp, name, value, hp_module.Choice(name, values, default=default)
    )


def is_searched(value):
    """Whether a block argument is searched (None or a hyperparameter)."""
    return value is None or isinstance(value, hp_module.HyperParameter)


def possible_values(value, default_values):
    """The values an integer argument can take, for conditional scopes."""
    if isinstance(value, hp_module.Choice):
        return list(value.values)
    if isinstance(value, hp_module.Int):
        return list(range(value.min_value, value.max_value + 1))
    if value is None:
        return list(default_values)
    return [value]


def conditional_on(hp, parent_name, parent_values, searched):
    """Conditional scope on `parent_name`, or none if it is not searched.

    keras-tuner rejects conditions on a parent that was never registered,
    which is the case when the user fixed the parent argument.
    """
    if not searched:
        return contextlib.nullcontext()
    return hp.conditional_scope(parent_name, parent_values)


def serialize_arg(value):
    if isinstance(value, hp_module.HyperParameter):
        return {"hyperparameter": hp_module.serialize(value)}
    return value


def deserialize_arg(value):
    if isinstance(value, dict) and "hyperparameter" in value:
        return hp_module.deserialize(value["hyperparameter"])
    return value


class Block:
    """A searchable piece of a model.

    A constructor argument left at None is searched with the block's default
    hyperparameter, a keras-tuner hyperparameter object is searched as given
    and any other value is fixed. Subclasses implement `build` and list their
    constructor arguments in `get_config`.

    Args:
        name: Block name, the scope of its hyperparameters and the prefix of
            its layer names. Left None, the graph names it `<kind>_<n>`.
    """

    def __init__(self, name=None):
        self.name = name
        self.inputs = []
        self.output = None
        self.path = ()

    def __call__(self, inputs):
        nodes = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        for node in nodes:
            if not isinstance(node, Node):
                raise TypeError(
                    f"{type(self).__name__} must be called on graph nodes. "
                    f"Received: {node!r} of type {type(node)}"
                )
        self.inputs = nodes
        self.output = Node(block=self)
        return self.output

    def build(self, hp, inputs):
        """Builds the block's layers.

        Args:
            hp: `keras_tuner.HyperParameters`, already scoped to the block.
            inputs: List of Keras tensors, one per input node.

        Returns:
            One Keras tensor.
        """
        raise NotImplementedError

    def build_scoped(self, hp, inputs, path):
        """Builds the block under its hyperparameter scope.

        Args:
            hp: `keras_tuner.HyperParameters`.
            inputs: List of Keras tensors.
            path: Tuple of enclosing block names, this block's name last.
        """
        self.path = tuple(path)
        with hp.name_scope(self.name):
            return self.build(hp, inputs)

    def build_child(self, child, hp, inputs):
        """Builds a sub-block nested in this block's scope."""
        return child.build_scoped(hp, inputs, self.path + (child.name,))

    def layer_name(self, local_name):
        # Keras 3 forbids "/" in layer names, hence "." between scopes.
        return ".".join(self.path + (local_name,))

    def input_node(self, index=0):
        return self.inputs[index]

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**{key: deserialize_arg(v) for key, v in config.items()})

    def serialized_args(self, **kwargs):
        """Helper for `get_config`: the name plus serialized arguments."""
        config = {"name": self.name}
        config.update({k: serialize_arg(v) for k, v in kwargs.items()})
        return config
