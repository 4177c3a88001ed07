// Messages as Slack's client shows them: author, blocks or text, files, reactions, threads;
// plus the side panels that hang off a channel: a thread, its pins, its canvas.

import { colourOf, timeOf } from "./api.js";
import { renderAttachments, renderBlocks } from "./blocks.js";
import { emoji, escapeHtml, markdown, mrkdwn } from "./mrkdwn.js";

export const PICKER = ["pushpin", "bulb", "warning", "white_check_mark", "mag", "dart", "eyes", "+1", "tada", "heart"];

function node(tag, className, html) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (html !== undefined) el.innerHTML = html;
  return el;
}

function author(message, view) {
  if (message.bot_id || message.user === view.botId) {
    const name = message.username || message.bot_profile?.name || "Sitrep";
    return { name: name.charAt(0).toUpperCase() + name.slice(1), bot: true, id: message.user || message.bot_id };
  }
  const user = view.ctx.userById(message.user);
  return { name: user ? user.real_name || user.name : message.user || "Slackbot", bot: false, id: message.user };
}

function avatar(who) {
  const el = node("div", `avatar${who.bot ? " bot" : ""}`, escapeHtml(who.name.charAt(0)));
  if (!who.bot) el.style.background = colourOf(who.id);
  return el;
}

function files(message) {
  const box = node("div", "files");
  for (const file of message.files || []) {
    const card = node("div", "file");
    card.innerHTML = `<span class="file-icon">📄</span><span class="file-name">${escapeHtml(file.title || file.name)}</span>`;
    const get = node("a", "file-link", "Download");
    get.href = `/sandbox/api/files/${encodeURIComponent(file.id)}`;
    get.setAttribute("download", file.name);
    const open = node("a", "file-link", "Open");
    open.href = `/sandbox/api/files/${encodeURIComponent(file.id)}?view=1`;
    open.target = "_blank";
    card.append(open, get);
    box.append(card);
    if (String(file.mimetype || "").startsWith("image/")) {
      const image = node("img", "file-preview");
      image.src = open.href;
      image.alt = file.title || file.name;
      box.append(image);
    }
  }
  return box;
}

function reactions(message, view) {
  const row = node("div", "reactions");
  for (const r of message.reactions || []) {
    const mine = (r.users || []).includes(view.me);
    const chip = node("button", `reaction${mine ? " mine" : ""}`, `${emoji(r.name)} <span>${r.count}</span>`);
    chip.type = "button";
    chip.title = `:${r.name}: by ${(r.users || []).map((u) => view.ctx.userById(u)?.name || u).join(", ")}`;
    chip.dataset.reaction = r.name;
    chip.addEventListener("click", () => view.onReact(message.ts, r.name));
    row.append(chip);
  }
  return row;
}

function hoverBar(message, view) {
  const bar = node("div", "hover-bar");
  const react = node("button", "hover-button", "😀<sup>+</sup>");
  react.type = "button";
  react.title = "Add reaction";
  react.dataset.role = "add-reaction";
  react.addEventListener("click", (event) => {
    event.stopPropagation();
    openPicker(react, (name) => view.onReact(message.ts, name));
  });
  bar.append(react);
  if (!view.inThread) {
    const reply = node("button", "hover-button", "💬");
    reply.type = "button";
    reply.title = "Reply in thread";
    reply.addEventListener("click", () => view.onThread(message.ts));
    bar.append(reply);
  }
  const shortcuts = Object.entries(view.shortcuts || {});
  if (shortcuts.length) {
    const more = node("button", "hover-button", "⋮");
    more.type = "button";
    more.title = "More actions";
    more.addEventListener("click", (event) => {
      event.stopPropagation();
      openMenu(more, shortcuts.map(([id, name]) => [name, () => view.onShortcut(message.ts, id)]));
    });
    bar.append(more);
  }
  return bar;
}

function closePopups() {
  document.querySelectorAll(".popup").forEach((p) => p.remove());
}
document.addEventListener("click", closePopups);

function place(popup, anchor) {
  const box = anchor.getBoundingClientRect();
  popup.style.top = `${Math.max(8, box.top - 4)}px`;
  popup.style.left = `${Math.max(8, box.left - 260)}px`;
  document.body.append(popup);
}

function openPicker(anchor, choose) {
  closePopups();
  const popup = node("div", "popup picker");
  for (const name of PICKER) {
    const b = node("button", "", emoji(name));
    b.type = "button";
    b.title = `:${name}:`;
    b.dataset.emoji = name;
    b.addEventListener("click", () => { closePopups(); choose(name); });
    popup.append(b);
  }
  place(popup, anchor);
}

