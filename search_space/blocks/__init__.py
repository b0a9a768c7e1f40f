"""Searchable blocks, one module per family."""

from search_space.blocks.applications import EfficientNetBlock
from search_space.blocks.applications import ResNetBlock
from search_space.blocks.applications import XceptionBlock
from search_space.blocks.basic import CategoricalEncoding
from search_space.blocks.basic import DenseBlock
from search_space.blocks.basic import Merge
from search_space.blocks.image import ConvBlock
from search_space.blocks.image import ImageAugmentation
from search_space.blocks.image import ImageBlock
from search_space.blocks.reduction import SpatialReduction
from search_space.blocks.reduction import TemporalReduction
from search_space.blocks.residual import ResidualBlock
from search_space.blocks.sequence import Embedding
from search_space.blocks.sequence import RNNBlock
from search_space.blocks.sequence import TransformerBlock
from search_space.blocks.structured import StructuredDataBlock
from search_space.blocks.text import TextBlock
from search_space.blocks.text import TextVectorizer
from search_space.heads import ClassificationHead
from search_space.heads import RegressionHead

# Classes `Graph.from_config` can rebuild without `custom_blocks`.
BUILTIN_BLOCKS = {
    cls.__name__: cls
    for cls in (
        CategoricalEncoding,
        ClassificationHead,
        ConvBlock,
        DenseBlock,
        EfficientNetBlock,
        Embedding,
        ImageAugmentation,
        ImageBlock,
        Merge,
        RNNBlock,
        RegressionHead,
        ResNetBlock,
        ResidualBlock,
        SpatialReduction,
        StructuredDataBlock,
        TemporalReduction,
        TextBlock,
        TextVectorizer,
        TransformerBlock,
        XceptionBlock,
    )
}
