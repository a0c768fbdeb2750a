// End-to-end test of the desktop app's own updates (issue 20): the real window under Xvfb, started
// through the launcher from an install folder, updated from a real `kinmu serve` that publishes
// releases as a signed TUF repository. Started by tests/desktop/run after desktop.test.mjs (whose
// first start saved the server's address in the app's config dir, shared here).
//
//   1. version 1 installed (`kinmu-launcher apply`) and running: its UI comes from the install;
//   2. version 2 published with a changed UI bundle; mandatory mode with a message: the dialog
//      shows the message;
//   3. the update killed during its apply (a fault point stops it, the process is killed): the
//      next start runs version 1, complete;
//   4. Update: the progress page, the app restarts through the launcher into version 2 (it
//      reports healthy: the launcher confirms it), showing the new bundle; the server's record
//      says normal;
//   5. refuse-start mode: the app shows the refusal and the message, and ends when closed;
//   6. a version 3 whose UI never loads (never healthy): the launcher switches back to version 2,
//      which starts; the server records the update as failed;
//   7. optional mode: the app starts and its login page offers the update.
//
// Environment (besides window.mjs's): KINMU_BIN (the server's command), KINMU_SERVER_URL,
// KINMU_SERVER_DATA (its data folder), KINMU_DATABASE (its database URL), KINMU_ADMIN_LOGIN,
// KINMU_ADMIN_PASSWORD, KINMU_APP (the desktop binary a release carries), KINMU_LAUNCHER,
// KINMU_UI_DIST (the UI bundle), WEBDRIVER_URL and WEBDRIVER_FAULT_URL (a second tauri-driver
// whose apps stop at the fault point KINMU_E2E_FAULT), KINMU_E2E_FAULT_LOG (that driver's output),
// KINMU_E2E_TMP (a folder for the releases and the install).

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { Install, UpdateServer, countFiles } from "./update_server.mjs";
import { Window, check, env, screenshot, step, waitFor } from "./window.mjs";

const FAULT = env("KINMU_E2E_FAULT", "apply:files-written");
const FAULT_LOG = env("KINMU_E2E_FAULT_LOG");
const TMP = env("KINMU_E2E_TMP");
const MESSAGE = "SHL-E2E: 9時までに更新してください / please update before 9:00";
const REFUSAL = "SHL-E2E: サーバー保守中 / server maintenance until 18:00";

const server = UpdateServer.fromRunner(TMP, "SHL UI bundle");
const install = new Install(join(TMP, "install"), env("KINMU_LAUNCHER"));
const INSTALL = install.dir;
const normal = new Window(env("WEBDRIVER_URL"));
const faulty = new Window(env("WEBDRIVER_FAULT_URL"));

const sel = {
  version: '[data-testid="desktop-version"]',
  required: '[data-testid="update-required"]',
  refused: '[data-testid="start-refused"]',
  message: '[data-testid="admin-message"]',
  updateNow: '[data-testid="update-now"]',
  quit: '[data-testid="update-quit"]',
  progress: '[data-testid="update-progress"]',
  step: '[data-testid="update-step"]',
  mark: '[data-testid="bundle-mark"]',
  login: "#login",
  offer: '[data-testid="update-offer"]',
  offerNow: '[data-testid="update-offer-now"]',
};

const setPolicy = (change) => server.setPolicy(change);
const records = () => server.records();
const publish = (version, options) => server.publish(version, options);
const pointer = () => install.pointer();
const installProcesses = () => install.processes();
const killInstallProcesses = () => install.killProcesses();
const startApp = (win) => install.start(win);
const stopApp = (win) => install.stop(win);

async function textOf(win, css) {
  return win.text(await win.waitElement(css));
}

// --- the scenarios ----------------------------------------------------------------------------------

