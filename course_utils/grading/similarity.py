"""Similar submissions (``similarity.csv`` and report.md's "Similarity"): for the instructor to look at;
it never changes a grade.

* **Code**: per chapter, a student's answer cells (the code solution cells, concept questions left
  out) with every line of the starter code and of the solution taken out, are tokenised and
  normalised by ``copydetect`` (names become ``V``/``F``, comments, whitespace and string contents
  dropped) and fingerprinted by winnowing (k-grams of :data:`K` characters, windows of :data:`WINDOW`);
  the fingerprints of the starter code and the solution, and those that more than
  :data:`COMMON_SHARE` of the class (at least 3 students) share, are dropped. A pair is reported when
  their fingerprints overlap by at least :data:`CODE_THRESHOLD` (Dice: twice the shared ones over
  both counts) and share at least :data:`MIN_SHARED` fingerprints (short answers say too little).
  Renaming, reordering functions or cells, and rewriting comments do not hide a copy.
* **Shared wrong answers**: concept questions (solution cells that only assign literals, e.g.
  ``answer = "b"``); a pair is reported when the two gave the same wrong answer (not the solution's,
  not the starter's) on at least :data:`SHARED_WRONG` of them, across the chapters graded. Answers to
  varied questions are compared in variant-0 terms (:mod:`.canonical`): the same wrong answer in two
  students' own letters counts as the same, whatever letters each variant shows.
* **Another variant's answers** (``variant_copy``): a student whose answer to a varied question is
  wrong for their own variant but is, letter for letter, the right answer of a classmate's variant
  (or of variant 0) on at least :data:`SHARED_WRONG` questions: answers passed on as they are.
"""

from __future__ import annotations

import ast
import csv
import itertools
from collections import Counter
from pathlib import Path

from .canonical import canonical, concept_spec, normal, translate, variant_objects
from .course import _flags, grade_id
from .csvsafe import write_csv

K, WINDOW = 25, 4          # copydetect's k-gram length (characters of normalised code) and winnowing window
CODE_THRESHOLD = 0.5       # Dice overlap of two students' fingerprints from which a pair is reported (ch03: a planted
                           # copy 0.75, independently written pairs 0.00-0.06)
MIN_SHARED = 10            # ... and fingerprints they must share
COMMON_SHARE = 0.2         # fingerprints more of the class than this share are nobody's own
MAX_ANSWER = 20_000        # characters of one answer cell compared (a longer one is cut)
SHARED_WRONG = 2           # identical wrong answers on concept questions from which a pair is reported
FIELDS = ["kind", "chapter", "student_a", "student_b", "score", "shared", "detail"]


def literals(source: str) -> dict | None:
    """``{name: value}`` of a cell that only assigns literals (a concept question's answer), else None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    found = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            return None
        try:
            found[node.targets[0].id] = ast.literal_eval(node.value)
        except ValueError:
            return None
    return found or None


def answers(nb) -> dict[str, str]:
    """``{grade_id: source}`` of a notebook's code solution cells (the last copy of a copied one)."""
    return {grade_id(c): c.source for c in nb.cells if c.cell_type == "code" and _flags(c).get("solution") and grade_id(c)}


def _strip_lines(text: str, known: set[str]) -> str:
    return "\n".join(line for line in text.splitlines() if line.strip() and line.strip() not in known)


def fingerprints(code: str) -> set[int]:
    """copydetect's winnowed fingerprints of ``code``, normalised (names, comments, layout)."""
    from copydetect.utils import filter_code, get_document_fingerprints

    filtered, _ = filter_code(code, "answer.py", language="python")
    found, _ = get_document_fingerprints(filtered, K, WINDOW)
    return {int(h) for h in found}


def code_pairs(chapter: str, students: dict[str, dict[str, str]], stub: dict[str, str],
               solution: dict[str, str]) -> list[dict]:
    """Rows for pairs of students whose code answers of ``chapter`` are near-identical."""
    cells = [g for g in stub if literals(solution.get(g, "")) is None]
    known = {line.strip() for g in cells for text in (stub[g], solution.get(g, "")) for line in text.splitlines()}
    boiler = fingerprints("\n".join(stub[g] + "\n" + solution.get(g, "") for g in cells))
    prints = {s: fingerprints("\n".join(_strip_lines(a.get(g, ""), known) for g in cells)) - boiler
              for s, a in students.items()}
    holders: dict[int, list[str]] = {}
    for s, found in prints.items():
        for h in found:
            holders.setdefault(h, []).append(s)
    cap = max(2, int(COMMON_SHARE * len(students)))
    shared = Counter(pair for who in holders.values() if len(who) <= cap for pair in itertools.combinations(sorted(who), 2))
    rows = []
    for (a, b), n in shared.items():
        dice = 2 * n / (len(prints[a]) + len(prints[b]))
        if n >= MIN_SHARED and dice >= CODE_THRESHOLD:
            rows.append({"kind": "code", "chapter": chapter, "student_a": a, "student_b": b, "score": f"{dice:.2f}",
                         "shared": n, "detail": f"{n} shared fingerprints of {len(prints[a])} and {len(prints[b])}"})
    return rows


