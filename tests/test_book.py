"""The course website: it builds offline, has a page per lesson and exercise set with navigation
between them, and every page opens in headless Chromium without a console error, a missing image
or a broken internal link."""

from __future__ import annotations

import re

import pytest

from clflib.course import book, site_check
from clflib.course.lessons import LESSONS


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    home = book.build(tmp_path_factory.mktemp("book"))
    return home.parent


def test_links_are_pointed_at_pages_or_github():
    pages = {"notebooks/01_binary_sentiment.ipynb": "lessons/01_binary_sentiment.ipynb"}
    text = "[one](notebooks/01_binary_sentiment.ipynb#setup) [code](clflib/data.py) [web](https://x.org) [top](#a)"
    rewritten = book.rewrite_links(text, pages)
    assert "[one](lessons/01_binary_sentiment.ipynb#setup)" in rewritten
    assert re.search(r"\[code\]\(https://github\.com/[^)]+/blob/main/clflib/data\.py\)", rewritten)
    assert "[web](https://x.org)" in rewritten and "[top](#a)" in rewritten
    badge = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.x/nb)"
    assert book.rewrite_links(badge, {}) == "[Open in Colab](https://colab.x/nb)"


def test_the_site_has_a_page_per_lesson_and_exercise_set_with_navigation(site):
    for lesson in LESSONS:
        page = site / "lessons" / f"{lesson.slug}.html"
        assert page.is_file(), page
        html = page.read_text(encoding="utf-8")
        assert 'class="prev-next-area"' in html or "prev-next" in html, f"{page.name}: no navigation"
    for name in book.exercise_notebooks():
        assert (site / "exercises" / f"{name}.html").is_file()
    home = (site / "index.html").read_text(encoding="utf-8")
    assert all(f"lessons/{lesson.slug}.html" in home for lesson in LESSONS)


def test_every_page_opens_cleanly_in_headless_chromium(site):
    if site_check.find_browser() is None:
        pytest.skip("no Chromium here: apt-get install chromium chromium-driver (.ci/run does)")
    opened, problems = site_check.check_site(site)
    assert opened >= len(LESSONS) + len(book.exercise_notebooks()) + 3
    assert not problems, "\n".join(problems[:30])


def test_the_check_sees_a_console_error_a_missing_image_and_a_broken_link(tmp_path):
    if site_check.find_browser() is None:
        pytest.skip("no Chromium here: apt-get install chromium chromium-driver (.ci/run does)")
    (tmp_path / "index.html").write_text(
        '<html><body><img src="missing.png"><a href="nowhere.html">x</a>'
        "<script>throw new Error('boom')</script></body></html>"
    )
    opened, problems = site_check.check_site(tmp_path)
    assert opened == 1
    text = "\n".join(problems)
    assert "no such page" in text and "image did not load: missing.png" in text and "boom" in text
