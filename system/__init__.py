"""Import path of KFP's `system.*` artifact titles for TFX's v2 entrypoint.

A compiled pipeline names the tuner's report outputs `system.HTML` and
`system.Markdown` (the types KFP 2's UI renders). In the pod, TFX imports
each output's schema title as a class path, so `system.HTML` must be
importable: it is the class in `components/autokeras_tuner/report/artifacts.py`.
"""

from components.autokeras_tuner.report.artifacts import HTML
from components.autokeras_tuner.report.artifacts import Markdown

__all__ = ["HTML", "Markdown"]
