// briefing's pages: seeking from chapters and the transcript, the transcript following the
// player (aria-current on the segment being heard), and the show page's copy button.
// The pages work without this script; it only adds what needs one.
(function () {
  "use strict";
  var player = document.getElementById("player");
  if (player) {
    var cues = Array.prototype.slice.call(document.querySelectorAll(".transcript li[data-start]"));
    var chapters = Array.prototype.slice.call(document.querySelectorAll(".chapters li"));
    var starts = cues.map(function (li) { return parseFloat(li.getAttribute("data-start")); });
    var chapterStarts = chapters.map(function (li) {
      return parseFloat(li.querySelector("[data-start]").getAttribute("data-start"));
    });
    var current = null, currentChapter = null;

    // The last item starting at or before t: during a pause the segment just heard stays marked.
    function at(list, t) {
      var lo = 0, hi = list.length - 1, found = -1;
      while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        if (list[mid] <= t + 0.001) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
      }
      return found;
    }
    function mark(old, el) {
      if (old === el) return el;
      if (old) old.removeAttribute("aria-current");
      if (el) el.setAttribute("aria-current", "true");
      return el;
    }
    function follow() {
      var t = player.currentTime;
      var i = at(starts, t), c = at(chapterStarts, t);
      current = mark(current, i >= 0 ? cues[i] : null);
      currentChapter = mark(currentChapter, c >= 0 ? chapters[c] : null);
    }
    function seek(seconds) {
      player.currentTime = seconds;
      follow();
      var playing = player.play();
      if (playing && playing.catch) playing.catch(function () {});  // autoplay refused: stay paused there
    }
    ["timeupdate", "seeking", "seeked", "loadedmetadata"].forEach(function (name) {
      player.addEventListener(name, follow);
    });
    document.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest("a.source")) return;  // the original article
      var el = event.target.closest ? event.target.closest("[data-start]") : null;
      if (!el) return;
      event.preventDefault();
      seek(parseFloat(el.getAttribute("data-start")));
    });
    var m = /(?:^#|&)t=(\d+(?:\.\d+)?)/.exec(location.hash);  // a shared link to a moment: #t=SECONDS
    if (m) player.currentTime = parseFloat(m[1]);
  }

  var copy = document.getElementById("copy");
  var field = document.getElementById("feed-url");
  if (copy && field) {
    var status = document.getElementById("copied");
    copy.hidden = false;
    copy.addEventListener("click", function () {
      field.select();
      function done() { status.textContent = "Copied"; }
      function fallback() {
        try { document.execCommand("copy"); done(); } catch (e) { status.textContent = "Select the address and copy it"; }
      }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(done, fallback);
      } else {
        fallback();
      }
    });
  }
})();
