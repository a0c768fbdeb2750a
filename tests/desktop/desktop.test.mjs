// End-to-end test of the Kinmu desktop app: drives the real Tauri window through tauri-driver
// (WebDriver, backed by WebKitWebDriver) with plain WebDriver HTTP calls — no npm dependencies.
// Started by tests/desktop/run, which provides a fresh server, a fresh config dir and the driver.
//
// Environment:
//   KINMU_APP           path of the kinmu-desktop binary
//   KINMU_SERVER_URL    base URL of a running Kinmu server with an administrator
//   KINMU_ADMIN_LOGIN, KINMU_ADMIN_PASSWORD
//   KINMU_CLOSED_URL    an address where nothing listens (for the error case)
//   WEBDRIVER_URL       tauri-driver's address (default http://127.0.0.1:4444)
//   ARTIFACTS_DIR       where screenshots go (default artifacts/desktop)
//   KINMU_E2E_DISPLAY, KINMU_E2E_XAUTHORITY  the Xvfb screen, for screenshots (tests/desktop/xshot.py)
//   KINMU_E2E_SHELL_ONLY=1  skip the UI steps; check only the shell's commands (for a placeholder UI)

import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};
const APP = env("KINMU_APP");
const SERVER = env("KINMU_SERVER_URL");
const LOGIN = env("KINMU_ADMIN_LOGIN", "admin");
const PASSWORD = env("KINMU_ADMIN_PASSWORD");
const CLOSED = env("KINMU_CLOSED_URL", "http://127.0.0.1:9");
const DRIVER = env("WEBDRIVER_URL", "http://127.0.0.1:4444");
const ARTIFACTS = env("ARTIFACTS_DIR", "artifacts/desktop");
const SHELL_ONLY = process.env.KINMU_E2E_SHELL_ONLY === "1";
const TIMEOUT_MS = 20_000;

// Selectors the UI provides (ui/src/pages/connection.rs, login.rs, home.rs, components/header.rs).
const sel = {
  serverUrl: "#url",
  // The address's own error (malformed) or the form's banner (server unreachable).
  serverUrlError: '[data-testid="url-error"], [data-testid="form-error"]',
  login: "#login",
  password: "#password",
  homeGreeting: '[data-testid="home-greeting"]',
  headerUser: '[data-testid="header-user"]',
};

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
let session = null;

