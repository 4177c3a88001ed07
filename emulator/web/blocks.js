// Block Kit, drawn as Slack draws it: layout blocks, interactive elements, inputs and rich text.
// ctx: { me, userById, channelById, people, conversations, onAction(element, blockId, choice) }

import { emoji, escapeHtml, mention, plainText, textObject } from "./mrkdwn.js";

let uniq = 0;

function node(tag, className, html) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (html !== undefined) el.innerHTML = html;
  return el;
}

function optionText(option) {
  return option?.text ? plainText(option.text) : escapeHtml(option?.value ?? "");
}

function optionChoices(element, ctx) {
  const kind = element.type.replace(/^multi_/, "");
  if (kind === "users_select") {
    return ctx.people.map((u) => ({ value: u.id, text: { type: "plain_text", text: u.real_name || u.name } }));
  }
  if (kind === "conversations_select" || kind === "channels_select") {
    return ctx.conversations.map((c) => ({ value: c.id, text: { type: "plain_text", text: `#${c.name}` } }));
  }
  if (element.option_groups) return element.option_groups.flatMap((g) => g.options || []);
  return element.options || [];
}

const SELECTED_KEY = {
  users_select: ["selected_user", "initial_user"],
  conversations_select: ["selected_conversation", "initial_conversation"],
  channels_select: ["selected_channel", "initial_channel"],
  multi_users_select: ["selected_users", "initial_users"],
  multi_conversations_select: ["selected_conversations", "initial_conversations"],
  multi_channels_select: ["selected_channels", "initial_channels"],
};

// What an element holds now, in Slack's state.values shape (also the choice of a block action).
export function readValue(el) {
  const element = el._element;
  const type = element.type;
  const value = { type };
  if (["plain_text_input", "number_input", "email_text_input", "url_text_input"].includes(type)) {
    value.value = el.value === "" ? null : el.value;
  } else if (type === "datepicker") {
    value.selected_date = el.value || null;
  } else if (type === "timepicker") {
    value.selected_time = el.value || null;
  } else if (type === "checkboxes") {
    value.selected_options = [...el.querySelectorAll("input:checked")].map((box) => box._option);
  } else if (type === "radio_buttons") {
    const chosen = el.querySelector("input:checked");
    value.selected_option = chosen ? chosen._option : null;
  } else if (SELECTED_KEY[type]) {
    const [key] = SELECTED_KEY[type];
    const picked = [...el.selectedOptions].map((o) => o.value).filter(Boolean);
    value[key] = type.startsWith("multi_") ? picked : (picked[0] || null);
  } else if (type.startsWith("multi_")) {
    value.selected_options = [...el.selectedOptions].filter((o) => o.value).map((o) => o._option);
  } else if (type.endsWith("select") || type === "overflow") {
    const picked = el.selectedOptions[0];
    value.selected_option = picked && picked.value ? picked._option : null;
  }
  return value;
}

// Every input's value under a root, as view.state.values.
export function collectState(root) {
  const values = {};
  for (const el of root.querySelectorAll("[data-kind]")) {
    const block = el.closest("[data-block-id]");
    if (!block || !el._element.action_id) continue;
    const blockId = block.dataset.blockId;
    values[blockId] = values[blockId] || {};
    values[blockId][el._element.action_id] = readValue(el);
  }
  return values;
}

function act(ctx, element, blockId, choice) {
  const confirm = element.confirm;
  if (confirm) {
    const question = [confirm.title?.text, confirm.text?.text].filter(Boolean).join("\n\n");
    if (!window.confirm(question || "Are you sure?")) return;
  }
  ctx.onAction?.(element, blockId, choice);
}

function selectElement(element, blockId, ctx, inInput) {
  const multi = element.type.startsWith("multi_") || element.type === "multi_static_select";
  const select = node("select", "bk-select");
  select.multiple = multi;
  if (!multi) {
    const placeholder = node("option", "", element.type === "overflow" ? "⋯" : (plainText(element.placeholder) || "Select an item"));
    placeholder.value = "";
    select.append(placeholder);
  }
  const initial = new Set();
  const [, initialKey] = SELECTED_KEY[element.type] || [];
  if (initialKey && element[initialKey]) [].concat(element[initialKey]).forEach((v) => initial.add(v));
  if (element.initial_option) initial.add(element.initial_option.value);
  (element.initial_options || []).forEach((o) => initial.add(o.value));
  const addOption = (parent, option) => {
    const opt = node("option", "", optionText(option));
    opt.value = option.value;
    opt._option = { text: option.text, value: option.value };
    opt.selected = initial.has(option.value);
    parent.append(opt);
  };
  if (element.option_groups && !element.type.includes("users") && !element.type.includes("conversations")) {
    for (const group of element.option_groups) {
      const og = document.createElement("optgroup");
      og.label = group.label?.text || "";
      (group.options || []).forEach((o) => addOption(og, o));
      select.append(og);
    }
  } else {
    optionChoices(element, ctx).forEach((o) => addOption(select, o));
  }
  if (multi) select.size = Math.min(Math.max(select.options.length, 2), 5);
  if (element.type === "overflow") select.classList.add("bk-overflow");
  if (!inInput) {
    select.addEventListener("change", () => {
      const choice = readValue(select);
      delete choice.type;
      act(ctx, element, blockId, choice);
      if (element.type === "overflow") select.value = "";
    });
  }
  return select;
}

