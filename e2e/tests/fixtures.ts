import { expect, type Page } from '@playwright/test';

/** The path the app lives under ("" or "/kinmu"), from KINMU_E2E_URL. */
const basePath = new URL(process.env.KINMU_E2E_URL ?? 'http://127.0.0.1:18080/').pathname.replace(/\/$/, '');

/** True for the home page's address, with or without a trailing slash. */
export const isHome = (url: URL) => ['', '/'].includes(url.pathname.slice(basePath.length));

export const company = 'Acme Works';
export const admin = { login: 'admin', name: 'Ada Admin', password: 'Kinmu-Strong-2026' };
export const member = { login: 'taro', name: 'Taro Yamada', password: 'Sakura-Secret-2026!', logAccount: 'OSAKA\\taro' };
/** The project the setup wizard creates, and the names it gives the activity levels. */
export const firstProject = { code: 'SET-1', name: 'Internal work' };
export const activityLevels = ['Process', 'Work type'];

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

  // 5. Logged in as the new administrator: the first projects. Enter in the fields adds one.
  await expect(page.getByTestId('setup-step-title')).toHaveText('First projects');
  await expect(page.getByLabel('Project code', { exact: true })).toBeFocused();
  await expect(page.getByTestId('setup-back')).toHaveCount(0);
  await page.getByLabel('Project code', { exact: true }).fill(firstProject.code);
  await page.getByLabel('Project name', { exact: true }).fill(firstProject.name);
  await page.getByLabel('Project name', { exact: true }).press('Enter');
  await expect(page.getByTestId('setup-projects')).toContainText(`${firstProject.code} ${firstProject.name}`);
  await expect(page.getByLabel('Project code', { exact: true })).toHaveValue('');
  // The same code again is refused at its field.
  await page.getByLabel('Project code', { exact: true }).fill(firstProject.code.toLowerCase());
  await page.getByLabel('Project name', { exact: true }).fill('Again');
  await page.getByTestId('setup-add-project').click();
  await expect(page.getByTestId('code-error')).toBeVisible();
  await page.getByLabel('Project code', { exact: true }).fill('');
  await page.getByLabel('Project name', { exact: true }).fill('');
  // The projects CSV can be imported here too.
  await expect(page.getByTestId('setup-step-title')).toHaveText('First projects');
  await next.click();

  // 6. The activity levels' names (or a level not used).
  await expect(page.getByTestId('setup-step-title')).toHaveText('Activity levels');
  await page.getByLabel('Name of activity level 1', { exact: true }).fill(activityLevels[0]);
  await page.getByLabel('Name of activity level 2', { exact: true }).fill(activityLevels[1]);
  await expect(page.getByLabel('Use activity level 2', { exact: true })).toBeChecked();
  await expect(next).toHaveText('Finish');
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
