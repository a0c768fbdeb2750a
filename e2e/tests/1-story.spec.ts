import { expect, test } from '@playwright/test';
import { admin, company, isHome, login, logout, member, runSetupWizard } from './fixtures';

test('first run: setup, organisation, user, logins, language', async ({ page }) => {
  // A fresh server sends every page to the setup wizard.
  await page.goto('./login');
  await expect(page).toHaveURL(/\/setup$/);
  await runSetupWizard(page);

  // The wizard logs the administrator in and opens the admin console.
  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
  await expect(page.getByTestId('header-user')).toHaveText(admin.name);
  await expect(page.getByTestId('header-organization')).toHaveText(company);
  await expect(page.getByTestId(`user-row-${admin.login}`)).toBeVisible();

  // Organisation "Sales" under the company.
  await page.getByTestId('nav-organizations').click();
  await expect(page).toHaveURL(/\/admin\/organizations$/);
  await expect(page.getByTestId(`org-${company}`)).toBeVisible();
  await page.getByTestId('org-new').click();
  const orgDialog = page.getByTestId('org-dialog');
  await expect(orgDialog).toBeVisible();
  await orgDialog.getByLabel('Name').fill('Sales');
  await orgDialog.getByLabel('Parent').selectOption({ label: company });
  await orgDialog.getByTestId('org-save').click();
  await expect(orgDialog).toBeHidden();
  await expect(page.getByTestId(`org-${company}`).getByTestId('org-Sales')).toBeVisible();

  // A user in Sales with a log account.
  await page.getByTestId('nav-users').click();
  await page.getByTestId('user-new').click();
  const userDialog = page.getByTestId('user-dialog');
  await userDialog.getByLabel('Login', { exact: true }).fill(member.login);
  await userDialog.getByLabel('Display name').fill(member.name);
  await userDialog.getByLabel('Organisation').selectOption({ label: `${company} / Sales` });
  await userDialog.getByLabel('Log accounts').fill(member.logAccount);
  await userDialog.getByLabel('Password', { exact: true }).fill(member.password);
  await userDialog.getByTestId('user-save').click();
  await expect(userDialog).toBeHidden();
  const row = page.getByTestId(`user-row-${member.login}`);
  await expect(row).toContainText(member.name);
  await expect(row).toContainText('Sales');
  await expect(row).toContainText(/osaka\\taro/i);

  // The new user logs in and sees their home page.
  await logout(page);
  await login(page, member.login, member.password);
  await expect(page).toHaveURL(isHome);
  await expect(page.getByTestId('home-greeting')).toContainText(member.name);
  await expect(page.getByTestId('home-organization')).toContainText('Sales');
  // A member has no admin pages in the menu.
  await expect(page.getByTestId('nav-users')).toHaveCount(0);

  // Wrong password: an error, and the login name is kept.
  await logout(page);
  await page.getByLabel('Login', { exact: true }).fill(member.login);
  await page.getByLabel('Password', { exact: true }).fill('not-the-password');
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('form-error')).toHaveText('Login or password is incorrect');
  await expect(page.getByLabel('Login', { exact: true })).toHaveValue(member.login);

  // Language switch before login: English ↔ Japanese, at once.
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
  await page.getByTestId('language-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'ja');
  await expect(page.getByRole('heading', { name: 'ログイン' })).toBeVisible();
  await expect(page.getByLabel('ログイン名')).toHaveValue(member.login);
  await page.getByTestId('language-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
});

test('language is remembered per user on the server', async ({ page }) => {
  await page.goto('./login');
  await login(page, admin.login, admin.password);
  await expect(page.getByTestId('home-greeting')).toContainText(`Welcome, ${admin.name}`);
  await page.getByTestId('language-switch').click();
  await expect(page.getByTestId('home-greeting')).toContainText(`ようこそ、${admin.name}`);
  await expect(page.getByTestId('nav-users')).toHaveText('ユーザー');
  // A new browser context (no local storage) still gets Japanese after login.
  const other = await page.context().browser()!.newContext({ locale: 'en-US' });
  const p2 = await other.newPage();
  await p2.goto(new URL('login', page.url().replace(/\/?$/, '/')).toString());
  await login(p2, admin.login, admin.password);
  await expect(p2.getByTestId('home-greeting')).toContainText('ようこそ');
  await other.close();
  // Back to English for the other tests.
  await page.getByTestId('language-switch').click();
  await expect(page.getByTestId('home-greeting')).toContainText('Welcome');
});
