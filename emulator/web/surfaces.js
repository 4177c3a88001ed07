// Views: the modal on top of a person's stack, and their App Home tab.

import { post } from "./api.js";
import { collectState, renderBlocks } from "./blocks.js";
import { escapeHtml, plainText } from "./mrkdwn.js";

let shownModal = "";

function node(tag, className, html) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (html !== undefined) el.innerHTML = html;
  return el;
}

function showErrors(dialog, errors) {
  dialog.querySelectorAll(".bk-error").forEach((e) => { e.textContent = ""; });
  dialog.querySelectorAll(".has-error").forEach((e) => e.classList.remove("has-error"));
  for (const [blockId, message] of Object.entries(errors || {})) {
    const block = dialog.querySelector(`[data-block-id="${CSS.escape(blockId)}"]`);
    if (!block) continue;
    block.classList.add("has-error");
    const slot = block.querySelector(".bk-error");
    if (slot) slot.textContent = message;
  }
}

// Draws the modal again only when the view itself changed, so typing is never lost.
export function renderModal(root, modal, depth, app) {
  const key = modal ? `${app.me}:${modal.id}:${modal.hash}` : "";
  if (key === shownModal) return;
  shownModal = key;
  root.innerHTML = "";
  if (!modal) return;
  const overlay = node("div", "overlay");
  const dialog = node("div", "modal");
  dialog.dataset.viewId = modal.id;
  dialog.dataset.callbackId = modal.callback_id || "";
  const head = node("div", "modal-head");
  head.append(node("h2", "", plainText(modal.title)));
  const x = node("button", "modal-x", "×");
  x.type = "button";
  x.title = "Close";
  x.addEventListener("click", () => post("close", { user: app.me, view_id: modal.id, all: true }));
  head.append(x);
  const body = node("div", "modal-body");
  const ctx = {
    ...app.ctx(),
    onAction: (element, blockId, choice) => app.act(element, blockId, choice,
      { type: "view", view_id: modal.id }, collectState(body)),
  };
  body.append(renderBlocks(modal.blocks, ctx));
  const foot = node("div", "modal-foot");
  const close = node("button", "bk-button", plainText(modal.close) || (depth > 1 ? "Back" : "Cancel"));
  close.type = "button";
  close.dataset.role = "close";
  close.addEventListener("click", () => post("close", { user: app.me, view_id: modal.id }));
  foot.append(close);
  if (modal.submit) {
    const submit = node("button", "bk-button primary", plainText(modal.submit));
    submit.type = "submit";
    submit.dataset.role = "submit";
    foot.append(submit);
  }
  const form = node("form", "modal-form");
  form.append(head, body, foot);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const submit = form.querySelector("[data-role=submit]");
    if (submit) submit.disabled = true;
    const answer = await post("submit", { user: app.me, view_id: modal.id, values: collectState(body) });
    if (submit) submit.disabled = false;
    if (answer.ok && answer.errors) showErrors(dialog, answer.errors);
  });
  dialog.append(form);
  overlay.append(dialog);
  root.append(overlay);
  const first = body.querySelector("input, textarea, select");
  if (first) first.focus();
}

export function forgetModal() {
  shownModal = "";
}

export function renderHome(root, home, app) {
  root.innerHTML = "";
  if (!home) {
    root.append(node("div", "empty", `${escapeHtml(app.botName)} has not published a Home tab for you yet.`));
    return;
  }
  const ctx = {
    ...app.ctx(),
    onAction: (element, blockId, choice) => app.act(element, blockId, choice,
      { type: "view", view_id: home.id }, collectState(root)),
  };
  root.append(renderBlocks(home.blocks, ctx));
}
