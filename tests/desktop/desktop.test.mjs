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

import { Window, check, env, screenshot, step } from "./window.mjs";

const APP = env("KINMU_APP");
const SERVER = env("KINMU_SERVER_URL");
const LOGIN = env("KINMU_ADMIN_LOGIN", "admin");
const PASSWORD = env("KINMU_ADMIN_PASSWORD");
const CLOSED = env("KINMU_CLOSED_URL", "http://127.0.0.1:9");
const DRIVER = env("WEBDRIVER_URL", "http://127.0.0.1:4444");
const SHELL_ONLY = process.env.KINMU_E2E_SHELL_ONLY === "1";

// Selectors the UI provides (ui/src/pages/connection.rs, login.rs, home.rs, components/header.rs).
const sel = {
  serverUrl: "#url",
  // The address's own error (malformed) or the form's banner (server unreachable).
  serverUrlError: '[data-testid="url-error"], [data-testid="form-error"]',
  login: "#login",
  password: "#password",
  homeGreeting: '[data-testid="home-greeting"]',
  headerUser: '[data-testid="header-user"]',
  desktopVersion: '[data-testid="desktop-version"]',
};

const win = new Window(DRIVER);
const find = (css) => win.find(css);
const waitElement = (css, timeout) => win.waitElement(css, timeout);
const text = (id) => win.text(id);
const pressEnter = (id) => win.pressEnter(id);
const type = (id, value) => win.type(id, value);
const exists = (css) => win.exists(css);
const invoke = (cmd, args) => win.invoke(cmd, args);
const wd = (method, path, body) => win.wd(method, path, body);
const s = (path) => win.s(path);

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

    // A build run outside an install: the UI compiled in, served through the kinmu-ui protocol;
    // no check-in (it does not update itself).
    const href = await wd("POST", s("/execute/sync"), { script: "return location.href", args: [] });
    check(href.startsWith("kinmu-ui://localhost/"), `the UI comes through the kinmu-ui protocol (${href})`);
    const status = await invoke("update_status");
    check(status.ok?.installed_version === null && status.ok?.ui_from_install === false && status.ok?.decision === null,
      `not installed: the compiled-in UI and no check-in (${JSON.stringify(status.ok ?? status.err)})`);
    const run = await invoke("update_run");
    check(run.err?.code === "conflict", `a build outside an install does not update itself: ${run.err?.message}`);

    const outside = await invoke("api_request", { method: "GET", path: "/index.html" });
    check(outside.err?.code === "bad_request", "paths outside /api/v1/ are not forwarded");
  });
}

async function startApp() {
  await win.start(APP);
}

async function quitApp() {
  await win.quit();
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