function choiceList(element, blockId, ctx, inInput) {
  const list = node("div", "bk-choices");
  const radio = element.type === "radio_buttons";
  const name = `r${(uniq += 1)}`;
  const initial = new Set([element.initial_option?.value, ...(element.initial_options || []).map((o) => o.value)]);
  for (const option of element.options || []) {
    const label = node("label", "bk-choice");
    const box = document.createElement("input");
    box.type = radio ? "radio" : "checkbox";
    box.name = name;
    box.checked = initial.has(option.value);
    box._option = { text: option.text, value: option.value };
    if (option.description) box._option.description = option.description;
    label.append(box, node("span", "", textObject(option.text, ctx)));
    if (option.description) label.append(node("div", "bk-hint", textObject(option.description, ctx)));
    list.append(label);
  }
  if (!inInput) {
    list.addEventListener("change", () => {
      const choice = readValue(list);
      delete choice.type;
      act(ctx, element, blockId, choice);
    });
  }
  return list;
}

export function renderElement(element, blockId, ctx, inInput = false) {
  let el;
  const type = element.type;
  if (type === "button") {
    el = node("button", `bk-button ${element.style || ""}`, plainText(element.text));
    el.type = "button";
    el.addEventListener("click", () => {
      if (element.url) window.open(element.url, "_blank", "noopener");
      act(ctx, element, blockId, {});
    });
    el.dataset.actionId = element.action_id || "";
    return el;
  }
  if (type === "image") {
    el = node("img", "bk-thumb");
    el.src = element.image_url || "";
    el.alt = element.alt_text || "";
    el.onerror = () => el.replaceWith(node("span", "bk-alt", escapeHtml(element.alt_text || "image")));
    return el;
  }
  if (type === "plain_text_input" || type === "number_input" || type === "email_text_input" || type === "url_text_input") {
    el = element.multiline ? node("textarea", "bk-text") : node("input", "bk-text");
    if (!element.multiline) el.type = { number_input: "number", email_text_input: "email", url_text_input: "url" }[type] || "text";
    if (element.initial_value !== undefined) el.value = element.initial_value;
    if (element.placeholder) el.placeholder = element.placeholder.text;
    if (element.max_length) el.maxLength = element.max_length;
    if (type === "number_input" && !element.is_decimal_allowed) el.step = "1";
  } else if (type === "datepicker" || type === "timepicker") {
    el = node("input", "bk-text bk-date");
    el.type = type === "datepicker" ? "date" : "time";
    el.value = element.initial_date || element.initial_time || "";
    if (!inInput) el.addEventListener("change", () => act(ctx, element, blockId, type === "datepicker" ? { selected_date: el.value } : { selected_time: el.value }));
  } else if (type === "checkboxes" || type === "radio_buttons") {
    el = choiceList(element, blockId, ctx, inInput);
  } else if (type.endsWith("select") || type === "overflow") {
    el = selectElement(element, blockId, ctx, inInput);
  } else {
    return node("span", "bk-unsupported", `[${escapeHtml(type)}]`);
  }
  el.dataset.kind = type;
  el._element = element;
  return el;
}

function richInline(elements, ctx) {
  return (elements || []).map((e) => {
    const style = e.style || {};
    let html;
    if (e.type === "text") html = escapeHtml(e.text).replace(/\n/g, "<br>");
    else if (e.type === "link") html = `<a href="${escapeHtml(e.url)}" target="_blank" rel="noopener">${escapeHtml(e.text || e.url)}</a>`;
    else if (e.type === "user") html = mention("user", e.user_id, "", ctx);
    else if (e.type === "channel") html = mention("channel", e.channel_id, "", ctx);
    else if (e.type === "emoji") html = e.unicode ? String.fromCodePoint(...e.unicode.split("-").map((h) => parseInt(h, 16))) : emoji(e.name);
    else if (e.type === "broadcast") html = `<span class="mention">@${escapeHtml(e.range)}</span>`;
    else if (e.type === "usergroup") html = `<span class="mention">@group</span>`;
    else if (e.type === "date") html = escapeHtml(e.fallback || new Date(e.timestamp * 1000).toLocaleString());
    else html = "";
    if (style.code) html = `<code>${html}</code>`;
    if (style.bold) html = `<b>${html}</b>`;
    if (style.italic) html = `<i>${html}</i>`;
    if (style.strike) html = `<s>${html}</s>`;
    return html;
  }).join("");
}

