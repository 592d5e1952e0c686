"""nbgrader settings for the course: solutions/ is the source, notebooks/ the release.

Everything nbgrader writes while grading (gradebook, submitted, autograded, feedback) goes under
build/nbgrader/, which git ignores. Set COURSE_GRADEBOOK_URL to use another database, e.g.
postgresql://user:password@host/gradebook when several graders share one.
"""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(HERE, "build", "nbgrader")

os.makedirs(BUILD, exist_ok=True)  # sqlite cannot create the folder of its database file

c = get_config()  # noqa: F821  (provided by nbgrader when it reads this file)

c.CourseDirectory.course_id = "bert-finetuning"
c.CourseDirectory.root = HERE
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.submitted_directory = os.path.join("build", "nbgrader", "submitted")
c.CourseDirectory.autograded_directory = os.path.join("build", "nbgrader", "autograded")
c.CourseDirectory.feedback_directory = os.path.join("build", "nbgrader", "feedback")
c.CourseDirectory.db_url = os.environ.get("COURSE_GRADEBOOK_URL", "sqlite:///" + os.path.join(BUILD, "gradebook.db"))

# Graded runs are always in fast mode (course_utils turns it on under NBGRADER_EXECUTION);
# no cell should need more than a few seconds there, so 120 s only stops runaway code.
c.ExecutePreprocessor.timeout = 120
# autograde: each student's kernel runs in an OS sandbox (bubblewrap; COURSE_SANDBOX=none only on
# purpose), and in chapters with set-up cells the tests run in a second, trusted kernel that reaches
# the student's code through course_utils.probe (see docs/GRADING.md). validate keeps one kernel.
try:
    from course_utils.grading.executor import autograde_preprocessors
except ImportError:  # nbgrader run outside the course's environment: its own one-kernel autograde
    pass
else:
    c.Autograde.autograde_preprocessors = autograde_preprocessors()
    c.TwoKernelExecute.sandbox = os.environ.get("COURSE_SANDBOX", "bwrap")

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Every student their own variant of the questions (course_utils.variants, docs/VARIANTS.md): the
# variant seed is an HMAC of the student id and chapter under the key "<course_id>:<salt>". A new
# salt gives a new term new variants; run `course release` after changing it (it writes the key
# into each chapter's set-up cell) and grade with the same config.
c.CourseVariants.salt = "2026"