def wrong_answers(chapter: str, students: dict[str, dict[str, str]], stub: dict[str, str],
                  solution: dict[str, str], ns: dict | None = None, key: str = "") -> dict[tuple[str, str], str]:
    """``{(student, "chapter/grade_id"): the wrong answer}`` on the chapter's concept questions, in
    variant-0 terms (``ns``: the chapter's variant objects, :func:`.canonical.variant_objects`; ``key``
    the course key), so that the same wrong answer in two students' own letters is the same."""
    found = {}
    for g, starter in stub.items():
        spec = concept_spec(solution.get(g, ""), ns or {})
        if spec is None:
            continue
        right = normal({name: value for name, (value, _) in spec.items()})
        start = literals(starter)
        for s, a in students.items():
            given = literals(a.get(g, ""))
            if not given or given == start:
                continue
            answer = normal(canonical(given, spec, s, key))
            if answer != right:
                found[(s, f"{chapter}/{g}")] = answer
    return found


VARIANT_0 = "(variant 0)"   # the notebook's own letters (no student id): its right answers circulate


def copied_keys(chapter: str, students: dict[str, dict[str, str]], stub: dict[str, str], solution: dict[str, str],
                ns: dict, key: str) -> dict[tuple[str, str], str]:
    """``{(student, "chapter/grade_id"): whose}``: a varied concept question answered, wrongly for the
    student's own variant, with exactly the right answer of another student's variant (or variant 0's),
    letter for letter — a classmate's answers handed in as they are."""
    found = {}
    for g, starter in stub.items():
        spec = concept_spec(solution.get(g, ""), ns or {})
        if spec is None or not any(opts for _, opts in spec.values()):
            continue  # not varied: every variant has the same right answer
        right = {name: value for name, (value, _) in spec.items()}
        start = literals(starter)
        owner = {normal(right): VARIANT_0}
        for s in students:   # each student's own right answer, in their letters
            owner.setdefault(normal(translate(right, spec, s, key, to_variant_0=False)), s)
        for s, a in students.items():
            given = literals(a.get(g, ""))
            if not given or given == start:
                continue
            whose = owner.get(normal(given))
            if whose not in (None, s) and normal(canonical(given, spec, s, key)) != normal(right):
                found[(s, f"{chapter}/{g}")] = whose
    return found


def copy_rows(copied: dict[tuple[str, str], str]) -> list[dict]:
    """Rows for students who handed in another variant's right answers on at least :data:`SHARED_WRONG`
    questions (one source: a student, or variant 0)."""
    by_pair: dict[tuple[str, str], list[str]] = {}
    for (s, q), whose in copied.items():
        by_pair.setdefault((whose, s), []).append(q)
    return [{"kind": "variant_copy", "chapter": " ".join(sorted({q.split("/")[0] for q in qs})), "student_a": a,
             "student_b": b, "score": "", "shared": len(qs),
             "detail": f"{b} handed in {a}'s own right answers (wrong in {b}'s variant) on " + ", ".join(sorted(qs))}
            for (a, b), qs in sorted(by_pair.items()) if len(qs) >= SHARED_WRONG]


def wrong_pairs(wrong: dict[tuple[str, str], str]) -> list[dict]:
    """Rows for pairs who gave the same wrong answer on at least :data:`SHARED_WRONG` concept questions."""
    same: dict[tuple[str, str], list[str]] = {}
    by_answer: dict[tuple[str, str], list[str]] = {}
    for (s, q), answer in wrong.items():
        by_answer.setdefault((q, answer), []).append(s)
    for (q, _), who in by_answer.items():
        for pair in itertools.combinations(sorted(who), 2):
            same.setdefault(pair, []).append(q)
    return [{"kind": "wrong_answers", "chapter": " ".join(sorted({q.split("/")[0] for q in qs})), "student_a": a,
             "student_b": b, "score": "", "shared": len(qs), "detail": "same wrong answer on " + ", ".join(sorted(qs))}
            for (a, b), qs in sorted(same.items()) if len(qs) >= SHARED_WRONG]


