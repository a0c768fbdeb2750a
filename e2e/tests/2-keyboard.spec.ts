import { expect, test } from '@playwright/test';
import { admin, ensureSetUp, isHome } from './fixtures';

test('the login page works with the keyboard only', async ({ page }) => {
  await ensureSetUp(page);
  await page.goto('./login');
  await expect(page.getByRole('heading', { name: /Log in|ログイン/ })).toBeVisible();

  // Tab to the login field from the top of the page.
  await page.locator('body').focus();
  for (let i = 0; i < 10; i++) {
    if (await page.evaluate(() => document.activeElement?.id === 'login')) break;
    await page.keyboard.press('Tab');
  }
  await expect(page.locator('#login')).toBeFocused();
  await page.keyboard.type(admin.login);
  await page.keyboard.press('Tab');
  await expect(page.locator('#password')).toBeFocused();
  await page.keyboard.type(admin.password);
  await page.keyboard.press('Enter');

  await expect(page).toHaveURL(isHome);
  await expect(page.getByTestId('home-greeting')).toContainText(admin.name);

  // The menu and the logout button are reachable with Tab and work with Enter.
  await page.getByTestId('logout').focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/login$/);
});

test('dialogs open and close with the keyboard', async ({ page }) => {
  await ensureSetUp(page);
  await page.goto('./login');
  await page.getByLabel(/^(Login|ログイン名)$/).fill(admin.login);
  await page.getByLabel(/^(Password|パスワード)$/).fill(admin.password);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('home-greeting')).toBeVisible();
  await page.getByTestId('nav-organizations').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('org-new').focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByTestId('org-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel(/^(Name|名前)$/)).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  // The focus is back on the button that opened it.
  await expect(page.getByTestId('org-new')).toBeFocused();
});

test('a page asked for before login opens after login', async ({ page }) => {
  await ensureSetUp(page);
  await page.goto('./admin/roles');
  await expect(page).toHaveURL(/\/login$/);
  await page.getByLabel(/^(Login|ログイン名)$/).fill(admin.login);
  await page.getByLabel(/^(Password|パスワード)$/).fill(admin.password);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/admin\/roles$/);
  await expect(page.getByTestId('role-table')).toBeVisible();
});
