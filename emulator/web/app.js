// The sandbox page: a small Slack client over the emulator, updated live by server-sent events.

import { getState, post, toast } from "./api.js";
import { escapeHtml, mrkdwn } from "./mrkdwn.js";
import { renderCanvas, renderMessage, renderPins, renderThread } from "./messages.js";
import { forgetModal, renderHome, renderModal } from "./surfaces.js";

const $ = (id) => document.getElementById(id);
const APP = "app";  // the pseudo-channel of the app's Home and Messages tabs

const S = {
  me: localStorage.getItem("sandbox.me") || "",
  channel: localStorage.getItem("sandbox.channel") || "",
  appTab: "home",
  panel: null,  // { kind: "thread", ts } | { kind: "pins" } | { kind: "canvas" }
  data: null,
  seen: {},
  follow: true,
  watching: false,  // a scenario was seen playing
  focus: "",  // the scenario's focus last followed
  drawn: { messages: "", panel: "", home: "", nav: "" },
};

const users = () => S.data?.users || [];
const userById = (id) => users().find((u) => u.id === id);
const channelById = (id) => (S.data?.channels || []).find((c) => c.id === id);
const dm = () => (S.data?.channels || []).find((c) => c.is_im);
const currentId = () => (S.channel === APP ? dm()?.id || "" : S.channel);

const app = {
  get me() { return S.me; },
  get botName() { return S.data?.bot?.name || "The app"; },
  ctx() {
    return {
      me: S.me,
      userById,
      channelById,
      people: users().filter((u) => !u.is_bot),
      conversations: (S.data?.channels || []).filter((c) => !c.is_im),
    };
  },
  act(element, blockId, choice, container, state) {
    return post("action", { user: S.me, element, block_id: blockId, choice, container, state });
  },
};

// ----- loading -----------------------------------------------------------------
let loading = false;
let again = false;
async function refresh() {
  if (loading) { again = true; return; }
  loading = true;
  try {
    do {
      again = false;
      S.data = await getState(S.me, currentId());
      settle();
      draw();
    } while (again);
  } catch (error) {
    toast(`could not load the workspace: ${error.message}`);
  } finally {
    loading = false;
  }
}

function settle() {
  const people = users().filter((u) => !u.is_bot);
  if (!people.some((u) => u.id === S.me) && people.length) {
    S.me = people[0].id;
    again = true;
  }
  // While a scenario plays, the page follows it (until the person clicks elsewhere),
  // including its last move to the digest DM.
  const scenario = S.data.scenario || {};
  if (scenario.running) S.watching = true;
  if (S.watching && S.follow && scenario.focus && scenario.focus !== S.focus) {
    const focus = channelById(scenario.focus);
    if (focus) {
      S.focus = scenario.focus;
      S.channel = focus.is_im ? APP : focus.id;
      S.appTab = "messages";
      S.panel = null;
      S.drawn.jump = true;
      again = true;
    }
  }
  if (!scenario.running) S.watching = false;
  const known = (S.data.channels || []).some((c) => c.id === S.channel && !c.is_im);
  if (S.channel !== APP && !known) {
    const first = (S.data.channels || []).find((c) => c.name === "incidents") || (S.data.channels || [])[0];
    if (first && first.id !== S.channel) { S.channel = first.id; again = true; }
  }
  const shown = channelById(currentId());
  if (shown) S.seen[shown.id] = shown.latest;
  localStorage.setItem("sandbox.me", S.me);
  localStorage.setItem("sandbox.channel", S.channel);
}

// ----- drawing -------------------------------------------------------------------
function draw() {
  drawPeople();
  drawNav();
  drawHeader();
  drawMain();
  drawPanel();
  drawScenario();
  renderModal($("modal-root"), S.data.modal, S.data.modal_depth, app);
}

function drawPeople() {
  const select = $("me");
  const people = users().filter((u) => !u.is_bot);
  const key = people.map((u) => u.id).join();
  if (select.dataset.key !== key) {
    select.innerHTML = people.map((u) => `<option value="${escapeHtml(u.id)}">${escapeHtml(u.real_name || u.name)} (@${escapeHtml(u.name)})</option>`).join("");
    select.dataset.key = key;
  }
  select.value = S.me;
}

function navItem(label, id, { active, unread, dim, title }) {
  const item = document.createElement("button");
  item.type = "button";
  item.className = `nav-item${active ? " active" : ""}${unread ? " unread" : ""}${dim ? " dim" : ""}`;
  item.innerHTML = label;
  item.dataset.channel = id;
  if (title) item.title = title;
  item.addEventListener("click", () => go(id));
  return item;
}

