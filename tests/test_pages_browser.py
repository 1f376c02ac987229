"""The pages in a real browser: Debian's headless Chromium driven by selenium and chromedriver.

One real episode (the offline voice, a real MP3) is made and served on 127.0.0.1 for every
test here. Without Chromium these tests are skipped with the command that installs it (and
listed in pytest's summary, see conftest.py); under CI (CI=true) they fail instead.
Screenshots of each page at desktop and phone width go to the session's tmp folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
from conftest import BRIDGE_TEXT, BROWSER_INSTALL, write_show
from showkit import make

from briefing.publish import pages
from briefing.publish import serve
from briefing.ffmpeg import decode

pytestmark = pytest.mark.browser

DATE = "2026-11-20"
HEADLINE = "Harbour <b>bridge</b> reopens <script>alert(1)</script> after repairs"
SECOND = """Library opens a reading garden

By Lee Chan

The central library opened a reading garden on its roof on Tuesday, with benches for eighty readers.

“People asked for somewhere quiet outside,” said Tom Berry, the head librarian.
"""
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--mute-audio")
DESKTOP = (1280, 900)
PHONE = (390, 844)


def _chromium() -> tuple[str, str] | str:
    """(browser, driver) paths, or why the tests cannot run."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        return f"Chromium or chromedriver is not installed. Install them with: {BROWSER_INSTALL}"
    return browser, driver


