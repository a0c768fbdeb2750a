import { expect, test } from '@playwright/test';
import { admin, ensureSetUp, isHome } from './fixtures';

// The desktop shell injects window.__TAURI__; here a stand-in implements its three commands
// with fetch, so the UI's Tauri transport and the connection page run for real.
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
          const r = await fetch(saved() + args.path, { method: args.method, body: args.body ?? undefined, headers });
          return { status: r.status, body: await r.text(), contentType: r.headers.get('content-type') ?? '' };
        }
        throw { code: 'not_found', message: 'unknown command ' + cmd };
      },
    },
  };
};

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

  // The attendance console downloads CSV through the shell; Excel (binary) is not offered there.
  await page.getByTestId('nav-attendance').click();
  await expect(page.getByTestId('att-download-csv')).toBeVisible();
  await expect(page.getByTestId('att-download-xlsx')).toHaveCount(0);

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
