// End-to-end test of the desktop app's upkeep (issue 20) in the real window under Xvfb: what the
// connection page offers an installed app, its start without the server, and an update published
// while a person works. Started by tests/desktop/run after updates.test.mjs, or alone
// (`tests/desktop/run --only upkeep`): it makes its own install (versions 10.0 and up), and sets
// the server's address in the app's settings file itself.
//
//   1. repair: an installed UI file damaged, Repair on the connection page: the app restarts on
//      a repaired copy whose file hashes as the published one; the server records a repair;
//   2. the download folder: a relative path and a file are refused in the window with the
//      reason; a fresh folder is saved, and the next update's downloads go there (watched as
//      they arrive), none into the default folder;
//   3. offline start: the server's address closed, the app starts offline with the banner; the
//      server opened, Retry reconnects: the banner goes, the login page shows;
//   4. mid-session: logged in at the home page, a mandatory version with a message published:
//      the app's periodic check-in (KINMU_UPDATE_CHECK_SECONDS, short here) shows the decision
//      over the page with the message, without reloading it; Update → the app restarts on the
//      new version.
//
// Environment (besides window.mjs's): those of updates.test.mjs's server (KINMU_BIN,
// KINMU_SERVER_URL, KINMU_SERVER_DATA, KINMU_DATABASE, KINMU_ADMIN_LOGIN, KINMU_ADMIN_PASSWORD,
// KINMU_APP, KINMU_LAUNCHER, KINMU_UI_DIST), WEBDRIVER_URL (a tauri-driver whose apps check in
// every few seconds), KINMU_E2E_SETTINGS (the app's settings file, server.json), KINMU_E2E_TMP.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, watch, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { dirname, join } from "node:path";

import { Install, UpdateServer } from "./update_server.mjs";
import { Window, check, env, screenshot, step, waitFor } from "./window.mjs";

const TMP = env("KINMU_E2E_TMP");
const SETTINGS = env("KINMU_E2E_SETTINGS");
const MESSAGE = "UPK-E2E: 昼休みに更新します / updating over lunch";
const DAMAGED = "ui/pkg/kinmu_ui_bg.wasm";

const server = UpdateServer.fromRunner(TMP, "UPK UI bundle");
const install = new Install(join(TMP, "install"), env("KINMU_LAUNCHER"));
const win = new Window(env("WEBDRIVER_URL"));

const sel = {
  version: '[data-testid="desktop-version"]',
  mark: '[data-testid="bundle-mark"]',
  login: "#login",
  password: "#password",
  home: '[data-testid="home-greeting"]',
  navConnection: '[data-testid="nav-connection"]',
  repair: '[data-testid="repair-now"]',
  repairing: '[data-testid="update-repairing"]',
  progress: '[data-testid="update-progress"]',
  folder: "#download-dir",
  folderError: '[data-testid="download_dir-error"]',
  folderSaved: '[data-testid="download-dir-saved"]',
  folderUsed: '[data-testid="download-dir-used"]',
  required: '[data-testid="update-required"]',
  message: '[data-testid="admin-message"]',
  updateNow: '[data-testid="update-now"]',
  offline: '[data-testid="update-check-failed"]',
  retry: '[data-testid="update-check-retry"]',
  overPage: '[data-testid="update-over-page"]',
};

const sha256 = (file) => createHash("sha256").update(readFileSync(file)).digest("hex");

async function textOf(css) {
  return win.text(await win.waitElement(css));
}

/// The app's settings file with `change` applied (the app reads it at start).
function setSettings(change) {
  const settings = existsSync(SETTINGS) ? JSON.parse(readFileSync(SETTINGS, "utf8")) : {};
  mkdirSync(dirname(SETTINGS), { recursive: true });
  writeFileSync(SETTINGS, JSON.stringify({ ...settings, ...change }, null, 2));
}

/// A free loopback port: nothing listens there once this returns.
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/// The server opened at `port` later: a TCP relay to the real server.
function relay(port) {
  const target = new URL(server.url);
  const sockets = new Set();
  const s = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const sock of [client, upstream]) {
      sockets.add(sock);
      sock.on("error", () => {});
      sock.on("close", () => sockets.delete(sock));
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve, reject) => {
    s.once("error", reject);
    s.listen(port, "127.0.0.1", () =>
      resolve({
        close: () => {
          for (const sock of sockets) sock.destroy();
          return new Promise((r) => s.close(() => r()));
        },
      }));
  });
}

