"""The worker's entry point: ``python course_utils/grading/__main__.py worker WS CH STUDENT MEMORY_MB``
(what ``run_worker`` starts) or ``python -m course_utils.grading worker ...``.

Run as a script, it does not execute ``course_utils/__init__.py`` (which imports torch): a bare
``course_utils`` package is registered whose ``__path__`` is the package folder, so
``course_utils.grading`` and the other submodules import as usual.
"""

import sys
import types
from pathlib import Path

if not __package__:  # run as a script: this folder is not a top-level import path
    _here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _here]
    if "course_utils" not in sys.modules:
        _package = types.ModuleType("course_utils", "course_utils without its __init__ (the grading worker)")
        _package.__path__ = [str(_here.parent)]
        sys.modules["course_utils"] = _package

from course_utils.grading.worker import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
