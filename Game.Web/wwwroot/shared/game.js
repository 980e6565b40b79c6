// What the presenter display and the phone controller have in common: language and texts, team colours, phase
// names, the clock format, the banner, and one way to build, start and keep a hub connection. An ES module that
// both pages import; the SignalR client and its MessagePack protocol are classic scripts loaded before it.

/** "ja" for a Japanese browser, else "en". */
export const lang = /^ja\b/i.test(navigator.language || "") ? "ja" : "en";

/** Numbers as the browser's locale writes them (12,345 or 12.345). */
export const numbers = new Intl.NumberFormat(navigator.language || "en");

const COMMON_TEXT = {
  en: { reconnecting: "Connection lost — reconnecting…" },
  ja: { reconnecting: "接続が切れました — 再接続しています…" },
};

/**
 * Takes a page's dictionary ({ en: {...}, ja: {...} }) and answers its `t(key, vars)`: the page's language, English
 * where a Japanese text is missing, `{name}` replaced from vars. Translates every `data-i18n` element once.
 */
export function localize(texts) {
  const merged = { en: { ...COMMON_TEXT.en, ...texts.en }, ja: { ...COMMON_TEXT.ja, ...texts.ja } };
  const t = (key, vars = {}) => (merged[lang][key] ?? merged.en[key]).replace(/\{(\w+)\}/g, (_, name) => vars[name] ?? "");
  document.documentElement.lang = lang;
  for (const element of document.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
  return t;
}

export const $ = (id) => document.getElementById(id);

/** Shows a message in the page's banner (an element with id "banner"), or hides it for null. */
export function banner(message) {
  $("banner").textContent = message ?? "";
  $("banner").hidden = !message;
}

// ---- the game ----

const PHASES = ["lobby", "countdown", "running", "finished"];

/**
 * The phase of a frame or standing as a lower-case name, "none" without one. SignalR's MessagePack protocol
 * writes enums as names ("Running"); a number is taken too.
 */
export const phaseOf = (frame) => (frame == null ? "none" : typeof frame.phase === "number" ? PHASES[frame.phase] : String(frame.phase).toLowerCase());

/** m:ss, rounded up: "0:01" until the last millisecond has passed. */
export function formatClock(ms) {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

// Team colours and marks live in /shared/palette.js (colour-blind-safe, with a shape per colour).
export { colorOf } from "/shared/palette.js";

// ---- connections ----

// In a hall the Wi-Fi drops for seconds at a time and a projector runs unattended for hours: both pages retry for
// ever, the first start and every reconnect alike, 0.5 s doubling to at most 5 s between tries.
const retryDelay = (attempt) => Math.min(500 * 2 ** attempt, 5000);
const pause = (attempt) => new Promise((resolve) => setTimeout(resolve, retryDelay(attempt)));
const serverIsUp = () => fetch("/health").then((r) => r.ok, () => false);

/**
 * A hub connection over MessagePack that reconnects for ever. While it is down the banner says so; once it is back
 * the banner goes and `onReconnected` runs (a page asks there for what it missed).
 */
export function connectHub(url, { onReconnected } = {}) {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(url)
    .withHubProtocol(new signalR.protocols.msgpack.MessagePackHubProtocol())
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (context) => retryDelay(context.previousRetryCount) })
    .build();
  connection.onreconnecting(() => banner(COMMON_TEXT[lang].reconnecting));
  connection.onreconnected(async () => {
    banner(null);
    await onReconnected?.();
  });
  return connection;
}

/**
 * Starts a connection, waiting out a server that is down (a projector is often switched on before the server).
 * With `refusalIsFinal` it gives up when the server is up and still refuses after a few tries (a phone's token
 * the server no longer knows); without, it tries for ever.
 */
export async function startHub(connection, { refusalIsFinal = false } = {}) {
  for (let attempt = 0; ; attempt++) {
    try {
      await connection.start();
      banner(null);
      return;
    } catch (error) {
      if (refusalIsFinal && attempt >= 3 && await serverIsUp()) throw error;
      banner(COMMON_TEXT[lang].reconnecting);
      await pause(attempt);
    }
  }
}