/// The file names created or renamed in `dir` while watched.
function watchFolder(dir) {
  mkdirSync(dir, { recursive: true });
  const seen = new Set();
  const watcher = watch(dir, { recursive: true }, (_event, name) => name && seen.add(name));
  return { seen, close: () => watcher.close() };
}

async function openConnectionPage() {
  await win.click(await win.waitElement(sel.navConnection));
  await win.waitElement(sel.folder);
}

/// Types `value` as the download folder and saves it with Enter, as a keyboard user does.
async function enterFolder(value) {
  const input = await win.waitElement(sel.folder);
  await win.type(input, value);
  await win.pressEnter(input);
}

async function main() {
  console.log(`desktop upkeep e2e: server ${server.url}, install ${install.dir}`);
  await server.logIn();
  server.initKeys();
  server.publish("10.0");
  await server.setPolicy({ startup_mode: "mandatory", message: "" });
  install.installFrom(server.releaseDir("10.0"), "10.0");
  setSettings({ url: server.url });

  await step("repair: a damaged UI file is fetched again and the app restarts on the repaired copy", async () => {
    await install.start(win);
    await win.waitElement(sel.login);
    check((await textOf(sel.version)).includes("10.0"), "the app runs version 10.0");
    await openConnectionPage();
    const damaged = join(install.currentDir(), DAMAGED);
    const published = sha256(join(server.releaseDir("10.0"), DAMAGED));
    writeFileSync(damaged, "damaged on purpose: these bytes are no wasm");
    check(sha256(damaged) !== published, `${DAMAGED} of the install is damaged`);
    await screenshot("upkeep-repair-connection-page");
    await win.click(await win.waitElement(sel.repair));
    await win.waitElement(sel.repairing);
    await screenshot("upkeep-repair-progress");
    // The repaired copy is written beside the damaged one (10.0+1), started on trial, confirmed.
    await install.waitConfirmed("10.0+1");
    check(sha256(join(install.currentDir(), DAMAGED)) === published, `the repaired ${DAMAGED} hashes as the published one`);
    await waitFor("the damaged copy's folder to go", () => !existsSync(join(install.dir, "versions/10.0")), 15_000);
    check(true, "the damaged copy is gone once the repaired one proved healthy");
    await win.quit();
    await install.killProcesses();
    await install.start(win);
    await win.waitElement(sel.login);
    check((await textOf(sel.mark)).includes("UPK UI bundle 10.0"), "the app starts again with version 10.0's UI, repaired");
    await screenshot("upkeep-repaired");
    const record = await waitFor("the server's repair record", async () =>
      (await server.records()).find((r) => r.kind === "repair" && r.to_version === "10.0" && r.result !== "in_progress"), 30_000);
    check(record.result === "normal", `the server recorded a repair of 10.0, ${record.result}`);
  });

  await step("the download folder: refusals shown in the window; the next update downloads into the chosen folder", async () => {
    await openConnectionPage();
    await enterFolder("upkeep-relative/downloads");
    check((await textOf(sel.folderError)).includes("upkeep-relative/downloads"), "a relative path is refused, named in the message");
    await screenshot("upkeep-folder-relative-refused");
    const file = join(TMP, "a-file-not-a-folder");
    writeFileSync(file, "a file");
    await enterFolder(file);
    await waitFor("the file's refusal", async () => (await textOf(sel.folderError)).includes(file));
    check(true, `a file is refused: "${await textOf(sel.folderError)}"`);
    await screenshot("upkeep-folder-file-refused");

    const chosen = join(TMP, "other-drive", "kinmu-downloads");
    check(!existsSync(chosen), "the chosen folder does not exist yet");
    await enterFolder(chosen);
    await win.waitElement(sel.folderSaved);
    check((await textOf(sel.folderUsed)).includes(chosen), "the page says the next update downloads into it");
    check(existsSync(chosen), "the folder was created");
    await screenshot("upkeep-folder-saved");

    // The updater downloads into `<folder>/targets` (each file under `<sha256>.<its target
    // name>`, first as a `.part`, then renamed, and removed once applied); the default folder is
    // watched too.
    const used = watchFolder(join(chosen, "targets"));
    const unused = watchFolder(join(install.dir, "state/downloads/targets"));
    try {
      server.publish("11.0");
      await server.setPolicy({ startup_mode: "mandatory", message: MESSAGE });
      // The periodic check-in finds it: the dialog takes the place of the page.
      await win.waitElement(sel.required, 30_000);
      await win.click(await win.waitElement(sel.updateNow));
      await install.waitConfirmed("11.0");
    } finally {
      used.close();
      unused.close();
    }
    const changed = sha256(join(server.releaseDir("11.0"), "ui/index.html"));
    const names = [...used.seen];
    check(names.some((n) => n.startsWith(`${changed}.`)),
      `the changed file (index.html, sha256 ${changed.slice(0, 12)}…) was downloaded into the chosen folder (${names.join(", ")})`);
    check(unused.seen.size === 0, `nothing went to the default folder (${[...unused.seen].join(", ")})`);
    await win.quit();
    await install.killProcesses();
  });

  const closedPort = await freePort();
  let opened = null;
  try {
    await step("offline start: the app starts with the banner; the server back, Retry reconnects", async () => {
      setSettings({ url: `http://127.0.0.1:${closedPort}` });
      await server.setPolicy({ startup_mode: "mandatory", message: "" });
      await install.start(win);
      const banner = await textOf(sel.offline);
      check(banner.length > 0, `the app started offline with the banner: "${banner}"`);
      await screenshot("upkeep-offline-start");
      opened = await relay(closedPort);
      await win.click(await win.waitElement(sel.retry));
      await win.waitElement(sel.login);
      await waitFor("the banner to go", async () => !(await win.exists(sel.offline)));
      check(true, "Retry reached the server: the banner is gone and the login page shows");
      await screenshot("upkeep-online-again");
    });

    await step("mid-session: a mandatory version published while a person works shows over the page", async () => {
      await win.type(await win.find(sel.login), server.login);
      const password = await win.find(sel.password);
      await win.type(password, server.password);
      await win.pressEnter(password);
      await win.waitElement(sel.home);
      // A reload would lose this.
      await win.wd("POST", win.s("/execute/sync"), { script: "window.__upkeepMark = 'same page'", args: [] });
      server.publish("12.0");
      await server.setPolicy({ startup_mode: "mandatory", message: MESSAGE });
      await win.waitElement(sel.overPage, 30_000);
      const over = await textOf(sel.overPage);
      check(over.includes(MESSAGE) && over.includes("12.0"), `the decision shows over the page with the message: "${over}"`);
      check(await win.exists(sel.home), "the page stays under it");
      const mark = await win.wd("POST", win.s("/execute/sync"), { script: "return window.__upkeepMark ?? null", args: [] });
      check(mark === "same page", "the page was not reloaded");
      await screenshot("upkeep-mid-session-decision");
      await win.click(await win.waitElement(`${sel.overPage} ${sel.updateNow}`));
      await win.waitElement(sel.progress);
      check(!(await win.exists(sel.overPage)), "the progress page shows, not the decision");
      await screenshot("upkeep-mid-session-progress");
      await install.waitConfirmed("12.0");
      await win.quit();
      await install.killProcesses();
      await install.start(win);
      await win.waitElement(sel.login);
      check((await textOf(sel.version)).includes("12.0"), "the app restarted on version 12.0");
      check((await textOf(sel.mark)).includes("UPK UI bundle 12.0"), "…with its UI");
      await screenshot("upkeep-mid-session-v12");
      await win.quit();
      await install.killProcesses();
    });
  } finally {
    await opened?.close();
    // The address and the default download folder back, for whatever runs next.
    const { download_dir: _, ...rest } = existsSync(SETTINGS) ? JSON.parse(readFileSync(SETTINGS, "utf8")) : {};
    writeFileSync(SETTINGS, JSON.stringify({ ...rest, url: server.url }, null, 2));
  }
  console.log("desktop upkeep e2e: PASSED");
}

main()
  .catch((e) => {
    console.error(`desktop upkeep e2e: FAILED: ${e.stack ?? e}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await win.quit();
    await install.killProcesses().catch(() => {});
    // Nothing left to keep the runner waiting (a watcher or the relay of a failed step).
    process.exit();
  });
