"""The processing engine: pure Python and pandas, no Qt.

Stages: read -> detect -> normalise -> clean -> classify -> export -> package.
"""

from moodlelogsmart_gui.pipeline.errors import BadInputError
from moodlelogsmart_gui.pipeline.options import PipelineOptions

__all__ = ["BadInputError", "PipelineOptions"]