def _start(browser: str, driver: str, profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={DESKTOP[0]},{DESKTOP[1]}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The system chromedriver by path: selenium's own manager would try to download one.
    return webdriver.Chrome(service=Service(driver), options=options)


@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    found = _chromium()
    if isinstance(found, str):
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run under CI: {found}")
        pytest.skip(found)
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
    driver = _start(*found, profile)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory, chrome):
    """A real episode (Piper, real MP3) and a server for output/ on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("pages-show")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BRIEFING_HOME", str(folder / "home"))
        config = write_show(folder, engine="piper", extra='[sources]\npaths = ["sources"]\n')
        (folder / "sources" / "a-bridge.txt").write_text(BRIDGE_TEXT.replace(
            "Harbour bridge reopens after repairs", HEADLINE), "utf-8")
        (folder / "sources" / "b-library.txt").write_text(SECOND, "utf-8")
        result = make(config, "--date", DATE)
    assert result.exit_code == 0, result.output
    out = folder / "output"
    server = serve.make_server(out, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    shots = tmp_path_factory.mktemp("screenshots")
    try:
        yield {"out": out, "url": server.url, "day": out / DATE, "shots": shots}
    finally:
        server.shutdown()
        server.server_close()


def _wait(predicate, timeout=15.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _size(driver, width, height, *, dark=False):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})


def _open(driver, url):
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(url)
    _wait(lambda: driver.execute_script("return document.readyState") == "complete", what="the page to load")


def _ready(driver):
    _wait(lambda: driver.execute_script("return document.getElementById('player').readyState") >= 1,
          what="the player's metadata")


def _errors(driver):
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _near(driver, seconds: float) -> float:
    """Wait for the player to be within 1 s of `seconds` (a seek takes a moment under load); pause it there."""
    now = lambda: driver.execute_script("return document.getElementById('player').currentTime")  # noqa: E731
    try:
        _wait(lambda: abs(now() - seconds) <= 1, timeout=10, what=f"the player at {seconds:.2f} s")
    finally:
        driver.execute_script("document.getElementById('player').pause()")
    return now()


def _vtt_times(path: Path) -> list[tuple[float, float]]:
    def sec(stamp):
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    return [(sec(a), sec(b)) for a, b in re.findall(r"^(\S+) --> (\S+)$", path.read_text("utf-8"), re.MULTILINE)]


def test_pages_load_with_no_console_errors_served_and_from_disk(chrome, site):
    _size(chrome, *DESKTOP)
    for url in (site["url"], site["url"] + f"{DATE}/", (site["day"] / "index.html").as_uri(),
                (site["out"] / "index.html").as_uri()):
        _open(chrome, url)
        if "/" + DATE in url:
            _ready(chrome)
        assert _errors(chrome) == [], url


def test_player_duration_is_the_mp3s(chrome, site):
    _open(chrome, site["url"] + f"{DATE}/")
    _ready(chrome)
    duration = chrome.execute_script("return document.getElementById('player').duration")
    assert abs(duration - decode(site["day"] / f"briefing-{DATE}.mp3").seconds) < 0.1


def test_clicking_the_second_chapter_seeks_to_its_start(chrome, site):
    from selenium.webdriver.common.by import By

    chapters = json.loads((site["day"] / f"briefing-{DATE}.chapters.json").read_text("utf-8"))["chapters"]
    _open(chrome, site["url"] + f"{DATE}/")
    _ready(chrome)
    chrome.find_elements(By.CSS_SELECTOR, ".chapters a.seek")[1].click()
    assert abs(_near(chrome, chapters[1]["startTime"]) - chapters[1]["startTime"]) <= 1
    current = chrome.find_elements(By.CSS_SELECTOR, '.chapters li[aria-current="true"]')
    assert len(current) == 1 and HEADLINE in current[0].text


def test_the_keyboard_reaches_a_chapter_and_seeks_with_enter(chrome, site):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    chapters = json.loads((site["day"] / f"briefing-{DATE}.chapters.json").read_text("utf-8"))["chapters"]
    _open(chrome, site["url"] + f"{DATE}/")
    _ready(chrome)
    target = "document.querySelectorAll('.chapters a.seek')[2]"
    for _ in range(60):
        ActionChains(chrome).send_keys(Keys.TAB).perform()
        if chrome.execute_script(f"return document.activeElement === {target}"):
            break
    else:
        raise AssertionError("Tab never reached the third chapter")
    ActionChains(chrome).send_keys(Keys.ENTER).perform()
    assert abs(_near(chrome, chapters[2]["startTime"]) - chapters[2]["startTime"]) <= 1


def test_seeking_into_a_quote_marks_its_segment_current(chrome, site):
    from selenium.webdriver.common.by import By

    segments = json.loads((site["day"] / f"briefing-{DATE}.json").read_text("utf-8"))["segments"]
    times = _vtt_times(site["day"] / f"briefing-{DATE}.vtt")
    assert len(times) == len(segments)
    quotes = [i for i, s in enumerate(segments) if s["role"] == "quote"]
    assert quotes, "the episode has no quote to seek into"
    _open(chrome, site["url"] + f"{DATE}/")
    _ready(chrome)
    for i in (quotes[0], quotes[-1]):
        start, end = times[i]
        chrome.execute_script("document.getElementById('player').currentTime = arguments[0]", (start + end) / 2)
        _wait(lambda i=i: chrome.find_element(By.ID, f"s{i + 1}").get_attribute("aria-current") == "true",
              what=f"segment {i + 1} to be current")
        current = chrome.find_elements(By.CSS_SELECTOR, '.transcript [aria-current="true"]')
        assert [c.get_attribute("id") for c in current] == [f"s{i + 1}"]
        who = segments[i]["speaker"] or pages.QUOTED
        assert current[0].find_element(By.CLASS_NAME, "who").text.lower() == who.lower()
    # a click on a segment seeks there
    chrome.find_element(By.CSS_SELECTOR, f"#s{quotes[0] + 1} .text").click()
    assert abs(_near(chrome, times[quotes[0]][0]) - times[quotes[0]][0]) <= 1


def test_the_transcript_is_the_episodes_text(chrome, site):
    from selenium.webdriver.common.by import By

    _open(chrome, site["url"] + f"{DATE}/")
    shown = [e.get_attribute("textContent") for e in chrome.find_elements(By.CSS_SELECTOR, ".transcript .text")]
    assert "".join(f"{t}\n" for t in shown) == (site["day"] / f"briefing-{DATE}.txt").read_text("utf-8")


def test_a_headline_holding_markup_is_shown_as_text(chrome, site):
    from selenium.webdriver.common.by import By

    for url in (site["url"] + f"{DATE}/", site["url"]):
        _open(chrome, url)
        assert chrome.execute_script("return document.scripts.length") == 1  # page.js only
        assert not chrome.find_elements(By.CSS_SELECTOR, "main b")
    _open(chrome, site["url"] + f"{DATE}/")
    assert HEADLINE in chrome.find_element(By.CSS_SELECTOR, ".chapters").text


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_screenshots_and_no_sideways_scroll_at_phone_width(chrome, site, dark):
    scheme = "dark" if dark else "light"
    backgrounds = set()
    for name, url in (("show", site["url"]), ("episode", site["url"] + f"{DATE}/")):
        for label, (w, h) in (("desktop", DESKTOP), ("phone", PHONE)):
            _size(chrome, w, h, dark=dark)
            _open(chrome, url)
            if label == "phone":
                wide = chrome.execute_script(
                    "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
                assert wide[0] <= wide[1] == w, (name, wide)
            backgrounds.add(chrome.execute_script("return getComputedStyle(document.body).backgroundColor"))
            chrome.save_screenshot(str(site["shots"] / f"{name}-{label}-{scheme}.png"))
    assert len(backgrounds) == 1
    expected = {"rgb(253, 253, 251)"} if not dark else {"rgb(18, 19, 20)"}
    assert backgrounds == expected
    _size(chrome, *DESKTOP)


def test_without_javascript_the_page_is_still_readable(chrome, site):
    from selenium.webdriver.common.by import By

    chrome.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        _open(chrome, site["url"] + f"{DATE}/")
        lines = (site["day"] / f"briefing-{DATE}.txt").read_text("utf-8").splitlines()
        assert len(chrome.find_elements(By.CSS_SELECTOR, ".transcript li")) == len(lines)
        assert chrome.find_element(By.ID, "player").get_attribute("src").endswith(f"briefing-{DATE}.mp3")
        link = chrome.find_elements(By.CSS_SELECTOR, ".chapters a.seek")[1].get_attribute("href")
        assert re.search(rf"briefing-{DATE}\.mp3#t=\d+\.\d+$", link), link  # the MP3 opens at the chapter
        _open(chrome, site["url"])
        assert not chrome.find_element(By.ID, "copy").is_displayed()  # nothing to click without script
        assert chrome.find_element(By.ID, "feed-url").get_attribute("value") == "http://127.0.0.1:8000/pod/feed.xml"
    finally:
        chrome.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def test_show_page_copies_the_feed_url_and_links_the_episode(chrome, site):
    from selenium.webdriver.common.by import By

    _open(chrome, site["url"])
    chrome.find_element(By.ID, "copy").click()
    _wait(lambda: chrome.find_element(By.ID, "copied").text, what="the copy status")
    chrome.find_element(By.CSS_SELECTOR, ".episodes a").click()
    _wait(lambda: chrome.current_url.endswith(f"/{DATE}/index.html"), what="the episode page")
    assert _errors(chrome) == []