def similarity(class_answers: dict[str, dict[str, dict[str, str]]], stubs: dict, solutions: dict,
               variant_cells: dict | None = None, key: str = "") -> list[dict]:
    """All reported pairs: ``class_answers`` is ``{chapter: {student: {grade_id: source}}}``, ``stubs`` and
    ``solutions`` ``{chapter: {grade_id: source}}`` (the release's and the instructor's), ``variant_cells``
    ``{chapter: [source of a shared cell]}`` (the instructor's) and ``key`` the course key, for varied questions."""
    rows, wrong, copied = [], {}, {}
    for ch, students in sorted(class_answers.items()):
        rows += code_pairs(ch, students, stubs[ch], solutions[ch])
        ns = variant_objects((variant_cells or {}).get(ch, []))
        wrong.update(wrong_answers(ch, students, stubs[ch], solutions[ch], ns, key))
        copied.update(copied_keys(ch, students, stubs[ch], solutions[ch], ns, key))
    rows.sort(key=lambda r: (r["chapter"], -float(r["score"] or 0), r["student_a"], r["student_b"]))
    return rows + wrong_pairs(wrong) + copy_rows(copied)


def class_answers(submissions: list, chapters: list[str], max_bytes: int) -> dict[str, dict[str, dict[str, str]]]:
    """The answer cells of each submission (:class:`.submissions.Submission`), by chapter, read in a
    process of its own (never parsed by the grader's main process); a notebook over ``max_bytes``, or
    no plain file, is not read, and each answer is cut at :data:`MAX_ANSWER` characters."""
    from .layouts import in_child

    subs = [s for s in submissions if s.path is not None and s.chapter in chapters]
    found: dict[str, dict[str, dict[str, str]]] = {ch: {} for ch in chapters}
    for sub, given in zip(subs, in_child(_answers_of, [(s.path, max_bytes) for s in subs])):
        if given is not None:
            found[sub.chapter][sub.student_id] = given
    return found


def _answers_of(path: Path, max_bytes: int) -> dict[str, str] | None:
    from .submissions import parse_notebook

    if not path.is_file() or path.is_symlink() or path.stat().st_size > max_bytes:
        return None
    nb, _ = parse_notebook(path)
    return None if nb is None else {g: a[:MAX_ANSWER] for g, a in answers(nb).items()}


def shared_cells(nb) -> list[str]:
    """The source of a notebook's code cells that are neither answers nor tests."""
    return [c.source for c in nb.cells if c.cell_type == "code" and not _flags(c).get("solution")
            and not _flags(c).get("grade")]


def write_similarity(out: Path, submissions: list, releases: dict, sources: dict, max_bytes: int = 20 * 2**20,
                     key: str = "") -> list[dict]:
    """``similarity.csv`` for the class's submissions (``releases``/``sources``: ``{chapter: notebook}``;
    ``key``: the course key, for answers to varied questions)."""
    chapters = sorted(releases)
    rows = similarity(class_answers(submissions, chapters, max_bytes), {ch: answers(releases[ch]) for ch in chapters},
                      {ch: answers(sources[ch]) for ch in chapters}, {ch: shared_cells(sources[ch]) for ch in chapters},
                      key)
    write_csv(out / "similarity.csv", FIELDS, ([r[k] for k in FIELDS] for r in rows))
    return rows


def report_lines(out: Path, shown: int = 30) -> list[str]:
    """The "Similarity" section of report.md, from ``similarity.csv`` (none without it)."""
    path = out / "similarity.csv"
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    lines = ["## Similarity", "", (f"Pairs whose answer cells are near-identical once names, comments and layout are "
             f"normalised (fingerprint overlap ≥ {CODE_THRESHOLD:g}, starter code and solution left out), and pairs "
             f"with the same wrong answer on ≥ {SHARED_WRONG} concept questions, and students who handed in another "
             f"variant's right answers letter for letter on ≥ {SHARED_WRONG} varied questions: {len(rows)} pair(s), all in "
             "similarity.csv. For a person to look at: no grade was changed."), ""]
    if rows:
        lines += ["| kind | chapter | students | score | detail |", "|---|---|---|---:|---|"]
        lines += [f"| {r['kind']} | {r['chapter']} | {r['student_a']}, {r['student_b']} | {r['score']} | {r['detail']} |"
                  for r in rows[:shown]]
        lines += [f"... and {len(rows) - shown} more in similarity.csv" if len(rows) > shown else "", ""]
    return lines
