import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, test, type Download } from '@playwright/test';
import { admin, ensureSetUp, isHome } from './fixtures';

// The desktop shell injects window.__TAURI__; here a stand-in implements its three commands
// with fetch, so the UI's Tauri transport and the connection page run for real. Like the shell
// (src-tauri/src/commands.rs), api_request takes the body's bytes in base64 and, asked for
// bytes, answers them in base64.
const fakeShell = () => {
  const calls: string[] = [];
  (window as any).__kinmuShellCalls = calls;
  const saved = () => localStorage.getItem('fake-shell.server');
  (window as any).__TAURI__ = {
    core: {
      async invoke(cmd: string, args: any) {
        calls.push(cmd);
        if (cmd === 'server_url_get') return saved();
        if (cmd === 'server_url_set') {
          const url = String(args.url).replace(/\/$/, '');
          try {
            const r = await fetch(url + '/api/v1/health');
            if (!r.ok) throw new Error('HTTP ' + r.status);
            localStorage.setItem('fake-shell.server', url);
            return await r.json();
          } catch (e) {
            throw { code: 'unavailable', message: `Kinmu did not answer at ${url}`, field: 'url' };
          }
        }
        if (cmd === 'api_request') {
          const headers: Record<string, string> = { 'x-kinmu-request': '1' };
          if (args.contentType) headers['content-type'] = args.contentType;
          const body = args.body == null ? undefined : Uint8Array.from(atob(args.body), (c) => c.charCodeAt(0));
          const r = await fetch(saved() + args.path, { method: args.method, body, headers });
          const contentType = r.headers.get('content-type') ?? '';
          if (args.bytes) {
            let binary = '';
            for (const b of new Uint8Array(await r.arrayBuffer())) binary += String.fromCharCode(b);
            return { status: r.status, body: btoa(binary), contentType, base64: true };
          }
          return { status: r.status, body: await r.text(), contentType, base64: false };
        }
        throw { code: 'not_found', message: 'unknown command ' + cmd };
      },
    },
  };
};

async function bytesOf(download: Download): Promise<Buffer> {
  return Buffer.concat(await (await download.createReadStream()).toArray());
}

test('desktop: connection page first, then everything through the shell', async ({ page, baseURL }) => {
  await ensureSetUp(page);
  await page.context().clearCookies();
  await page.addInitScript(fakeShell);
  await page.goto('./login');

  // No server configured yet: the connection page.
  await expect(page).toHaveURL(/\/connection$/);
  await page.getByLabel('Server address').fill('http://127.0.0.1:9');
  await page.getByTestId('connection-save').click();
  await expect(page.getByTestId('url-error')).toContainText('did not answer');
  await expect(page.getByLabel('Server address')).toHaveValue('http://127.0.0.1:9');

  await page.getByLabel('Server address').fill(baseURL!.replace(/\/$/, ''));
  await page.getByTestId('connection-save').click();
  await expect(page).toHaveURL(/\/login$/);

  await page.getByLabel('Login', { exact: true }).fill(admin.login);
  await page.getByLabel('Password', { exact: true }).fill(admin.password);
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(isHome);
  await expect(page.getByTestId('home-greeting')).toContainText(admin.name);
  const calls: string[] = await page.evaluate(() => (window as any).__kinmuShellCalls);
  expect(calls).toContain('api_request');

  // Bytes cross the shell both ways: a Shift_JIS CSV uploaded keeps its Japanese names; the
  // users' CSV is saved byte for byte in each encoding; the console offers CSV and Excel.
  await page.getByTestId('nav-users').click();
  const sjis = execFileSync('iconv', ['-f', 'UTF-8', '-t', 'SHIFT_JIS'], { input: 'login,display_name\r\ndesk-kobayashi,小林 一郎\r\n' });
  await page.getByTestId('csv-import').setInputFiles({ name: 'users.csv', mimeType: 'text/csv', buffer: sjis });
  await expect(page.getByTestId('import-report')).toContainText('Created: 1');
  await page.getByLabel('Search login or name').fill('desk-kobayashi');
  await page.getByTestId('user-search-submit').click();
  await expect(page.getByTestId('user-row-desk-kobayashi')).toContainText('小林 一郎');
  for (const encoding of ['utf-8-bom', 'shift_jis']) {
    await page.getByTestId('csv-encoding').selectOption(encoding);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv-export').click()]);
    const sent = await (await page.request.get(`${baseURL}api/v1/users/export?encoding=${encoding}`)).body();
    expect((await bytesOf(download)).equals(sent), `users.csv in ${encoding} through the shell`).toBe(true);
  }
  // A binary log (EVTX) uploads through the shell too: its events, older than the retention, are
  // read and counted (and left out, so the console stays as the other tests expect it).
  await page.goto('./attendance/imports');
  await page.getByLabel('Drop log files here, or choose them.').setInputFiles(resolve(__dirname, '../../../shared/data/evtx/DE_RDP_Tunneling_4624.evtx'));
  const evtx = page.getByTestId('import-file').first();
  await expect(evtx.getByTestId('import-older')).toHaveText('18 events are older than the retention and were left out.', { timeout: 30_000 });
  await expect(evtx.getByTestId('import-rejected')).toHaveText('0');
  await page.getByTestId('nav-attendance').click();
  await expect(page.getByTestId('att-download-csv')).toBeVisible();
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('att-download-xlsx').click()]);
  expect(xlsx.suggestedFilename()).toMatch(/\.xlsx$/);
  expect((await bytesOf(xlsx)).subarray(0, 2).toString('latin1'), 'an Excel workbook (a zip)').toBe('PK');

  // The connection page stays reachable from the header.
  await page.getByTestId('nav-connection').click();
  await expect(page.getByLabel('Server address')).toHaveValue(baseURL!.replace(/\/$/, ''));
});

test("the UI boots under the desktop shell's Content-Security-Policy", async ({ page }) => {
  await ensureSetUp(page);
  const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:";
  const violations: string[] = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
  await page.route(/\/login$/, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': csp } });
  });
  await page.goto('./login');
  await expect(page.getByTestId('login-form')).toBeVisible();
  expect(violations).toEqual([]);
});
