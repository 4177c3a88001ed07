// Talking to the sandbox's endpoints, and telling the person when something failed.

export async function post(path, body) {
  let answer;
  try {
    const response = await fetch(`/sandbox/api/${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    answer = await response.json();
  } catch (error) {
    answer = { ok: false, error: `the sandbox did not answer (${error.message})` };
  }
  if (!answer.ok) toast(answer.error || "that did not work");
  return answer;
}

export async function getState(user, channel) {
  const query = new URLSearchParams({ user, channel: channel || "" });
  const response = await fetch(`/sandbox/api/state?${query}`, { cache: "no-store" });
  return response.json();
}

let toastTimer = 0;
export function toast(text) {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 6000);
}

export function timeOf(ts) {
  const date = new Date(Number(String(ts).split(".")[0]) * 1000);
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

const PALETTE = ["#1264a3", "#2bac76", "#e8912d", "#9c27b0", "#e01e5a", "#36c5f0", "#4a154b", "#007a5a"];
export function colourOf(id) {
  let hash = 0;
  for (const ch of String(id)) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}