function drawNav() {
  const nav = $("nav");
  nav.innerHTML = "";
  nav.append(Object.assign(document.createElement("div"), { className: "nav-title", textContent: "Channels" }));
  for (const c of S.data.channels.filter((ch) => !ch.is_im)) {
    const unread = c.id !== S.channel && c.latest && c.latest > (S.seen[c.id] || "");
    const icon = c.is_private ? "🔒" : "#";
    nav.append(navItem(`<span class="hash">${icon}</span><span class="name">${escapeHtml(c.name)}</span>`, c.id, {
      active: c.id === S.channel, unread: unread && c.is_member, dim: !c.is_member || c.is_archived,
      title: c.is_archived ? "archived" : c.is_member ? "" : "you are not in this channel",
    }));
  }
  nav.append(Object.assign(document.createElement("div"), { className: "nav-title", textContent: "Apps" }));
  const im = dm();
  const unread = im && S.channel !== APP && im.latest > (S.seen[im.id] || "");
  nav.append(navItem(`<span class="app-dot"></span>${escapeHtml(app.botName)}`, APP, { active: S.channel === APP, unread }));
}

function drawHeader() {
  const header = $("header");
  header.innerHTML = "";
  if (S.channel === APP) {
    header.innerHTML = `<div class="title"><span class="app-dot"></span>${escapeHtml(app.botName)}</div>`;
    const tabs = document.createElement("div");
    tabs.className = "tabs";
    for (const [tab, label] of [["home", "Home"], ["messages", "Messages"]]) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = `tab${S.appTab === tab ? " active" : ""}`;
      b.textContent = label;
      b.dataset.tab = tab;
      b.addEventListener("click", () => openApp(tab));
      tabs.append(b);
    }
    header.append(tabs);
    return;
  }
  const c = channelById(S.channel);
  if (!c) return;
  const title = document.createElement("div");
  title.className = "title";
  title.innerHTML = `${c.is_private ? "🔒" : "#"} ${escapeHtml(c.name)}${c.is_archived ? ' <span class="archived">archived</span>' : ""}`;
  const topic = document.createElement("div");
  topic.className = "topic";
  topic.innerHTML = mrkdwn(c.topic || c.purpose || "", app.ctx());
  const tools = document.createElement("div");
  tools.className = "tools";
  const tool = (label, kind, hint) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = `tool${S.panel?.kind === kind ? " active" : ""}`;
    b.innerHTML = label;
    b.title = hint;
    b.dataset.panel = kind;
    b.addEventListener("click", () => { S.panel = S.panel?.kind === kind ? null : { kind }; S.follow = false; draw(); });
    return b;
  };
  tools.append(document.createTextNode(`👥 ${c.member_count}`));
  tools.append(tool(`📌 ${c.pins.length}`, "pins", "Pinned messages"));
  if (c.has_canvas) tools.append(tool("📝 Canvas", "canvas", "Open the channel canvas"));
  header.append(title, topic, tools);
}

function messageView() {
  return {
    ctx: { ...app.ctx(), onAction: (element, blockId, choice, container) => app.act(element, blockId, choice, container) },
    me: S.me,
    botId: S.data.bot.id,
    botName: app.botName,
    pinned: new Set(channelById(currentId())?.pins || []),
    shortcuts: S.data.shortcuts,
    onReact: (ts, name) => post("react", { user: S.me, channel: currentId(), ts, name }),
    onThread: (ts) => { S.panel = { kind: "thread", ts }; S.follow = false; draw(); },
    onShortcut: (ts, callbackId) => post("shortcut", { user: S.me, channel: currentId(), ts, callback_id: callbackId }),
    onDismiss: (id) => post("dismiss", { user: S.me, id }),
    actionContainer: (m) => ("sender" in m
      ? { type: "ephemeral", channel_id: currentId(), message_ts: m.ts, ephemeral_id: m.id }
      : { type: "message", channel_id: currentId(), message_ts: m.ts }),
  };
}