async function main() {
  console.log(`desktop updates e2e: server ${server.url}, install ${INSTALL}`);
  await server.logIn();
  server.initKeys();

  await step("version 1 installed and running: its UI comes from the install", async () => {
    publish("1.0");
    await setPolicy({ startup_mode: "mandatory", message: "" });
    install.installFrom(server.releaseDir("1.0"), "1.0");
    await startApp(normal);
    check((await textOf(normal, sel.version)).includes("1.0"), "the app says it is version 1.0");
    check((await textOf(normal, sel.mark)).includes("1.0"), "the UI is version 1.0's bundle, read from the install");
    const status = (await normal.invoke("update_status")).ok;
    check(status?.ui_from_install === true && status?.decision === "start_normally",
      `checked in: nothing to update (${JSON.stringify(status)})`);
    await normal.waitElement(sel.login);
    await screenshot("update-v1-running");
    await stopApp(normal);
  });

  await step("version 2 published, mandatory mode: the dialog shows the administrator's message", async () => {
    publish("2.0");
    await setPolicy({ startup_mode: "mandatory", message: MESSAGE });
    await startApp(normal);
    await normal.waitElement(sel.required);
    check((await textOf(normal, sel.message)).includes(MESSAGE), "the dialog shows the message");
    check((await textOf(normal, sel.required)).includes("2.0"), "…and names version 2.0");
    check(!(await normal.exists(sel.login)), "the login page is not shown before the update");
    await screenshot("update-mandatory-dialog");
    await stopApp(normal);
  });

  await step("killed during the apply: the next start runs version 1, complete", async () => {
    const logged = () => (existsSync(FAULT_LOG) ? readFileSync(FAULT_LOG, "utf8") : "");
    const before = logged().length;
    await startApp(faulty);
    await faulty.click(await faulty.waitElement(sel.updateNow));
    await faulty.waitElement(sel.progress);
    // The app prints the point it stopped at (when its output reaches the driver's log); its
    // files all written into the staging folder, without the manifest, say the same.
    const staging = join(INSTALL, "versions/.staging-2.0");
    const stopped = () =>
      logged().slice(before).includes(`fault point reached: ${FAULT}`) ||
      (existsSync(staging) && !existsSync(join(staging, ".kinmu-manifest.json")) &&
        countFiles(staging) === countFiles(join(TMP, "release-2.0")));
    await waitFor(`the update to stop at ${FAULT}`, stopped, 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    check(stopped(), `the update stopped at ${FAULT}`);
    await screenshot("update-stopped-during-apply");
    check(existsSync(join(INSTALL, "versions/.staging-2.0")), "version 2.0 was half written");
    await faulty.quit();
    await killInstallProcesses();
    check(pointer().current === "1.0", "the pointer still names version 1.0");

    await startApp(normal);
    await normal.waitElement(sel.required);
    check((await textOf(normal, sel.version)).includes("1.0"), "the app starts: version 1.0, asking again for the update");
    check((await textOf(normal, sel.mark)).includes("1.0"), "…with version 1.0's UI");
    await screenshot("update-after-killed-apply");
  });

  await step("Update: progress, then the app restarts into version 2 through the launcher", async () => {
    await normal.click(await normal.waitElement(sel.updateNow));
    await normal.waitElement(sel.progress);
    await screenshot("update-progress");
    // The app ends and the launcher starts 2.0 on trial; it is confirmed once its UI loaded.
    await waitFor("version 2.0 confirmed healthy", () => {
      const p = pointer();
      return p.current === "2.0" && !p.trial;
    }, 90_000);
    // The launcher removes the previous version's folder right after confirming the new one.
    await waitFor("version 1.0's folder to go", () => !existsSync(join(INSTALL, "versions/1.0")), 10_000);
    check(true, "version 1.0's folder is gone once 2.0 proved healthy");
    await new Promise((r) => setTimeout(r, 2000));
    await screenshot("update-restarted-v2");
    await normal.quit();
    await killInstallProcesses();

    await startApp(normal);
    await normal.waitElement(sel.login);
    check((await textOf(normal, sel.version)).includes("2.0"), "the app shows version 2.0");
    check((await textOf(normal, sel.mark)).includes("2.0"), "…with version 2.0's UI bundle");
    await screenshot("update-v2-login");
    const record = await waitFor("the server's record of 1.0 → 2.0", async () =>
      (await records()).find((r) => r.to_version === "2.0" && r.from_version === "1.0" && r.result === "normal"), 30_000);
    check(record.kind === "differential", `recorded as a ${record.kind} update, normal`);
    await stopApp(normal);
  });

  await step("refuse-start mode: the refusal with its message; the app ends when closed", async () => {
    await setPolicy({ startup_mode: "refuse_start", message: REFUSAL });
    await startApp(normal);
    await normal.waitElement(sel.refused);
    check((await textOf(normal, sel.message)).includes(REFUSAL), "the refusal shows the message");
    check(!(await normal.exists(sel.login)), "no login page");
    await screenshot("update-refused");
    // The app ends while the driver still waits for the click's answer.
    await normal.click(await normal.find(sel.quit)).catch(() => {});
    await waitFor("the app to end", () => installProcesses().length === 0, 15_000);
    check(true, "the app ended when the refusal was closed");
    await normal.quit();
  });

  await step("a version 3 that never reports healthy: back on version 2, recorded as failed", async () => {
    publish("3.0", { brokenUi: true });
    await setPolicy({ startup_mode: "mandatory", message: MESSAGE });
    await startApp(normal);
    await normal.click(await normal.waitElement(sel.updateNow));
    await waitFor("version 3.0 on trial", () => pointer().current === "3.0" && pointer().trial, 60_000);
    await screenshot("update-v3-on-trial");
    // The launcher waits for the health report (KINMU_HEALTH_TIMEOUT), then switches back.
    await waitFor("version 2.0 current again", () => {
      const p = pointer();
      return p.current === "2.0" && !p.trial;
    }, 120_000);
    await waitFor("the failed version's folder to go", () => !existsSync(join(INSTALL, "versions/3.0")), 10_000);
    check(true, "the failed version's folder is gone");
    await waitFor("version 2.0 running again", () => installProcesses().length > 0, 15_000);
    await new Promise((r) => setTimeout(r, 3000));
    await screenshot("update-rolled-back-v2");
    const failed = await waitFor("the server's failed record of 2.0 → 3.0", async () =>
      (await records()).find((r) => r.to_version === "3.0" && r.result === "failed"), 30_000);
    check(true, `the update to 3.0 is recorded as failed: ${failed.reason}`);
    await normal.quit();
    await killInstallProcesses();
  });

  await step("optional mode: the app starts, its login page offers the update with one click", async () => {
    await setPolicy({ startup_mode: "optional", message: MESSAGE });
    await startApp(normal);
    const offer = await textOf(normal, sel.offer);
    check(offer.includes("3.0") && offer.includes(MESSAGE), `the login page says 3.0 waits, with the message: "${offer}"`);
    check(await normal.exists(sel.login), "…and the login form is there");
    check(await normal.exists(sel.offerNow), "…with its Update button");
    await screenshot("update-optional-offer");
    await stopApp(normal);
  });

  console.log("desktop updates e2e: PASSED");
}

main()
  .catch(async (e) => {
    console.error(`desktop updates e2e: FAILED: ${e.stack ?? e}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await normal.quit();
    await faulty.quit();
    await killInstallProcesses().catch(() => {});
  });
