import { expect, test } from '@playwright/test';
import { admin, ensureSetUp, login } from './fixtures';

test('a person makes an API token on the preferences page, uses it without a cookie, and revokes it', async ({ page, playwright, baseURL }) => {
  await ensureSetUp(page);
  await page.goto('./login');
  await login(page, admin.login, admin.password);
  await page.getByTestId('nav-preferences').click();
  const section = page.getByTestId('own-tokens');
  await expect(section.getByRole('heading', { name: 'API tokens' })).toBeVisible();

  // Made by keyboard: a name, one scope among one's own permissions, the offered expiry.
  const name = `TOK-${Date.now()}`;
  await section.getByLabel('Name').fill(name);
  await section.getByLabel('View users').check();
  await expect(section.getByLabel('Expires after')).not.toHaveValue('');
  await section.getByLabel('Name').press('Enter');

  // The secret is shown once, with a warning and a copy button.
  const panel = page.getByTestId('token-secret-panel');
  await expect(panel).toContainText('shown only now');
  const secret = await page.getByTestId('token-secret').inputValue();
  expect(secret).toMatch(/^kinmu_[0-9a-f]{64}$/);
  await expect(page.getByTestId('token-copy')).toBeVisible();
  await page.getByTestId('token-secret-done').click();
  await expect(panel).toHaveCount(0);
  const row = page.getByTestId(`token-row-${name}`);
  await expect(row).toContainText(secret.slice(0, 14));
  await expect(row.getByTestId('token-last-used')).toHaveText('Never');
  await expect(page.locator('body')).not.toContainText(secret);

  // Another client, with no cookie: the token alone.
  const bare = await playwright.request.newContext({ baseURL });
  const auth = { Authorization: `Bearer ${secret}` };
  const me = await bare.get('api/v1/auth/me', { headers: auth });
  expect(me.status(), await me.text()).toBe(200);
  const body = await me.json();
  expect(body.user.login).toBe(admin.login);
  expect(body.user.permissions).toEqual(['users.view']);
  expect((await bare.get('api/v1/users', { headers: auth })).status()).toBe(200);
  const beyond = await bare.post('api/v1/users', { headers: auth, data: { login: 'tok-x', display_name: 'x', password: 'Maple-Window-61' } });
  expect(beyond.status()).toBe(403);
  expect((await bare.get('api/v1/auth/me')).status()).toBe(401);

  // Its use shows in the list; revoked after a confirmation, the next call is refused.
  await page.reload();
  await expect(row.getByTestId('token-last-used')).not.toHaveText('Never');
  await row.getByTestId('token-revoke').click();
  await expect(page.getByTestId('token-revoke-dialog')).toBeVisible();
  await page.getByTestId('token-revoke-confirm').click();
  await expect(page.getByTestId('token-revoke-dialog')).toHaveCount(0);
  await expect(row).toContainText('Revoked');
  const after = await bare.get('api/v1/auth/me', { headers: auth });
  expect(after.status()).toBe(401);
  expect((await after.json()).code).toBe('token_revoked');

  // Administrators see everyone's tokens on the users page.
  await page.getByTestId('nav-users').click();
  await expect(page.getByTestId('all-tokens').getByTestId(`token-row-${name}`)).toContainText('Revoked');
  await bare.dispose();
});
