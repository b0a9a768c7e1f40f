"""Pure AutoML search engine (Keras 3 + keras-tuner; no TFX, no TensorFlow)."""

from search_space.assemble import default_hypermodel
from search_space.automodel import AutoModel
from search_space.block import Block
from search_space.blocks import BUILTIN_BLOCKS
from search_space.blocks import CategoricalEncoding
from search_space.blocks import ConvBlock
from search_space.blocks import DenseBlock
from search_space.blocks import EfficientNetBlock
from search_space.blocks import Embedding
from search_space.blocks import ImageAugmentation
from search_space.blocks import ImageBlock
from search_space.blocks import Merge
from search_space.blocks import ResidualBlock
from search_space.blocks import ResNetBlock
from search_space.blocks import RNNBlock
from search_space.blocks import SpatialReduction
from search_space.blocks import StructuredDataBlock
from search_space.blocks import TemporalReduction
from search_space.blocks import TextBlock
from search_space.blocks import TextVectorizer
from search_space.blocks import TransformerBlock
from search_space.blocks import XceptionBlock
from search_space.errors import BackendNotSupportedError
from search_space.errors import GraphError
from search_space.features import FeatureSpec
from search_space.features import LabelSpec
from search_space.graph import Graph
from search_space.heads import ClassificationHead
from search_space.heads import RegressionHead
from search_space.nodes import CategoricalInput
from search_space.nodes import ImageInput
from search_space.nodes import Input
from search_space.nodes import NumericalInput
from search_space.nodes import TextInput
from search_space.oracle import HillClimbingOracle
from search_space.tasks import ImageClassifier
from search_space.tasks import ImageRegressor
from search_space.tasks import StructuredDataClassifier
from search_space.tasks import StructuredDataRegressor
from search_space.tasks import TextClassifier
from search_space.tasks import TextRegressor
from search_space.tuner import SearchTuner

__all__ = [
    "default_hypermodel",
    "AutoModel",
    "Block",
    "BUILTIN_BLOCKS",
    "CategoricalEncoding",
    "ConvBlock",
    "DenseBlock",
    "EfficientNetBlock",
    "Embedding",
    "ImageAugmentation",
    "ImageBlock",
    "Merge",
    "ResNetBlock",
    "ResidualBlock",
    "RNNBlock",
    "SpatialReduction",
    "StructuredDataBlock",
    "TemporalReduction",
    "TextBlock",
    "TextVectorizer",
    "TransformerBlock",
    "XceptionBlock",
    "BackendNotSupportedError",
    "GraphError",
    "FeatureSpec",
    "LabelSpec",
    "Graph",
    "ClassificationHead",
    "RegressionHead",
    "CategoricalInput",
    "ImageInput",
    "Input",
    "NumericalInput",
    "TextInput",
    "HillClimbingOracle",
    "ImageClassifier",
    "ImageRegressor",
    "StructuredDataClassifier",
    "StructuredDataRegressor",
    "TextClassifier",
    "TextRegressor",
    "SearchTuner",
]
