import { expect, test } from '@playwright/test';
import { admin, ensureSetUp, isHome, login } from './fixtures';

/** The wasm files the page fetched, by name. */
function wasmRequests(page: import('@playwright/test').Page): string[] {
  const names: string[] = [];
  page.on('request', (r) => {
    const name = new URL(r.url()).pathname.split('/').pop() ?? '';
    if (name.endsWith('.wasm')) names.push(name);
  });
  return names;
}

test('the login page works with the main module alone; a page module comes when the page is opened', async ({ page }) => {
  await ensureSetUp(page);
  const fetched = wasmRequests(page);
  await page.goto('./login');
  await expect(page.getByLabel('Login', { exact: true })).toBeVisible();
  expect(fetched).toEqual(['kinmu_ui_bg.wasm']);
  await login(page, admin.login, admin.password);
  await expect(page).toHaveURL(isHome);
  // The home page's effort dashboards are the effort module's (with the chunks it shares with
  // other modules), fetched after the login.
  await expect(page.getByTestId('dash-mine')).toBeVisible();
  expect(fetched.filter((n) => !/^(split_effort|chunk_\d+)\.wasm$/.test(n))).toEqual(['kinmu_ui_bg.wasm']);
  expect(fetched).toContain('split_effort.wasm');
  expect(fetched).not.toContain('split_admin.wasm');

  await page.getByTestId('nav-users').click();
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
  expect(fetched).toContain('split_admin.wasm');
  expect(fetched).not.toContain('split_attendance_admin.wasm');
});

test('a page whose module cannot be fetched says so, and Retry loads it', async ({ page }) => {
  await ensureSetUp(page);
  await page.goto('./login');
  await login(page, admin.login, admin.password);
  await expect(page).toHaveURL(isHome);
  // The network drops the roles page's module once.
  await page.route('**/pkg/split_admin.wasm', (route) => route.abort('connectionreset'));
  await page.getByTestId('nav-roles').click();
  await expect(page.getByRole('alert')).toHaveText('This page could not be loaded. Check the connection and try again.');
  // The rest of the app still works: the header's menu is there.
  await expect(page.getByTestId('nav-users')).toBeVisible();
  await page.unroute('**/pkg/split_admin.wasm');
  await page.getByRole('button', { name: 'Retry' }).click();
  await expect(page.getByRole('heading', { name: 'Roles' })).toBeVisible();
});
