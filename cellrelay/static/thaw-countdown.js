/* The live thaw countdown of the bag page. No library.
 *
 * The element carries data-deadline (ISO 8601), data-now (the server's time when the page was made, to correct
 * a workstation clock that is off), data-remaining-text and data-overdue-text: translated sentences from the
 * template with "{time}" where mm:ss goes. Every second the text becomes "mm:ss remaining", or, past the deadline,
 * "overdue by mm:ss" and the element turns red (class "overdue"). Without data-deadline (no limit known) the page
 * already shows why, and nothing ticks.
 */
(function () {
  "use strict";

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  // mm:ss; minutes go past 59 (a limit of 2.5 h starts at 150:00).
  function clock(seconds) {
    return pad(Math.floor(seconds / 60)) + ":" + pad(seconds % 60);
  }

  function start(element) {
    var deadline = Date.parse(element.getAttribute("data-deadline"));
    if (isNaN(deadline)) {
      return;
    }
    var serverNow = Date.parse(element.getAttribute("data-now"));
    var offset = isNaN(serverNow) ? 0 : serverNow - Date.now();
    var remainingText = element.getAttribute("data-remaining-text") || "{time}";
    var overdueText = element.getAttribute("data-overdue-text") || "-{time}";
    var output = element.querySelector("[data-countdown-text]") || element;

    function tick() {
      var left = deadline - (Date.now() + offset);
      var text;
      if (left >= 0) {
        // Rounded up: 00:00 is the deadline itself, and ending then is on time.
        text = remainingText.replace("{time}", clock(Math.ceil(left / 1000)));
        element.classList.remove("overdue");
      } else {
        text = overdueText.replace("{time}", clock(Math.floor(-left / 1000)));
        element.classList.add("overdue");
      }
      if (output.textContent !== text) {
        output.textContent = text;
      }
    }

    tick();
    window.setInterval(tick, 1000);
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-deadline]"), start);
})();