function openMenu(anchor, items) {
  closePopups();
  const popup = node("div", "popup menu");
  for (const [label, run] of items) {
    const b = node("button", "", escapeHtml(label));
    b.type = "button";
    b.addEventListener("click", () => { closePopups(); run(); });
    popup.append(b);
  }
  place(popup, anchor);
}

// One message. view: { ctx, me, botId, pinned, shortcuts, onReact, onThread, onShortcut,
// onDismiss, inThread, ephemeral, actionContainer(message) }
export function renderMessage(message, view) {
  if (message.subtype === "channel_join" || message.subtype === "channel_leave") {
    return node("div", "system-line", mrkdwn(message.text, view.ctx));
  }
  let who = author(message, view);
  if (view.ephemeral) {
    who = message.sender === "USLACKBOT"
      ? { name: "Slackbot", bot: true, id: "USLACKBOT" }
      : { name: view.botName || "Sitrep", bot: true, id: message.sender };
  }
  const item = node("div", `message${view.ephemeral ? " ephemeral" : ""}`);
  item.dataset.ts = message.ts;
  if (view.pinned?.has(message.ts)) {
    item.classList.add("pinned");
    item.append(node("div", "pin-label", "📌 Pinned"));
  }
  const row = node("div", "message-row");
  const body = node("div", "message-body");
  const head = node("div", "message-head");
  head.innerHTML = `<b class="author">${escapeHtml(who.name)}</b>${who.bot ? '<span class="app-badge">APP</span>' : ""}`
    + `<span class="time">${timeOf(message.ts)}</span>${message.edited ? '<span class="edited">(edited)</span>' : ""}`;
  body.append(head);
  const ctx = { ...view.ctx, onAction: (element, blockId, choice) => view.ctx.onAction(element, blockId, choice, view.actionContainer(message)) };
  const fromPerson = !message.bot_id && !view.ephemeral && message.user !== view.botId;
  if (message.blocks?.length && !fromPerson) body.append(renderBlocks(message.blocks, ctx));
  else if (message.text) body.append(node("div", "text", mrkdwn(message.text, ctx)));
  if (message.attachments?.length) body.append(renderAttachments(message.attachments, ctx));
  if (message.files?.length) body.append(files(message));
  if (message.reactions?.length) body.append(reactions(message, view));
  if (!view.inThread && message.reply_count) {
    const link = node("button", "thread-link", `${message.reply_count} ${message.reply_count === 1 ? "reply" : "replies"}`);
    link.type = "button";
    link.addEventListener("click", () => view.onThread(message.ts));
    body.append(link);
  }
  if (view.ephemeral) {
    const foot = node("div", "ephemeral-foot", "👁 Only visible to you · ");
    const dismiss = node("button", "link-button", "Dismiss");
    dismiss.type = "button";
    dismiss.addEventListener("click", () => view.onDismiss(message.id));
    foot.append(dismiss);
    body.append(foot);
  }
  row.append(avatar(who), body);
  item.append(row);
  if (!view.ephemeral && message.subtype !== "tombstone") item.append(hoverBar(message, view));
  return item;
}

export function renderThread(channel, ts, view) {
  const box = node("div", "thread");
  const parent = channel.messages.find((m) => m.ts === ts);
  if (!parent) return node("div", "empty", "This thread is gone.");
  const threadView = { ...view, inThread: true };
  box.append(renderMessage(parent, threadView));
  const replies = channel.replies[ts] || [];
  box.append(node("div", "thread-count", `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`));
  replies.forEach((m) => box.append(renderMessage(m, threadView)));
  (channel.ephemerals || []).filter((e) => e.thread_ts === ts).forEach((e) =>
    box.append(renderMessage(e, { ...threadView, ephemeral: true })));
  return box;
}

export function renderPins(channel, pins, view) {
  const box = node("div", "pins");
  const found = pins.map((ts) => channel.messages.find((m) => m.ts === ts)
    || Object.values(channel.replies).flat().find((m) => m.ts === ts)).filter(Boolean);
  if (!found.length) box.append(node("div", "empty", "Nothing is pinned here yet."));
  found.forEach((m) => box.append(renderMessage(m, { ...view, inThread: true })));
  return box;
}

export function renderCanvas(canvas, ctx) {
  const box = node("div", "canvas");
  if (!canvas) return node("div", "empty", "This channel has no canvas.");
  box.append(node("div", "canvas-title", escapeHtml(canvas.title || "Canvas")));
  box.append(node("article", "canvas-body", markdown(canvas.markdown, ctx)));
  return box;
}
