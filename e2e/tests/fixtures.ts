import { expect, type Page } from '@playwright/test';

/** The path the app lives under ("" or "/kinmu"), from KINMU_E2E_URL. */
const basePath = new URL(process.env.KINMU_E2E_URL ?? 'http://127.0.0.1:18080/').pathname.replace(/\/$/, '');

/** True for the home page's address, with or without a trailing slash. */
export const isHome = (url: URL) => ['', '/'].includes(url.pathname.slice(basePath.length));

export const company = 'Acme Works';
export const admin = { login: 'admin', name: 'Ada Admin', password: 'Kinmu-Strong-2026' };
export const member = { login: 'taro', name: 'Taro Yamada', password: 'Sakura-Secret-2026!', logAccount: 'OSAKA\\taro' };

/** The setup wizard as a user walks through it; asserts the checks on the way. */
export async function runSetupWizard(page: Page) {
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole('heading', { name: 'Setup wizard' })).toBeVisible();
  const next = page.getByTestId('setup-next');

  // 1. Organisation: required.
  await next.click();
  await expect(page.getByTestId('organization_name-error')).toBeVisible();
  await page.getByLabel('Organisation name').fill(company);
  await page.getByLabel('Organisation name').press('Enter');

  // 2. Administrator: a too-weak password is refused, with the meter saying so.
  await expect(page.getByTestId('setup-step-title')).toHaveText('Administrator account');
  // Enter submitted the step; the focus moved to the new step's first field.
  await expect(page.getByLabel('Login', { exact: true })).toBeFocused();
  await page.getByLabel('Login', { exact: true }).fill(admin.login);
  await page.getByLabel('Display name').fill(admin.name);
  await page.getByLabel('Password', { exact: true }).fill('password1');
  await page.getByLabel('Confirm password').fill('password1');
  await expect(page.getByTestId('password-strength')).toContainText('weak');
  await next.click();
  await expect(page.getByTestId('admin_password-error')).toBeVisible();
  await expect(page.getByTestId('setup-step-title')).toHaveText('Administrator account');
  // What was typed stays.
  await expect(page.getByLabel('Display name')).toHaveValue(admin.name);
  await page.getByLabel('Password', { exact: true }).fill(admin.password);
  await expect(page.getByTestId('password-strength')).toContainText('strong');
  await page.getByLabel('Confirm password').fill('Kinmu-Strong-2025');
  await next.click();
  await expect(page.getByTestId('admin_password_confirm-error')).toBeVisible();
  await page.getByLabel('Confirm password').fill(admin.password);
  await next.click();

  // 3. Language and time zone.
  await expect(page.getByTestId('setup-step-title')).toHaveText('Language and time zone');
  await page.getByLabel('Default language').selectOption('en');
  await expect(page.getByLabel('Time zone')).toHaveValue('Asia/Tokyo');
  await next.click();

  // 4. Confirmation lists everything, the password masked; Back works.
  const summary = page.getByTestId('setup-summary');
  await expect(summary).toContainText(company);
  await expect(summary).toContainText(admin.login);
  await expect(summary).toContainText(admin.name);
  await expect(summary).toContainText('Asia/Tokyo');
  // …and what comes after the setup.
  await expect(page.getByTestId('setup-next-steps').locator('li')).toHaveCount(3);
  await expect(page.getByTestId('setup-next-steps')).toContainText('Import the PC logon and logoff logs');
  await expect(summary).not.toContainText(admin.password);
  await page.getByTestId('setup-back').click();
  await expect(page.getByTestId('setup-step-title')).toHaveText('Language and time zone');
  await next.click();
  await expect(next).toHaveText('Run');
  await next.click();
}

export async function login(page: Page, user: string, password: string) {
  await expect(page).toHaveURL(/\/login$/);
  await page.getByLabel('Login', { exact: true }).fill(user);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByTestId('login-submit').click();
}

export async function logout(page: Page) {
  await page.getByTestId('logout').click();
  await expect(page).toHaveURL(/\/login$/);
}

/** Brings a fresh server past the setup wizard (when an earlier test has not already). */
export async function ensureSetUp(page: Page) {
  await page.goto('./login');
  await page.waitForURL(/\/(setup|login)$/);
  await expect(page.locator('main')).not.toContainText(/Loading|読み込み中/);
  if (page.url().endsWith('/setup')) {
    await runSetupWizard(page);
    await expect(page).toHaveURL(/\/admin\/users$/);
    await logout(page);
  }
}
