"""The session page: one small HTML page, the time left for both, the submit button for one.

Self-contained (no CDN, no build): the clock counts from the session's first start on the
server's time, and after a submit the page polls the status until grading has finished.
"""

from __future__ import annotations

import html
import json


def session_page(status: dict, *, xsrf: str, lab_url: str) -> str:
    """The page for the status `SessionExtension.status` gave (the interviewer's has a button)."""
    low, high = status["planned_minutes"]
    name = html.escape(status["candidate_name"] or status["candidate"])
    button = (
        '<p><button id="submit" class="mlscreen-submit">Submit and grade now</button> '
        "copies the workspace into the course's <code>submitted/</code> folder and grades it at "
        "once; the scores then show in the companion's coding stage. A later submit keeps this "
        "one (archived beside it).</p>"
        if status["can_submit"] else
        "<p>When you are done, tell your interviewer: they submit the workspace for grading.</p>"
    )
    data = json.dumps(status).replace("</", "<\\/")
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Session: {name}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 46em; color: #222; }}
.mlscreen-clock {{ font-size: 2.2em; font-variant-numeric: tabular-nums; margin: .3em 0; }}
.mlscreen-late {{ color: #b00020; }}
button {{ font-size: 1em; padding: .4em 1em; }}
pre {{ background: #f4f4f4; padding: .6em; overflow-x: auto; font-size: .85em; }}
</style></head>
<body>
<h1>Coding screen: {name}</h1>
<p>Planned time: <b>{low}-{high} minutes</b>. <a href="{html.escape(lab_url)}">Back to the notebooks</a></p>
<div class="mlscreen-clock" id="clock"></div>
<p id="plan"></p>
{button}
<p id="state" class="mlscreen-submit-state"></p>
<ul id="submissions" class="mlscreen-submissions"></ul>
<pre id="log" hidden></pre>
<script>
const xsrf = "{xsrf}";
let status = {data};
const offset = Date.now() / 1000 - status.now;
function minutes(seconds) {{
  const m = Math.floor(Math.abs(seconds) / 60), s = Math.floor(Math.abs(seconds) % 60);
  return m + ":" + String(s).padStart(2, "0");
}}
function tick() {{
  const elapsed = Date.now() / 1000 - offset - status.started;
  const [low, high] = status.planned_minutes;
  const clock = document.getElementById("clock");
  const left = high * 60 - elapsed;
  clock.textContent = left >= 0 ? minutes(left) + " left" : minutes(left) + " over time";
  clock.classList.toggle("mlscreen-late", elapsed > low * 60);
  document.getElementById("plan").textContent =
    minutes(elapsed) + " elapsed of " + low + "-" + high + " minutes planned.";
}}
function show() {{
  const list = document.getElementById("submissions");
  list.innerHTML = "";
  for (const s of status.submissions) {{
    const item = document.createElement("li");
    item.textContent = "submitted at " + new Date(s.at * 1000).toLocaleTimeString();
    list.appendChild(item);
  }}
  const state = status.submit.state || "";
  const words = {{grading: "Grading the submission ...", done: "Submitted and graded.",
                 failed: "Submitting or grading failed: see below."}};
  document.getElementById("state").textContent = words[state] || "";
  const log = document.getElementById("log");
  log.hidden = !status.submit.log;
  log.textContent = status.submit.log || "";
  const button = document.getElementById("submit");
  if (button) button.disabled = state === "grading";
  if (state === "grading") setTimeout(refresh, 1500);
}}
async function refresh() {{
  const reply = await fetch("api/session", {{credentials: "same-origin"}});
  if (reply.ok) {{ status = await reply.json(); show(); }}
}}
const button = document.getElementById("submit");
if (button) button.addEventListener("click", async () => {{
  if (!confirm("Submit the workspace now and grade it?")) return;
  button.disabled = true;
  await fetch("api/submit", {{method: "POST", credentials: "same-origin",
                              headers: {{"X-XSRFToken": xsrf}}}});
  refresh();
}});
tick(); show(); setInterval(tick, 1000);
</script>
</body></html>
"""
