"""The processing engine: pure Python and pandas, no Qt.

Stages: read -> detect -> normalise -> clean -> classify -> export -> package.
``process_file`` is imported lazily so that importing this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from moodlelogsmart_gui.pipeline.errors import BadInputError
from moodlelogsmart_gui.pipeline.options import PipelineOptions

if TYPE_CHECKING:
    from moodlelogsmart_gui.pipeline.run import process_file

__all__ = ["BadInputError", "PipelineOptions", "process_file"]


def __getattr__(name: str) -> Any:
    if name == "process_file":
        from moodlelogsmart_gui.pipeline.run import process_file

        return process_file
    raise AttributeError(name)
