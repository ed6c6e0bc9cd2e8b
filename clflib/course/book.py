"""The course website: ``make book`` builds static HTML from the README, the reference runs and
the exercise notebooks, offline.

Course tooling. The site is Sphinx with MyST-NB (it reads notebooks with their outputs and never
executes them) and the Sphinx Book Theme: both are installed from PyPI with their assets, so a
build needs no network, and the pages load nothing from one either (MathJax is served from a
local copy, see ``book/conf.py``). :func:`assemble` lays out the site's sources in a build
folder; :func:`build` runs Sphinx on them.

Pages: the README is the home page; one page per lesson, its reference run (outputs, plots and
findings; the notebook without outputs where a lesson has no reference yet); one page per
exercise set (the notebook learners are handed) and the quiz; the exercises' README and
CONTRIBUTING. Links between them are rewritten to point at the pages; links to other files of
the repository point at GitHub.

>>> rewrite_links("[lesson](notebooks/01_binary_sentiment.ipynb)", {"notebooks/01_binary_sentiment.ipynb": "lessons/01_binary_sentiment.ipynb"})
'[lesson](lessons/01_binary_sentiment.ipynb)'
>>> rewrite_links("[code](clflib/data.py)", {})  # doctest: +ELLIPSIS
'[code](https://github.com/.../blob/main/clflib/data.py)'
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from clflib.course import BRANCH, EXERCISES_DIR, PROJECT_ROOT, REPOSITORY
from clflib.course.lessons import LESSONS, Lesson
from clflib.course.reference import notebook_path, read_record
from clflib.course.runner import colab_url

__all__ = [
    "BOOK_CONFIG_DIR",
    "BUILD_DIR",
    "exercise_notebooks",
    "rewrite_links",
    "run_note",
    "assemble",
    "build",
]

BOOK_CONFIG_DIR = PROJECT_ROOT / "book"
BUILD_DIR = PROJECT_ROOT / "_build" / "book"
_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")
_COLAB_BADGE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\(([^)]+)\)")


def exercise_notebooks() -> dict[str, Path]:
    """The notebooks learners are handed, by set name: each set's ``student/`` copy and the quiz."""
    found = {}
    for folder in sorted(path for path in EXERCISES_DIR.iterdir() if path.is_dir()):
        for notebook in sorted((folder / "student").glob("*.ipynb")):
            found[folder.name] = notebook
    return found


def rewrite_links(text: str, pages: Mapping[str, str], base: str = "") -> str:
    """``text`` with its relative Markdown links pointed at the site's pages.

    ``pages`` maps a repository path to its page's path in the site; ``base`` is the folder
    ``text`` sits in, in the repository. A relative link to anything else points at the file on
    GitHub; web links, anchors and images stay as they are. The Colab badge (an image from the
    web, which an offline reader cannot load) becomes a plain link.
    """
    text = _COLAB_BADGE.sub(r"[Open in Colab](\1)", text)

    def replace(match: re.Match) -> str:
        bang, label, target = match.groups()
        if bang or re.match(r"^[a-z][a-z+.-]*:|^#", target):
            return match.group(0)
        path, _, anchor = target.partition("#")
        resolved = os.path.normpath(os.path.join(base, path))
        fragment = f"#{anchor}" if anchor else ""
        if resolved in pages:
            return f"[{label}]({pages[resolved]}{fragment})"
        return f"[{label}](https://github.com/{REPOSITORY}/blob/{BRANCH}/{resolved}{fragment})"

    return _LINK.sub(replace, text)


def _toctree(caption: str, entries: list[str]) -> str:
    return "\n".join(["", "```{toctree}", f":caption: {caption}", ":maxdepth: 1", "", *entries, "```", ""])


def run_note(lesson: Lesson) -> str:
    """The line a lesson's page opens with: how its reference run went, or that it has none."""
    record = read_record(lesson)
    colab = f"[Open in Colab]({colab_url(lesson)})"
    if record is None:
        return f"*No reference run of this lesson yet: the page shows its notebook without outputs.* {colab}"
    run = record["run"]
    versions = ", ".join(f"{name} {version}" for name, version in run.get("versions", {}).items())
    return (
        f"*Reference run: {run['profile']} profile, {run['seconds'] / 60:.1f} min on {run['machine']}, "
        f"{run['date']}; {versions}.* {colab}"
    )


def _lesson_page(lesson: Lesson, target: Path) -> None:
    import nbformat

    reference = notebook_path(lesson)
    nb = nbformat.read(reference if reference.is_file() else lesson.notebook, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(run_note(lesson)))
    nbformat.write(nb, target)


def assemble(source: Path) -> Path:
    """Lay out the site's pages under ``source`` (emptied first) and return it."""
    shutil.rmtree(source, ignore_errors=True)
    (source / "lessons").mkdir(parents=True)
    (source / "exercises").mkdir()
    lessons = {f"notebooks/{lesson.notebook.name}": f"lessons/{lesson.notebook.name}" for lesson in LESSONS}
    exercises = {
        str(path.relative_to(PROJECT_ROOT)): f"exercises/{name}.ipynb"
        for name, path in exercise_notebooks().items()
    }
    pages = {
        **lessons,
        **exercises,
        "exercises/README.md": "exercises/index.md",
        "CONTRIBUTING.md": "contributing.md",
    }
    for lesson in LESSONS:
        _lesson_page(lesson, source / lessons[f"notebooks/{lesson.notebook.name}"])
    for repository_path, page in exercises.items():
        shutil.copyfile(PROJECT_ROOT / repository_path, source / page)
    home = rewrite_links((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"), pages)
    home += _toctree("Lessons", [page.removesuffix(".ipynb") for page in lessons.values()])
    home += _toctree("Exercises", ["exercises/index", "contributing"])
    (source / "index.md").write_text(home, encoding="utf-8")
    relative = {
        key: "../" + value if not value.startswith("exercises/") else value.removeprefix("exercises/")
        for key, value in pages.items()
    }
    exercises_home = rewrite_links(
        (EXERCISES_DIR / "README.md").read_text(encoding="utf-8"), relative, base="exercises"
    )
    exercises_home += _toctree("Exercise sets", [Path(page).stem for page in exercises.values()])
    (source / "exercises" / "index.md").write_text(exercises_home, encoding="utf-8")
    (source / "contributing.md").write_text(
        rewrite_links((PROJECT_ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8"), pages), encoding="utf-8"
    )
    return source


def build(output: Path = BUILD_DIR, quiet: bool = True) -> Path:
    """Build the site into ``output/html`` and return the path of its home page.

    Sphinx's warnings (a broken cross-reference, a notebook it cannot read) fail the build.
    """
    source = assemble(output / "src")
    html = output / "html"
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(BOOK_CONFIG_DIR), "-W", "--keep-going"]
    command += ["-q"] if quiet else []
    completed = subprocess.run([*command, str(source), str(html)], check=False)
    if completed.returncode != 0:
        raise SystemExit(f"make book: Sphinx failed (exit {completed.returncode}); its warnings are above.")
    return html / "index.html"


if __name__ == "__main__":
    print(f"The course website: {build()}")