function richText(block, ctx) {
  const out = node("div", "bk-rich");
  for (const part of block.elements || []) {
    if (part.type === "rich_text_section") out.append(node("div", "", richInline(part.elements, ctx)));
    else if (part.type === "rich_text_preformatted") out.append(node("pre", "", richInline(part.elements, ctx)));
    else if (part.type === "rich_text_quote") out.append(node("blockquote", "", richInline(part.elements, ctx)));
    else if (part.type === "rich_text_list") {
      const list = node(part.style === "ordered" ? "ol" : "ul", `indent-${part.indent || 0}`);
      (part.elements || []).forEach((item) => list.append(node("li", "", richInline(item.elements, ctx))));
      out.append(list);
    }
  }
  return out;
}

function renderBlock(block, ctx) {
  const blockId = block.block_id || `b${(uniq += 1)}`;
  const wrap = node("div", `bk bk-${block.type}`);
  wrap.dataset.blockId = blockId;
  switch (block.type) {
    case "header":
      wrap.append(node("h3", "", plainText(block.text)));
      break;
    case "divider":
      wrap.append(node("hr"));
      break;
    case "section": {
      const body = node("div", "bk-section-body");
      if (block.text) body.append(node("div", "bk-text-body", textObject(block.text, ctx)));
      if (block.fields?.length) {
        const grid = node("div", "bk-fields");
        block.fields.forEach((f) => grid.append(node("div", "bk-field", textObject(f, ctx))));
        body.append(grid);
      }
      wrap.append(body);
      if (block.accessory) {
        const side = node("div", "bk-accessory");
        side.append(renderElement(block.accessory, blockId, ctx));
        wrap.append(side);
      }
      break;
    }
    case "context":
      for (const el of block.elements || []) {
        wrap.append(el.type === "image" ? renderElement(el, blockId, ctx) : node("span", "", textObject(el, ctx)));
      }
      break;
    case "actions":
      (block.elements || []).forEach((el) => wrap.append(renderElement(el, blockId, ctx)));
      break;
    case "image": {
      if (block.title) wrap.append(node("div", "bk-image-title", plainText(block.title)));
      const img = node("img", "bk-image");
      img.src = block.image_url || block.slack_file?.url || "";
      img.alt = block.alt_text || "";
      img.onerror = () => img.replaceWith(node("div", "bk-alt", `🖼️ ${escapeHtml(block.alt_text || "image")}`));
      wrap.append(img);
      break;
    }
    case "input": {
      const label = node("label", "bk-label", plainText(block.label));
      if (block.optional) label.append(node("span", "bk-optional", " (optional)"));
      wrap.append(label, renderElement(block.element, blockId, ctx, !block.dispatch_action));
      if (block.hint) wrap.append(node("div", "bk-hint", plainText(block.hint)));
      wrap.append(node("div", "bk-error"));
      break;
    }
    case "rich_text":
      wrap.append(richText(block, ctx));
      break;
    case "file":
      wrap.append(node("div", "bk-alt", "📄 A file"));
      break;
    default:
      wrap.append(node("div", "bk-unsupported", `[${escapeHtml(block.type)} block]`));
  }
  return wrap;
}

export function renderBlocks(blocks, ctx) {
  const root = node("div", "blocks");
  (blocks || []).forEach((block) => root.append(renderBlock(block, ctx)));
  return root;
}

// Legacy attachments: a coloured bar with text, fields or blocks.
export function renderAttachments(attachments, ctx) {
  const root = node("div", "attachments");
  for (const a of attachments || []) {
    const box = node("div", "attachment");
    if (a.color) box.style.borderLeftColor = a.color.startsWith("#") ? a.color : `#${a.color}`;
    if (a.pretext) box.append(node("div", "", textObject({ type: "mrkdwn", text: a.pretext }, ctx)));
    if (a.title) box.append(node("b", "", escapeHtml(a.title)));
    if (a.text) box.append(node("div", "", textObject({ type: "mrkdwn", text: a.text }, ctx)));
    if (a.blocks) box.append(renderBlocks(a.blocks, ctx));
    root.append(box);
  }
  return root;
}