function drawMain() {
  const home = S.channel === APP && S.appTab === "home";
  $("messages").hidden = home;
  $("composer").hidden = home;
  $("home").hidden = !home;
  if (home) {
    const key = JSON.stringify([S.me, S.data.home?.id, S.data.home?.hash, users().length]);
    if (key !== S.drawn.home) { S.drawn.home = key; renderHome($("home"), S.data.home, app); }
    return;
  }
  S.drawn.home = "";
  const channel = S.data.channel;
  const box = $("messages");
  const key = JSON.stringify([S.me, S.channel, channel, channelById(currentId())?.pins, users().length]);
  if (key === S.drawn.messages) return;
  S.drawn.messages = key;
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  box.innerHTML = "";
  if (!channel) {
    box.append(Object.assign(document.createElement("div"), { className: "empty", textContent: "No messages yet." }));
  } else {
    const view = messageView();
    const items = [...channel.messages.map((m) => ({ m, e: false })),
      ...channel.ephemerals.filter((e) => !e.thread_ts).map((m) => ({ m, e: true }))];
    items.sort((a, b) => (a.m.ts < b.m.ts ? -1 : 1));
    if (!items.length) box.append(Object.assign(document.createElement("div"), { className: "empty", textContent: "No messages yet. Say hello, or type /incident help." }));
    for (const { m, e } of items) box.append(renderMessage(m, { ...view, ephemeral: e }));
  }
  const c = channelById(currentId());
  $("input").placeholder = S.channel === APP ? `Message ${app.botName}` : `Message #${c?.name || ""}   (try /incident declare sev2 Checkout errors)`;
  if (atBottom || S.drawn.jump) box.scrollTop = box.scrollHeight;
  S.drawn.jump = false;
}

function drawPanel() {
  const panel = $("panel");
  const channel = S.data.channel;
  if (!S.panel || !channel || S.channel === APP) { panel.hidden = true; S.drawn.panel = ""; return; }
  const key = JSON.stringify([S.me, S.panel, channel, channelById(currentId())?.pins]);
  if (key === S.drawn.panel) return;
  S.drawn.panel = key;
  panel.hidden = false;
  const body = $("panel-body");
  body.innerHTML = "";
  $("thread-composer").hidden = S.panel.kind !== "thread";
  const view = { ...messageView(), ephemeral: false };
  if (S.panel.kind === "thread") {
    $("panel-title").textContent = "Thread";
    body.append(renderThread(channel, S.panel.ts, view));
  } else if (S.panel.kind === "pins") {
    $("panel-title").textContent = "Pinned";
    body.append(renderPins(channel, channelById(channel.id)?.pins || [], view));
  } else {
    $("panel-title").textContent = "Canvas";
    body.append(renderCanvas(channel.canvas, app.ctx()));
  }
}

function drawScenario() {
  const scenario = S.data.scenario || {};
  const button = $("scenario");
  button.disabled = Boolean(scenario.running);
  button.textContent = scenario.running ? `Playing ${scenario.index || 0}/${scenario.total || 10}…` : "▶ Scenario";
  const banner = $("banner");
  let text = "";
  if (!S.data.app_ready) text = `⏳ ${app.botName} is starting… (requests wait until it answers)`;
  else if (scenario.error) text = `⚠️ The scenario stopped: ${scenario.error}`;
  else if (scenario.step) text = `${scenario.running ? "▶" : "✅"} ${scenario.step}`;
  banner.hidden = !text;
  banner.textContent = text;
  banner.className = scenario.error ? "warn" : "";
}

// ----- navigation and typing ------------------------------------------------------
function go(id) {
  S.follow = false;
  S.panel = null;
  S.drawn.jump = true;
  if (id === APP) { openApp("home"); return; }
  S.channel = id;
  refresh();
}

async function openApp(tab) {
  S.channel = APP;
  S.appTab = tab;
  S.drawn.jump = true;
  await post("home", { user: S.me, tab });
  refresh();
}

async function send(text, threadTs) {
  const channel = currentId();
  if (!text.trim() || !channel) return false;
  const answer = await post("message", { user: S.me, channel, text, thread_ts: threadTs || undefined });
  S.drawn.jump = true;
  return answer.ok;
}

function wireComposer(form, input, threadTs) {
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value;
    input.value = "";
    if (!(await send(text, threadTs()))) input.value = text;
  });
}

function boot() {
  wireComposer($("composer"), $("input"), () => "");
  wireComposer($("thread-composer"), $("thread-input"), () => S.panel?.ts);
  $("me").addEventListener("change", (event) => {
    S.me = event.target.value;
    forgetModal();
    S.drawn = { messages: "", panel: "", home: "", nav: "" };
    if (S.channel === APP) openApp(S.appTab); else refresh();
  });
  $("scenario").addEventListener("click", async () => {
    S.follow = true;
    S.focus = "";
    await post("scenario", { user: S.me });
    refresh();
  });
  $("panel-close").addEventListener("click", () => { S.panel = null; draw(); });
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.mention.channel");
    if (link) { event.preventDefault(); go(link.dataset.channel); }
  });
  const stream = new EventSource("/sandbox/api/stream");
  stream.onopen = () => { $("live").className = "live on"; $("live").title = "live"; };
  stream.onerror = () => { $("live").className = "live off"; $("live").title = "reconnecting…"; };
  stream.onmessage = () => refresh();
  refresh();
}

boot();
