// Slack's mrkdwn and a canvas's Markdown, turned into safe HTML.
// Everything the app wrote is escaped first; only the markup we build is HTML.

export const EMOJI = {
  "+1": "👍", "-1": "👎", thumbsup: "👍", thumbsdown: "👎", alarm_clock: "⏰", ambulance: "🚑",
  arrow_down: "⬇️", arrow_left: "⬅️", arrow_right: "➡️", arrow_up: "⬆️", arrows_counterclockwise: "🔄",
  bar_chart: "📊", battery: "🔋", bell: "🔔", black_circle: "⚫", bookmark: "🔖", books: "📚",
  bug: "🐛", bulb: "💡", bust_in_silhouette: "👤", busts_in_silhouette: "👥", calendar: "📆",
  card_index_dividers: "🗂️", chart_with_downwards_trend: "📉", chart_with_upwards_trend: "📈",
  checkered_flag: "🏁", clap: "👏", clipboard: "📋", construction: "🚧", date: "📅", dart: "🎯",
  eyes: "👀", exclamation: "❗", fire: "🔥", gear: "⚙️", hammer_and_wrench: "🛠️", heart: "❤️",
  heavy_check_mark: "✔️", hourglass: "⌛", hourglass_flowing_sand: "⏳", information_source: "ℹ️",
  key: "🔑", label: "🏷️", large_blue_circle: "🔵", large_green_circle: "🟢",
  large_orange_circle: "🟠", large_yellow_circle: "🟡", link: "🔗", lock: "🔒", mag: "🔍",
  mag_right: "🔎", mega: "📣", memo: "📝", muscle: "💪", no_entry: "⛔", ok_hand: "👌",
  package: "📦", page_facing_up: "📄", pencil: "📝", pencil2: "✏️", point_down: "👇",
  point_right: "👉", pray: "🙏", pushpin: "📌", question: "❓", recycle: "♻️", red_circle: "🔴",
  repeat: "🔁", robot_face: "🤖", rocket: "🚀", rotating_light: "🚨", round_pushpin: "📍",
  scroll: "📜", shield: "🛡️", slightly_smiling_face: "🙂", smile: "😄", sos: "🆘", sparkles: "✨",
  speech_balloon: "💬", spiral_calendar_pad: "🗓️", spiral_note_pad: "🗒️", star: "⭐",
  stopwatch: "⏱️", tada: "🎉", thinking_face: "🤔", ticket: "🎫", triangular_flag_on_post: "🚩",
  wastebasket: "🗑️", warning: "⚠️", wave: "👋", white_check_mark: "✅", white_circle: "⚪",
  wrench: "🔧", x: "❌", zap: "⚡", zzz: "💤", raising_hand: "🙋", handshake: "🤝",
  hospital: "🏥", moneybag: "💰", telephone_receiver: "📞", inbox_tray: "📥", outbox_tray: "📤",
};

export function emoji(name) {
  const base = String(name).split("::")[0];
  return EMOJI[base] || (base.startsWith("skin-tone") ? "" : `:${base}:`);
}

