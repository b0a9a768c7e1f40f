"""The artifact types KFP 2's UI renders: `system.HTML`, `system.Markdown`.

KFP's run view shows an artifact whose type is `system.HTML` (or
`system.Markdown`) by reading the file at the artifact's URI. TFX's
KubeflowV2DagRunner writes a custom type's TYPE_NAME as its schema title, so
these TYPE_NAMEs are KFP's own names. At run time TFX's v2 entrypoint turns
a custom title back into a class by importing it as `<module>.<class>`
(tensorflow/tfx issue 6102): the image therefore ships a top-level
`system` package (`system/__init__.py`) that re-exports these classes.
"""

from tfx.types import artifact


class HTML(artifact.Artifact):
    """One self-contained HTML file at the artifact's URI."""

    TYPE_NAME = "system.HTML"


class Markdown(artifact.Artifact):
    """One Markdown file at the artifact's URI."""

    TYPE_NAME = "system.Markdown"
