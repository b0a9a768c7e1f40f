"""FeatureKindsGen's inputs, outputs and parameter, keyed by constants."""

from tfx.types import component_spec
from tfx.types import standard_artifacts

STATISTICS_KEY = "statistics"
SCHEMA_KEY = "schema"
EXAMPLES_KEY = "examples"
CURATED_SCHEMA_KEY = "curated_schema"
CUSTOM_CONFIG_KEY = "custom_config"
SCHEMA_FILE = "schema.pbtxt"


class FeatureKindsGenSpec(component_spec.ComponentSpec):
    PARAMETERS = {
        # JSON: the TransformConfig (label, task, user overrides).
        CUSTOM_CONFIG_KEY: component_spec.ExecutionParameter(type=str),
    }
    INPUTS = {
        STATISTICS_KEY: component_spec.ChannelParameter(
            type=standard_artifacts.ExampleStatistics
        ),
        SCHEMA_KEY: component_spec.ChannelParameter(
            type=standard_artifacts.Schema
        ),
        EXAMPLES_KEY: component_spec.ChannelParameter(
            type=standard_artifacts.Examples
        ),
    }
    OUTPUTS = {
        CURATED_SCHEMA_KEY: component_spec.ChannelParameter(
            type=standard_artifacts.Schema
        ),
    }