async function wd(method, path, body) {
  const response = await fetch(`${DRIVER}${path}`, {
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
const s = (path) => `/session/${session}${path}`;

async function waitFor(what, fn, timeout = TIMEOUT_MS) {
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

const find = (css) => wd("POST", s("/element"), { using: "css selector", value: css }).then((e) => e[ELEMENT]);
const waitElement = (css, timeout) =>
  waitFor(`element ${css}`, async () => {
    const id = await find(css);
    return (await wd("GET", s(`/element/${id}/displayed`))) ? id : null;
  }, timeout);
const text = (id) => wd("GET", s(`/element/${id}/text`));
// Forms are submitted as a keyboard user does, with Enter in a field.
const pressEnter = (id) => wd("POST", s(`/element/${id}/value`), { text: "\uE007" });
async function type(id, value) {
  await wd("POST", s(`/element/${id}/clear`), {});
  await wd("POST", s(`/element/${id}/value`), { text: value });
}
const exists = (css) => find(css).then(() => true, () => false);

/// Runs `window.__TAURI__.core.invoke(cmd, args)` in the window: `{ok}` or `{err}` (the ApiError).
async function invoke(cmd, args = {}) {
  return wd("POST", s("/execute/async"), {
    script: `const done = arguments[arguments.length - 1];
      window.__TAURI__.core.invoke(arguments[0], arguments[1])
        .then((ok) => done({ ok: ok ?? null }), (err) => done({ err }));`,
    args: [cmd, args],
  });
}

// WebKitWebDriver's screenshot command hangs under Xvfb once the page has changed (after a
// navigation or a pointer click), so screenshots read the X screen itself when the runner says
// which one it is.
const X_DISPLAY = process.env.KINMU_E2E_DISPLAY;
const XSHOT = join(dirname(fileURLToPath(import.meta.url)), "xshot.py");
let shot = 0;
async function screenshot(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${String(++shot).padStart(2, "0")}-${name}.png`);
  if (X_DISPLAY) {
    await new Promise((r) => setTimeout(r, 300)); // let the last change paint
    execFileSync("python3", [XSHOT, file], {
      env: { ...process.env, DISPLAY: X_DISPLAY, XAUTHORITY: process.env.KINMU_E2E_XAUTHORITY ?? "" },
    });
  } else {
    writeFileSync(file, Buffer.from(await wd("GET", s("/screenshot")), "base64"));
  }
  console.log(`  screenshot ${file}`);
}

function check(cond, message) {
  if (!cond) throw new Error(`check failed: ${message}`);
  console.log(`  ok: ${message}`);
}

async function step(name, fn) {
  console.log(`- ${name}`);
  try {
    await fn();
  } catch (e) {
    await screenshot(`FAILED-${name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`).catch(() => {});
    throw e;
  }
}

async function uiFlow() {
  await step("first start shows the connection page", async () => {
    const input = await waitElement(sel.serverUrl);
    check((await wd("GET", s(`/element/${input}/property/value`))) === "", "the server address is empty on first start");
    check((await invoke("server_url_get")).ok === null, "no server saved yet");
    await screenshot("connection");
  });

  await step("an unreachable address is refused with a reason", async () => {
    const input = await find(sel.serverUrl);
    await type(input, CLOSED);
    await pressEnter(input);
    const error = await waitElement(sel.serverUrlError);
    const message = await text(error);
    check(message.includes(new URL(CLOSED).host), `the error names the address: "${message}"`);
    check((await invoke("server_url_get")).ok === null, "nothing was saved");
    await screenshot("connection-error");
  });

  await step("the right address is tested, saved and leads to the login page", async () => {
    const input = await find(sel.serverUrl);
    await type(input, `${SERVER}/`);
    await pressEnter(input);
    await waitElement(sel.login);
    check((await invoke("server_url_get")).ok === SERVER, `server_url_get answers ${SERVER}`);
    await screenshot("login");
  });

  await step("the administrator logs in and sees the home page", async () => {
    await type(await find(sel.login), LOGIN);
    const password = await find(sel.password);
    await type(password, PASSWORD);
    await pressEnter(password);
    const greeting = await waitElement(sel.homeGreeting);
    check((await text(greeting)).length > 0, `home greets: "${await text(greeting)}"`);
    check(await exists(sel.headerUser), "the header shows the logged-in user");
    await screenshot("home");
  });

  await step("a page whose code is a module of its own opens in the shell", async () => {
    // The users page is in pkg/split_admin.wasm, fetched through the shell's protocol when opened.
    await wd("POST", s(`/element/${await find('[data-testid="nav-users"]')}/click`), {});
    const table = await waitElement('[data-testid="user-table"]');
    check((await text(table)).includes(LOGIN), "the users page lists the administrator");
    await screenshot("users");
  });
}

async function shellChecks() {
  await step("the shell's commands behave as documented", async () => {
    const bad = await invoke("server_url_set", { url: "kinmu.example.com" });
    check(bad.err?.code === "validation" && bad.err?.field === "url", `malformed URL → validation on "url": ${bad.err?.message}`);
    const down = await invoke("server_url_set", { url: CLOSED });
    check(down.err?.code === "unavailable", `unreachable server → unavailable: ${down.err?.message}`);

    if (SHELL_ONLY) {
      const set = await invoke("server_url_set", { url: `  ${SERVER}/ ` });
      check(set.ok?.status !== undefined, `server_url_set answers the health report: ${JSON.stringify(set.ok ?? set.err)}`);
      const login = await invoke("api_request", {
        method: "POST", path: "/api/v1/auth/login", contentType: "application/json",
        // The body's bytes in base64, as the UI sends them.
        body: Buffer.from(JSON.stringify({ login: LOGIN, password: PASSWORD })).toString("base64"),
      });
      check(login.ok?.status === 200, `login through api_request → 200 (${login.ok?.status ?? JSON.stringify(login.err)})`);
    }
    check((await invoke("server_url_get")).ok === SERVER, "a failed change keeps the saved server");

    const me = await invoke("api_request", { method: "GET", path: "/api/v1/auth/me" });
    check(me.ok?.status === 200, `the session cookie is kept: GET /auth/me → ${me.ok?.status}`);
    check(JSON.parse(me.ok.body).user?.login === LOGIN, `…as ${LOGIN}`);
    check(me.ok.contentType.startsWith("application/json"), `contentType is passed on (${me.ok.contentType})`);

    // A download's bytes cross the shell as they are (base64 in the IPC): the BOM is kept.
    const csv = await invoke("api_request", { method: "GET", path: "/api/v1/users/export?encoding=utf-8-bom", bytes: true });
    const csvBytes = Buffer.from(csv.ok?.body ?? "", "base64");
    check(csv.ok?.status === 200 && csv.ok.base64 === true && csvBytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])),
      `a download's bytes cross the shell, BOM and all (${csv.ok?.status ?? JSON.stringify(csv.err)})`);

    const outside = await invoke("api_request", { method: "GET", path: "/index.html" });
    check(outside.err?.code === "bad_request", "paths outside /api/v1/ are not forwarded");
  });
}

async function startApp() {
  const created = await waitFor("tauri-driver", () =>
    wd("POST", "/session", { capabilities: { alwaysMatch: { "tauri:options": { application: APP } } } }), 30_000);
  session = created.sessionId;
  await waitFor("the window's document", async () =>
    (await wd("POST", s("/execute/sync"), { script: "return document.readyState", args: [] })) === "complete");
}

async function quitApp() {
  if (session) await wd("DELETE", s("")).catch(() => {});
  session = null;
}

async function main() {
  console.log(`desktop e2e: app ${APP}, server ${SERVER}${SHELL_ONLY ? " (shell only)" : ""}`);
  try {
    await startApp();
    if (!SHELL_ONLY) await uiFlow();
    else await screenshot("placeholder-ui");
    await shellChecks();
    await quitApp();

    await step("a restart remembers the server and asks only for the login", async () => {
      await startApp();
      check((await invoke("server_url_get")).ok === SERVER, "the saved server is loaded at start");
      if (!SHELL_ONLY) {
        await waitElement(sel.login);
        await screenshot("restart-login");
      }
    });
    console.log("desktop e2e: PASSED");
  } finally {
    await quitApp();
  }
}

main().catch((e) => {
  console.error(`desktop e2e: FAILED: ${e.stack ?? e}`);
  process.exit(1);
});
