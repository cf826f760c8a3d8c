// The reviewer inbox's only script. Every page works without it (plain links and forms); it adds:
//  - live updates: a page that names what it shows (an element with data-live) follows the server's event
//    stream, and when an event concerns it, fetches the page again and swaps in its live regions
//    ([data-live-region] with an id), keeping what the person has typed, ticked and focused;
//  - "select all" for the bulk decision checkboxes.
(() => {
  "use strict";

  const scope = document.querySelector("[data-live]");

  function concerns(event) {
    const subject = scope.dataset.liveSubject;
    if (!subject) {
      // A list: any event of the kinds it lists.
      return event.type.startsWith(scope.dataset.live + ".");
    }
    // One request or run: its own events, and those of approvals filed for it.
    return event.subject_id === subject || (event.data && event.data.workflow_id === subject);
  }

  // What the person is doing inside a region survives the swap: field values, ticks and focus.
  function carryOver(from, to) {
    for (const field of from.querySelectorAll("textarea[id], input[type=text][id]")) {
      const twin = to.querySelector("#" + CSS.escape(field.id));
      if (twin && !twin.disabled) {
        twin.value = field.value;
      }
    }
    for (const box of from.querySelectorAll("input[type=checkbox][id]")) {
      const twin = to.querySelector("#" + CSS.escape(box.id));
      if (twin && !twin.disabled) {
        twin.checked = box.checked;
      }
    }
  }

  let running = false;
  let again = false;
  let announceNext = false;

  // One fetch at a time; events that arrive meanwhile make one more. announce: say so in the status
  // line (not for the catch-up read when the stream opens, which usually finds nothing new).
  async function refresh(announce) {
    announceNext = announceNext || announce;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const announcing = announceNext;
        announceNext = false;
        const response = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
        if (!response.ok || response.redirected) {
          return; // Signed out or gone: the next navigation says so.
        }
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
        const focused = document.activeElement && document.activeElement.id;
        for (const region of document.querySelectorAll("[data-live-region][id]")) {
          const replacement = fresh.getElementById(region.id);
          if (replacement) {
            carryOver(region, replacement);
            region.replaceWith(document.adoptNode(replacement));
          }
        }
        const refocus = focused && document.getElementById(focused);
        if (refocus && document.activeElement !== refocus) {
          refocus.focus();
        }
        wireSelectAll();
        const note = document.getElementById("live-note");
        if (note && announcing) {
          note.textContent = "Updated " + new Date().toLocaleTimeString();
        }
        if (again) {
          // A burst of events (a bulk decision) costs one more read a second, not one per event.
          await new Promise(resolve => setTimeout(resolve, 1000));
        }
      } while (again);
    } finally {
      running = false;
    }
  }

  function follow() {
    const types = scope.dataset.liveSubject ? "approval.*,workflow.*" : scope.dataset.live + ".*";
    const source = new EventSource("/ui/events?types=" + encodeURIComponent(types));
    // On every (re)connection: whatever changed before the stream was open is read once.
    source.onopen = () => refresh(false);
    source.onmessage = message => {
      try {
        if (concerns(JSON.parse(message.data))) {
          refresh(true);
        }
      } catch (e) {
        // Not an event (a future format): ignore it rather than stop following.
      }
    };
  }

  function wireSelectAll() {
    const all = document.getElementById("select-all");
    if (!all) {
      return;
    }
    all.hidden = false;
    all.onchange = () => {
      for (const box of document.querySelectorAll("input[name=ids]:not(:disabled)")) {
        box.checked = all.checked;
      }
    };
  }

  wireSelectAll();
  if (scope && "EventSource" in window) {
    follow();
  }
})();
