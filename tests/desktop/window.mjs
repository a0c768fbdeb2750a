// The desktop tests' means: a Kinmu window driven through tauri-driver (WebDriver, backed by
// WebKitWebDriver) with plain WebDriver HTTP calls — no npm dependencies —, screenshots of the
// Xvfb screen, and the checks' printing. Used by desktop.test.mjs and updates.test.mjs.

import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const TIMEOUT_MS = 20_000;
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
const ARTIFACTS = process.env.ARTIFACTS_DIR ?? "artifacts/desktop";

export function env(name, fallback) {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
}

export async function waitFor(what, fn, timeout = TIMEOUT_MS) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? ` (${last.message})` : ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function check(cond, message) {
  if (!cond) throw new Error(`check failed: ${message}`);
  console.log(`  ok: ${message}`);
}

// WebKitWebDriver's screenshot command hangs under Xvfb once the page has changed (after a
// navigation or a pointer click), so screenshots read the X screen itself when the runner says
// which one it is (tests/desktop/xshot.py). The screen also shows a window no driver controls
// (the app restarted by its update).
const X_DISPLAY = process.env.KINMU_E2E_DISPLAY;
const XSHOT = join(dirname(fileURLToPath(import.meta.url)), "xshot.py");
let shot = 0;
export async function screenshot(name, win) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${String(++shot).padStart(2, "0")}-${name}.png`);
  if (X_DISPLAY) {
    await new Promise((r) => setTimeout(r, 300)); // let the last change paint
    execFileSync("python3", [XSHOT, file], {
      env: { ...process.env, DISPLAY: X_DISPLAY, XAUTHORITY: process.env.KINMU_E2E_XAUTHORITY ?? "" },
    });
  } else if (win?.session) {
    writeFileSync(file, Buffer.from(await win.wd("GET", win.s("/screenshot")), "base64"));
  } else {
    return;
  }
  console.log(`  screenshot ${file}`);
}

export async function step(name, fn) {
  console.log(`- ${name}`);
  try {
    await fn();
  } catch (e) {
    await screenshot(`FAILED-${name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`).catch(() => {});
    throw e;
  }
}

/// One app window under one tauri-driver.
export class Window {
  constructor(driver) {
    this.driver = driver;
    this.session = null;
  }

  async wd(method, path, body) {
    const response = await fetch(`${this.driver}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) {
      const v = json.value ?? {};
      const err = new Error(`WebDriver ${method} ${path}: ${v.error ?? response.status} ${v.message ?? ""}`);
      err.webdriver = v.error;
      throw err;
    }
    return json.value;
  }

  s(path) {
    return `/session/${this.session}${path}`;
  }

  /// Starts `application` with `args` and waits for its document.
  async start(application, args = []) {
    const created = await waitFor("tauri-driver", () =>
      this.wd("POST", "/session", { capabilities: { alwaysMatch: { "tauri:options": { application, args } } } }), 30_000);
    this.session = created.sessionId;
    await waitFor("the window's document", async () =>
      (await this.wd("POST", this.s("/execute/sync"), { script: "return document.readyState", args: [] })) === "complete");
  }

  async quit() {
    if (this.session) await this.wd("DELETE", this.s("")).catch(() => {});
    this.session = null;
  }

  find(css) {
    return this.wd("POST", this.s("/element"), { using: "css selector", value: css }).then((e) => e[ELEMENT]);
  }

  waitElement(css, timeout) {
    return waitFor(`element ${css}`, async () => {
      const id = await this.find(css);
      return (await this.wd("GET", this.s(`/element/${id}/displayed`))) ? id : null;
    }, timeout);
  }

  text(id) {
    return this.wd("GET", this.s(`/element/${id}/text`));
  }

  value(id) {
    return this.wd("GET", this.s(`/element/${id}/property/value`));
  }

  click(id) {
    return this.wd("POST", this.s(`/element/${id}/click`), {});
  }

  // Forms are submitted as a keyboard user does, with Enter in a field.
  pressEnter(id) {
    return this.wd("POST", this.s(`/element/${id}/value`), { text: "\uE007" });
  }

  async type(id, value) {
    await this.wd("POST", this.s(`/element/${id}/clear`), {});
    await this.wd("POST", this.s(`/element/${id}/value`), { text: value });
  }

  exists(css) {
    return this.find(css).then(() => true, () => false);
  }

  /// Runs `window.__TAURI__.core.invoke(cmd, args)` in the window: `{ok}` or `{err}` (the ApiError).
  invoke(cmd, args = {}) {
    return this.wd("POST", this.s("/execute/async"), {
      script: `const done = arguments[arguments.length - 1];
        window.__TAURI__.core.invoke(arguments[0], arguments[1])
          .then((ok) => done({ ok: ok ?? null }), (err) => done({ err }));`,
      args: [cmd, args],
    });
  }
}