export function escapeHtml(text) {
  return String(text ?? "")
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

function unescapeSlack(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function safeUrl(url) {
  return /^(https?:|mailto:|\/)/i.test(url) ? url : "#";
}

// Placeholders keep finished HTML away from later passes.
class Stash {
  constructor() { this.parts = []; }
  put(html) { this.parts.push(html); return `\u0000${this.parts.length - 1}\u0000`; }
  restore(text) { return text.replace(/\u0000(\d+)\u0000/g, (_, i) => this.parts[Number(i)]); }
}

export function mention(kind, id, label, ctx) {
  if (kind === "user") {
    const user = ctx.userById?.(id);
    const name = user ? (user.display_name || user.name) : (label || id);
    const mine = ctx.me === id ? " me" : "";
    return `<span class="mention user${mine}" data-user="${escapeHtml(id)}">@${escapeHtml(name)}</span>`;
  }
  const channel = ctx.channelById?.(id);
  const name = channel ? channel.name : (label || id);
  return `<a class="mention channel" href="#" data-channel="${escapeHtml(id)}">#${escapeHtml(name)}</a>`;
}

function angle(token, ctx) {
  // token is the inside of <...>, still Slack-escaped
  const [target, label] = token.split("|", 2).map(unescapeSlack);
  if (target.startsWith("@U") || target.startsWith("@W")) return mention("user", target.slice(1), label, ctx);
  if (target.startsWith("#C") || target.startsWith("#G") || target.startsWith("#D")) {
    return mention("channel", target.slice(1), label, ctx);
  }
  if (target.startsWith("!subteam^")) return `<span class="mention">@${escapeHtml(label || "team")}</span>`;
  if (target.startsWith("!date^")) return escapeHtml(label || target);
  if (target.startsWith("!")) return `<span class="mention">@${escapeHtml(target.slice(1))}</span>`;
  const shown = label || target.replace(/^mailto:/, "");
  return `<a href="${escapeHtml(safeUrl(target))}" target="_blank" rel="noopener">${escapeHtml(shown)}</a>`;
}

function inline(text, stash) {
  // text is HTML-escaped already
  return text
    .replace(/(^|[\s(>"'])\*(?=\S)([^*\n]*?\S)\*(?=$|[\s.,;:!?)<"'])/g, "$1<b>$2</b>")
    .replace(/(^|[\s(>"'])_(?=\S)([^_\n]*?\S)_(?=$|[\s.,;:!?)<"'])/g, "$1<i>$2</i>")
    .replace(/(^|[\s(>"'])~(?=\S)([^~\n]*?\S)~(?=$|[\s.,;:!?)<"'])/g, "$1<s>$2</s>")
    .replace(/:([a-z0-9_+\-]+(?:::[a-z0-9_\-]+)?):/g, (whole, name) => {
      const found = emoji(name);
      return found.startsWith(":") ? whole : stash.put(`<span class="emoji" title=":${name}:">${found}</span>`);
    });
}

// Slack mrkdwn (what bots post in "text" and mrkdwn text objects).
export function mrkdwn(source, ctx = {}) {
  const stash = new Stash();
  let text = String(source ?? "");
  text = text.replace(/```([\s\S]*?)```/g, (_, code) => stash.put(`<pre>${escapeHtml(unescapeSlack(code.replace(/^\n/, "")))}</pre>`));
  text = text.replace(/`([^`\n]+)`/g, (_, code) => stash.put(`<code>${escapeHtml(unescapeSlack(code))}</code>`));
  text = text.replace(/<([^<>\n]+)>/g, (_, token) => stash.put(angle(token, ctx)));
  text = escapeHtml(unescapeSlack(text));
  const lines = text.split("\n");
  const out = [];
  let quote = [];
  const flush = () => { if (quote.length) { out.push(`<blockquote>${quote.join("<br>")}</blockquote>`); quote = []; } };
  for (const line of lines) {
    const quoted = line.match(/^&gt;\s?(.*)$/);
    if (quoted) { quote.push(inline(quoted[1], stash)); continue; }
    flush();
    out.push(inline(line, stash));
  }
  flush();
  return stash.restore(out.join("<br>").replace(/<br>(<blockquote>)/g, "$1").replace(/(<\/blockquote>)<br>/g, "$1"));
}

export function plainText(obj) {
  if (!obj) return "";
  const text = escapeHtml(obj.text ?? obj);
  return obj.emoji === false ? text : text.replace(/:([a-z0-9_+\-]+):/g, (whole, name) => {
    const found = emoji(name);
    return found.startsWith(":") ? whole : found;
  });
}

export function textObject(obj, ctx) {
  if (!obj) return "";
  return obj.type === "mrkdwn" ? mrkdwn(obj.text, ctx) : plainText(obj);
}

// ---- canvases: standard Markdown, the subset a postmortem uses --------------------
function mdInline(text, ctx, stash) {
  let out = text.replace(/`([^`]+)`/g, (_, code) => stash.put(`<code>${escapeHtml(code)}</code>`));
  out = out.replace(/<(@[UW][A-Z0-9]+|#[CG][A-Z0-9]+)(?:\|([^>]*))?>/g, (_, target, label) =>
    stash.put(mention(target[0] === "@" ? "user" : "channel", target.slice(1), label, ctx)));
  out = out.replace(/!\[([^\]]*)\]\((@[UW][A-Z0-9]+|#[CG][A-Z0-9]+)\)/g, (_, label, target) =>
    stash.put(mention(target[0] === "@" ? "user" : "channel", target.slice(1), label, ctx)));
  out = out.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, label, url) =>
    stash.put(`<a href="${escapeHtml(safeUrl(url))}" target="_blank" rel="noopener">${escapeHtml(label)}</a>`));
  out = escapeHtml(out);
  out = out.replace(/\*\*([^*]+)\*\*/g, "<b>$1</b>").replace(/__([^_]+)__/g, "<b>$1</b>");
  out = out.replace(/(^|[\s(])\*([^*\s][^*]*?)\*(?=$|[\s.,;:!?)])/g, "$1<i>$2</i>");
  out = out.replace(/(^|[\s(])_([^_\s][^_]*?)_(?=$|[\s.,;:!?)])/g, "$1<i>$2</i>");
  out = out.replace(/~~([^~]+)~~/g, "<s>$1</s>");
  out = out.replace(/:([a-z0-9_+\-]+):/g, (whole, name) => (emoji(name).startsWith(":") ? whole : emoji(name)));
  return out;
}

export function markdown(source, ctx = {}) {
  const stash = new Stash();
  const lines = String(source ?? "").replace(/\r/g, "").split("\n");
  const html = [];
  let i = 0;
  const para = [];
  const flushPara = () => { if (para.length) { html.push(`<p>${para.map((l) => mdInline(l, ctx, stash)).join("<br>")}</p>`); para.length = 0; } };
  while (i < lines.length) {
    const line = lines[i];
    if (/^```/.test(line)) {
      flushPara();
      const code = [];
      for (i += 1; i < lines.length && !/^```/.test(lines[i]); i += 1) code.push(lines[i]);
      html.push(`<pre>${escapeHtml(code.join("\n"))}</pre>`);
      i += 1; continue;
    }
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    if (heading) { flushPara(); const n = Math.min(heading[1].length, 4); html.push(`<h${n}>${mdInline(heading[2], ctx, stash)}</h${n}>`); i += 1; continue; }
    if (/^\s*(-{3,}|\*{3,})\s*$/.test(line)) { flushPara(); html.push("<hr>"); i += 1; continue; }
    if (/^\s*\|.*\|\s*$/.test(line)) {
      flushPara();
      const rows = [];
      for (; i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i]); i += 1) rows.push(lines[i]);
      const cells = (row) => row.trim().slice(1, -1).split("|").map((c) => c.trim());
      const body = rows.filter((r) => !/^\s*\|[\s:|-]+\|\s*$/.test(r));
      const [head, ...rest] = body;
      html.push(`<table><thead><tr>${cells(head).map((c) => `<th>${mdInline(c, ctx, stash)}</th>`).join("")}</tr></thead><tbody>${
        rest.map((r) => `<tr>${cells(r).map((c) => `<td>${mdInline(c, ctx, stash)}</td>`).join("")}</tr>`).join("")}</tbody></table>`);
      continue;
    }
    if (/^\s*([-*+]|\d+[.)])\s+/.test(line)) {
      flushPara();
      const ordered = /^\s*\d/.test(line);
      const items = [];
      for (; i < lines.length && /^\s*([-*+]|\d+[.)])\s+/.test(lines[i]); i += 1) {
        let item = lines[i].replace(/^\s*([-*+]|\d+[.)])\s+/, "");
        const box = item.match(/^\[([ xX])\]\s+(.*)$/);
        const indent = (lines[i].match(/^\s*/)[0].length >= 2) ? ' class="nested"' : "";
        if (box) item = `<input type="checkbox" disabled${box[1] !== " " ? " checked" : ""}> ${mdInline(box[2], ctx, stash)}`;
        else item = mdInline(item, ctx, stash);
        items.push(`<li${indent}>${item}</li>`);
      }
      html.push(ordered ? `<ol>${items.join("")}</ol>` : `<ul>${items.join("")}</ul>`);
      continue;
    }
    if (/^>\s?/.test(line)) {
      flushPara();
      const quoted = [];
      for (; i < lines.length && /^>\s?/.test(lines[i]); i += 1) quoted.push(mdInline(lines[i].replace(/^>\s?/, ""), ctx, stash));
      html.push(`<blockquote>${quoted.join("<br>")}</blockquote>`);
      continue;
    }
    if (!line.trim()) { flushPara(); i += 1; continue; }
    para.push(line);
    i += 1;
  }
  flushPara();
  return stash.restore(html.join("\n"));
}
