import { expect, test } from '@playwright/test';
import { admin, ensureSetUp, login, logout } from './fixtures';

test('a user changes their own password with the current one, by keyboard', async ({ page, request }) => {
  await ensureSetUp(page);
  const headers = { 'x-kinmu-request': '1' };
  const signedIn = await request.post('api/v1/auth/login', { headers, data: { login: admin.login, password: admin.password } });
  expect(signedIn.ok()).toBeTruthy();
  const created = await request.post('api/v1/users', { headers, data: { login: 'kenji', display_name: 'Kenji Sato', password: 'Maple-Window-61' } });
  expect(created.status()).toBe(201);

  await page.goto('./login');
  await login(page, 'kenji', 'Maple-Window-61');
  await page.getByTestId('nav-preferences').click();
  await expect(page.getByRole('heading', { name: 'Change your password' })).toBeVisible();

  // A wrong current password: said at its field, nothing changed.
  await page.getByLabel('Current password').fill('not-my-password');
  await page.getByLabel('New password', { exact: true }).fill('Cedar-Bridge-88');
  await page.getByLabel('Confirm password').fill('Cedar-Bridge-88');
  await page.getByTestId('password-save').click();
  await expect(page.getByTestId('current_password-error')).toBeVisible();
  await expect(page.getByLabel('New password', { exact: true })).toHaveValue('Cedar-Bridge-88');

  // The right one, submitted with Enter.
  await page.getByLabel('Current password').fill('Maple-Window-61');
  await page.getByLabel('Confirm password').press('Enter');
  await expect(page.getByTestId('password-changed')).toBeVisible();
  await expect(page.getByLabel('Current password')).toHaveValue('');

  await logout(page);
  await login(page, 'kenji', 'Maple-Window-61');
  await expect(page.getByTestId('form-error')).toBeVisible();
  await page.getByLabel('Password', { exact: true }).fill('Cedar-Bridge-88');
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('nav-preferences')).toBeVisible();
});
