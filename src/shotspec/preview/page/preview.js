// shot preview: follows the server's state stream; every spec-derived string goes in with
// textContent (never innerHTML), so spec text cannot become markup.
"use strict";
(() => {
  const token = document.querySelector('meta[name="shotspec-token"]').content;
  const $ = (id) => document.getElementById(id);
  const stage = $("stage"), after = $("after"), before = $("before"), slider = $("slider");
  const passSel = $("pass"), loupe = $("loupe"), divider = $("divider");
  let snap = null, shotName = null, passKey = "all";
  const LOUPE_PX = 160;
  // playback of a sequence: the play head, play/loop, the preloaded playback pictures
  let head = null, playing = false, loop = true, lastAt = 0, waitingAt = -1, postTimer = null;
  const pictures = new Map();   // url -> Image (decoded ahead, so a frame swaps at once)

  const shot = () => (snap && snap.shots.find((s) => s.name === shotName)) || null;
  const where = (d) => d.line ? `${d.file}:${d.line}:${d.col}` : d.file;

  function comparePair(s) {
    // [before, after] stage indices for the selected comparison
    const last = s.stages.length - 1;
    if (passKey === "all" || !/^\d+$/.test(passKey) || +passKey > last) return [0, last];
    return [+passKey - 1, +passKey];
  }

  function load(img, url, done) {
    // show url once decoded, unless a newer picture was asked of img meanwhile
    img.dataset.want = url;
    if (img.getAttribute("src") === url) { done(); return; }
    const next = new Image();
    next.onload = () => { if (img.dataset.want === url) { img.src = url; done(); } };
    next.onerror = () => { if (img.dataset.want === url) done(); };
    next.src = url;
  }

  function showShot() {
    const s = shot();
    if (!s) return;
    if (s.frames > 1 && (playing || s.frame !== head)) {
      // playing, or the page's play head is not the frame this render is of: the playback picture
      showFrame(head);
      return;
    }
    stage.style.aspectRatio = `${s.width} / ${s.height}`;
    const [b, a] = comparePair(s);
    const seq = snap.seq, phase = snap.phase, gen = snap.generation;
    let pending = 2;
    const shown = () => {
      if (--pending) return;
      document.body.dataset.seq = seq;
      document.body.dataset.generation = gen;
      document.body.dataset.phase = phase;
      window.previewShown = { seq, generation: gen, phase, at: performance.now() };
    };
    load(after, s.stages[a].url, shown);
    load(before, s.stages[b].url, shown);
    showHighlight();
    const markers = $("markers");
    markers.replaceChildren(...s.focus.map(([u, v]) => {
      const m = document.createElement("span");
      m.style.left = `${u * 100}%`; m.style.top = `${v * 100}%`;
      m.title = "focus point";
      return m;
    }));
    applySlider();
  }

  function showHighlight() {
    // the tint of what the light under the editor's cursor lights (scaled like the image)
    const s = shot(), img = $("highlight"), lit = $("lit");
    const h = s && snap.highlight ? snap.highlight[s.name] : null;
    img.hidden = lit.hidden = !h;
    document.body.dataset.highlight = h ? h.light : "";
    if (!h) { img.removeAttribute("src"); return; }
    if (img.getAttribute("src") !== h.url) img.src = h.url;
    lit.textContent = `tinted: what ${h.light} lights`;
  }

  function fillControls() {
    const nav = $("shots");
    nav.replaceChildren(...snap.shots.map((s) => {
      const b = document.createElement("button");
      b.type = "button"; b.textContent = s.name; b.dataset.shot = s.name;
      b.setAttribute("aria-pressed", String(s.name === shotName));
      b.onclick = () => { shotName = s.name; fillControls(); showShot(); };
      return b;
    }));
    const s = shot();
    if (!s) return;
    const options = [["all", "all finishing"]];
    s.stages.slice(1).forEach((st, i) => options.push([String(i + 1), st.label]));
    if (!options.some(([k]) => k === passKey)) passKey = "all";
    passSel.replaceChildren(...options.map(([k, label]) => {
      const o = document.createElement("option");
      o.value = k; o.textContent = label; o.selected = k === passKey;
      return o;
    }));
    passSel.disabled = slider.disabled = s.stages.length < 2;
    // a sequence: play/pause, loop, the frame slider, frame number and timecode
    const box = $("framebox"), frame = $("frame");
    box.hidden = !(s.frames > 1);
    document.body.dataset.sequence = s.frames > 1 ? "1" : "0";
    if (s.frames > 1) {
      if (head === null) head = s.frame;
      head = Math.min(head, s.frames - 1);
      frame.max = String(s.frames - 1);
      showHead();
    } else if (playing) {
      pause(true);                 // a still shot (or the sequence became one): stop playing
    }
  }

  // ------------------------------------------------------------------ playback

  const sequence = () => (snap && snap.sequences && snap.sequences[shotName]) || null;
  const decoded = (url) => { const p = url && pictures.get(url); return !!(p && p.complete && p.naturalWidth); };

  function preload() {
    // decode every ready frame of the shown sequence ahead; forget pictures no longer listed
    const seq = sequence(), keep = new Set(seq ? seq.urls.filter(Boolean) : []);
    for (const url of pictures.keys()) if (!keep.has(url)) pictures.delete(url);
    for (const url of keep) {
      if (pictures.has(url)) continue;
      const img = new Image();
      img.src = url;
      pictures.set(url, img);
    }
  }

  window.previewSequenceUrls = () => { const seq = sequence(); return seq ? seq.urls.filter(Boolean) : []; };

  function showHead() {
    // the frame number, its timecode, the slider and the frames-ready bar
    const seq = sequence(), frame = $("frame");
    $("frameno").textContent = String(head ?? 0);
    $("timecode").textContent = seq && seq.timecodes[head] ? seq.timecodes[head] : "--:--:--:--";
    if (document.activeElement !== frame || playing) frame.value = String(head ?? 0);
    $("readybar").style.width = seq ? `${(100 * seq.ready / Math.max(1, seq.total)).toFixed(1)}%` : "0";
    $("ready").title = seq ? `${seq.ready} of ${seq.total} frames ready to play` : "";
    document.body.dataset.frame = String(head ?? 0);
    document.body.dataset.ready = String(seq ? seq.ready : 0);
  }

  function showFrame(i) {
    // frame i's playback picture (low resolution) when it is ready; else the picture stays
    const seq = sequence(), url = seq && seq.urls[i];
    showHead();
    if (!url) return false;
    after.dataset.want = url;
    if (after.getAttribute("src") !== url) {
      after.src = url;
      document.body.dataset.shown = String(i);
    }
    return true;
  }

  function post(path, body) {
    return fetch(path, { method: "POST", body: JSON.stringify(body), keepalive: true,
      headers: { "Content-Type": "application/json", "X-Shotspec-Token": token } })
      .catch(() => { $("status").textContent = "the preview server did not answer"; });
  }

  function tick(now) {
    if (!playing) return;
    const seq = sequence();
    if (!seq) { pause(true); return; }
    const dt = 1000 / seq.fps;
    if (now - lastAt >= dt) {
      let next = head + 1;
      if (next >= seq.total) {
        if (!loop) { pause(true); return; }
        next = 0;
      }
      const url = seq.urls[next];
      if (url && decoded(url)) {
        head = next;
        lastAt = now - lastAt > 2 * dt ? now : lastAt + dt;   // keep the rate; resync after a wait
        waitingAt = -1;
        showFrame(head);
        window.previewPlayed = (window.previewPlayed || 0) + 1;
      } else if (waitingAt !== next) {
        waitingAt = next;                    // not ready: the server renders from here on
        post("/api/play", { playing: true, frame: next });
      }
    }
    requestAnimationFrame(tick);
  }

  function play() {
    const seq = sequence();
    if (!seq || playing) return;
    if (head >= seq.total - 1 && !loop) head = 0;
    playing = true;
    document.body.dataset.playing = "1";
    $("play").innerHTML = "&#10074;&#10074;";
    $("play").setAttribute("aria-label", "pause (space)");
    lastAt = performance.now();
    waitingAt = -1;
    post("/api/play", { playing: true, frame: head });
    showStatus();
    requestAnimationFrame(tick);
  }

  function pause(tell) {
    // stop on the play head; the server then renders that frame in full
    if (!playing) return;
    playing = false;
    document.body.dataset.playing = "0";
    $("play").innerHTML = "&#9654;";
    $("play").setAttribute("aria-label", "play (space)");
    if (tell) post("/api/play", { playing: false, frame: head });
    showStatus();
  }

  function seek(i, now) {
    // show frame i at once (its playback picture) and ask for its full frame shortly
    const s = shot();
    if (!s || s.frames < 2) return;
    pause(false);
    head = Math.max(0, Math.min(s.frames - 1, i));
    showFrame(head);
    clearTimeout(postTimer);
    postTimer = setTimeout(() => post("/api/play", { playing: false, frame: head }), now ? 0 : 150);
  }

  function step(d) {
    const s = shot();
    if (!s || s.frames < 2) return;
    let i = head + d;
    if (loop) i = (i + s.frames) % s.frames;
    seek(i, false);
  }

  function showDiagnostics() {
    const box = $("diagnostics");
    const broken = snap.phase === "error";
    stage.classList.toggle("stale", snap.stale);
    box.hidden = !broken;
    box.replaceChildren(...(broken ? snap.diagnostics : []).map((d) => {
      const p = document.createElement("div");
      p.className = `diag ${d.severity}`;
      const code = document.createElement("span");
      code.className = "code"; code.textContent = `${d.severity}[${d.code}]`;
      const msg = document.createElement("span");
      msg.className = "message"; msg.textContent = ` ${d.message}`;
      const loc = document.createElement("div");
      loc.className = "where"; loc.textContent = `  --> ${where(d)}`;
      p.append(code, msg, loc);
      if (d.help) {
        const h = document.createElement("div");
        h.className = "help"; h.textContent = `  = help: ${d.help}`;
        p.append(h);
      }
      return p;
    }));
  }

  function showStatus() {
    const st = $("status"), seq = sequence();
    if (!snap) return;
    if (playing && snap.phase !== "error") {
      st.textContent = seq ? `playing · ${+seq.fps.toFixed(3)} fps · low-res · ${seq.ready}/${seq.total} ready` : "playing";
    } else if (snap.phase === "error") {
      st.textContent = snap.stale ? "spec has errors: showing the last good image" : "spec has errors";
    } else if (snap.phase === "starting") {
      st.textContent = "rendering…";
    } else {
      const what = snap.phase === "low" ? "low-res frame, full frame rendering…" : "full frame";
      const warnings = snap.diagnostics.filter((d) => d.severity === "warning");
      const note = warnings.length ? ` · ${warnings.length} warning(s): ${warnings[0].code} ${warnings[0].message}` : "";
      st.textContent = `${what} (${(snap.latency_s ?? 0).toFixed(2)} s after the edit)${note}`;
    }
  }

  function onState(next) {
    snap = next;
    $("spec").textContent = snap.spec;
    if (!shot() && snap.shots.length) shotName = snap.shots[0].name;
    preload();
    fillControls();
    showDiagnostics();
    showStatus();
    if (snap.shots.length) showShot();
  }

  function applySlider() {
    const pct = +slider.value;
    before.style.clipPath = `inset(0 ${100 - pct}% 0 0)`;
    divider.hidden = pct <= 0 || pct >= 100;
    divider.style.left = `${pct}%`;
  }
  slider.addEventListener("input", applySlider);
  $("frame").addEventListener("input", () => { pause(false); head = +$("frame").value; showFrame(head); });
  $("frame").addEventListener("change", () => seek(+$("frame").value, true));
  $("play").addEventListener("click", (e) => { e.currentTarget.blur(); playing ? pause(true) : play(); });
  $("loop").addEventListener("click", (e) => {
    e.currentTarget.blur();
    loop = !loop;
    e.currentTarget.setAttribute("aria-pressed", String(loop));
  });
  window.addEventListener("pagehide", () => pause(true));   // the server stops rendering for play
  document.addEventListener("keydown", (e) => {
    // space plays/pauses, ← → step one frame (not while choosing in a list)
    const s = shot();
    if (!s || s.frames < 2 || e.target.tagName === "SELECT" || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === " ") { e.preventDefault(); playing ? pause(true) : play(); }
    else if (e.key === "ArrowRight") { e.preventDefault(); step(1); }
    else if (e.key === "ArrowLeft") { e.preventDefault(); step(-1); }
  });
  passSel.addEventListener("change", () => { passKey = passSel.value; showShot(); });

  stage.addEventListener("mousemove", (e) => {
    const s = shot();
    if (!s || !after.getAttribute("src")) return;
    const r = stage.getBoundingClientRect();
    const x = e.clientX - r.left, y = e.clientY - r.top;
    const useBefore = x / r.width * 100 < +slider.value;
    const px = (x / r.width) * s.width, py = (y / r.height) * s.height;   // output pixels
    loupe.hidden = false;
    loupe.style.left = `${x}px`; loupe.style.top = `${y}px`;
    loupe.style.backgroundImage = `url("${(useBefore ? before : after).getAttribute("src")}")`;
    loupe.style.backgroundSize = `${s.width}px ${s.height}px`;
    loupe.style.backgroundPosition = `${LOUPE_PX / 2 - px}px ${LOUPE_PX / 2 - py}px`;
    loupe.dataset.x = Math.floor(px); loupe.dataset.y = Math.floor(py);
  });
  stage.addEventListener("mouseleave", () => { loupe.hidden = true; });

  stage.addEventListener("click", async (e) => {
    const s = shot();
    if (!s) return;
    const r = stage.getBoundingClientRect();
    const body = { shot: s.name, u: (e.clientX - r.left) / r.width, v: (e.clientY - r.top) / r.height };
    const jump = $("jump");
    try {
      const res = await fetch("/api/locate", { method: "POST", body: JSON.stringify(body),
        headers: { "Content-Type": "application/json", "X-Shotspec-Token": token } });
      const found = await res.json();
      jump.classList.toggle("found", !!found.span);
      jump.textContent = found.span
        ? `${found.what} ${found.name} → ${found.span.file}:${found.span.line}:${found.span.col}`
        : (found.error || "nothing here is controlled by a block of the spec");
      jump.dataset.what = found.what || "";
    } catch (err) {
      jump.textContent = `the preview server did not answer (${err})`;
    }
  });

  const events = new EventSource("/api/events");
  events.addEventListener("state", (e) => onState(JSON.parse(e.data)));
  events.onerror = () => { $("status").textContent = "reconnecting to shot preview…"; };
})();
