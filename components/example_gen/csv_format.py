"""How a CSV header becomes column names: shared by ExampleGen and the CLI.

Stdlib only, so the CLI's pre-flight checks (`pipelines/preflight`) read a
header exactly as the pipeline's ExampleGen does without importing Beam.
"""

BYTE_ORDER_MARK = "\ufeff"


def clean_header(row):
    """Header names as ExampleGen keys them: BOM and spaces stripped."""
    names = list(row)
    if names:
        names[0] = names[0].lstrip(BYTE_ORDER_MARK)
    return [name.strip() for name in names]
